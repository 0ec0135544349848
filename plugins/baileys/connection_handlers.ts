import type { HttpContext } from '@adonisjs/core/http'
import { baileysContext } from './plugin_context.js'
import drivers from './baileys_driver.js'
import { qrSvg } from './qr_image.js'
import { reasonKey } from './reasons.js'
import { groupsValidator, newConnectionValidator, pairingCodeValidator } from './validators.js'

/*
| The plugin's pages: its numbers, and per number the live pairing (QR or
| phone code), the state, reconnect and log out. The state fragment is
| refetched every few seconds and whenever the QR rotates.
*/

async function connectionOf({ params }: HttpContext) {
  const connection = await baileysContext().ports.channels.findConnection(Number(params.id))
  if (!connection) {
    const { errors } = await import('@adonisjs/core/http')
    throw new errors.E_ROUTE_NOT_FOUND(['GET', 'baileys connection'])
  }
  return connection
}

function manager() {
  const current = drivers.manager()
  if (!current) throw new Error('The baileys plugin is not running')
  return current
}

async function sessionRow(connectionId: number) {
  return baileysContext()
    .db.from('baileys_sessions')
    .where('connection_id', connectionId)
    .select('profile_name', 'own_jid', 'groups_enabled', 'pairing_code', 'wanted')
    .first()
}

async function stateData(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const row = await sessionRow(connection.id)
  const key = reasonKey(connection.statusReason)
  return {
    connection,
    reason: key ? ctx.i18n.t(`baileys.reasons.${key}`) : connection.statusReason,
    session: {
      profileName: row?.profile_name ?? null,
      groupsEnabled: !!row?.groups_enabled,
      pairingCode: row?.pairing_code ?? null,
      wanted: !!row?.wanted,
    },
    qrSvg:
      connection.status === 'waiting_qr' && connection.qrCode
        ? await qrSvg(connection.qrCode)
        : null,
  }
}

function back(ctx: HttpContext, connectionId: number) {
  return ctx.response.redirect(`/baileys/connections/${connectionId}`)
}

export async function list(ctx: HttpContext) {
  const connections = await baileysContext().ports.channels.connections()
  return ctx.view.render('baileys::index', { connections })
}

export async function createConnection(ctx: HttpContext) {
  const { name } = await ctx.request.validateUsing(newConnectionValidator)
  // The plugin's settings are the new-contact limits every new number starts with (ban risk).
  const limits = baileysContext().settings.get()
  const connection = await baileysContext().ports.channels.createConnection({
    name,
    newContactsPerHour: limits.newContactsPerHour,
    newContactsPerDay: limits.newContactsPerDay,
  })
  await manager().connect(connection.id)
  ctx.session.flash('success', ctx.i18n.t('baileys.flash.created'))
  return back(ctx, connection.id)
}

export async function show(ctx: HttpContext) {
  return ctx.view.render('baileys::show', await stateData(ctx))
}

export async function state(ctx: HttpContext) {
  return ctx.view.render('baileys::state', await stateData(ctx))
}

export async function connect(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  await manager().connect(connection.id)
  return back(ctx, connection.id)
}

export async function reconnect(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  await manager().command(connection.id, 'reconnect')
  ctx.session.flash('success', ctx.i18n.t('baileys.flash.reconnecting'))
  return back(ctx, connection.id)
}

export async function logout(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  await manager().command(connection.id, 'logout')
  ctx.session.flash('success', ctx.i18n.t('baileys.flash.logged_out'))
  return back(ctx, connection.id)
}

export async function requestPairingCode(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const { phone } = await ctx.request.validateUsing(pairingCodeValidator)
  const session = manager().session(connection.id)
  if (!session || session.status() !== 'waiting_qr') {
    ctx.session.flash('error', ctx.i18n.t('baileys.flash.pairing_unavailable'))
    return back(ctx, connection.id)
  }
  try {
    const code = await session.requestPairingCode(phone)
    await baileysContext()
      .db.from('baileys_sessions')
      .where('connection_id', connection.id)
      .update({ pairing_phone: phone, pairing_code: code, updated_at: new Date() })
  } catch {
    ctx.session.flash('error', ctx.i18n.t('baileys.flash.pairing_failed'))
  }
  return back(ctx, connection.id)
}

export async function setGroups(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const { enabled } = await ctx.request.validateUsing(groupsValidator)
  await baileysContext()
    .db.knexQuery()
    .table('baileys_sessions')
    .insert({ connection_id: connection.id, groups_enabled: !!enabled, updated_at: new Date() })
    .onConflict('connection_id')
    .merge(['groups_enabled', 'updated_at'])
  const session = manager().session(connection.id)
  if (session) session.groupsEnabled = !!enabled
  ctx.session.flash('success', ctx.i18n.t('baileys.flash.saved'))
  return back(ctx, connection.id)
}
