import type { HttpContext } from '@adonisjs/core/http'
import { errors as vineErrors } from '@vinejs/vine'
import { metaContext } from './plugin_context.js'
import metaNumbers from './numbers/meta_numbers.js'
import numberService, { type NumberResult } from './numbers/number_service.js'
import templateSync from './templates/template_sync.js'
import { NON_SECRET_FIELDS, numberCreateValidator, numberUpdateValidator } from './validators.js'

/*
| Settings → Meta numbers (/meta-cloud/numbers): add and edit business
| numbers, see the webhook URL and verify token to paste into Meta. Every
| save is checked against the Graph API first; nothing is saved otherwise.
*/

const BASE = '/meta-cloud/numbers'

function webhookUrl({ request }: HttpContext) {
  const configured = metaContext().settings.get().publicBaseUrl
  const base = configured || `${request.protocol()}://${request.host()}`
  return `${base.replace(/\/+$/, '')}/webhooks/meta`
}

async function numberOf({ params }: HttpContext) {
  const connection = await metaContext().ports.channels.findConnection(Number(params.id))
  if (!connection) {
    const { errors } = await import('@adonisjs/core/http')
    throw new errors.E_ROUTE_NOT_FOUND(['GET', 'meta connection'])
  }
  return { connection, number: await metaNumbers.byConnection(connection.id) }
}

/** Flash what was typed (never a secret) and the errors, then go back to the form. */
function backWithErrors(
  ctx: HttpContext,
  to: string,
  bag: Record<string, string[]>,
  error?: string
) {
  for (const name of NON_SECRET_FIELDS) {
    const value = ctx.request.input(name)
    if (value !== undefined && value !== null) ctx.session.flash(name, value)
  }
  if (Object.keys(bag).length) ctx.session.flash('inputErrorsBag', bag)
  if (error) ctx.session.flash('error', error)
  return ctx.response.redirect(to)
}

async function validate<T>(
  ctx: HttpContext,
  validator: { validate(data: any, options?: any): Promise<T> },
  to: string
) {
  try {
    return {
      data: await validator.validate(ctx.request.all(), {
        messagesProvider: ctx.i18n.createMessagesProvider(),
      }),
    }
  } catch (error) {
    if (!(error instanceof vineErrors.E_VALIDATION_ERROR)) throw error
    const bag: Record<string, string[]> = {}
    for (const { field, message } of error.messages as { field: string; message: string }[]) {
      ;(bag[field] ??= []).push(message)
    }
    return { redirect: backWithErrors(ctx, to, bag) }
  }
}

function problemMessage(ctx: HttpContext, result: Extract<NumberResult, { ok: false }>) {
  const text = ctx.i18n.t(`meta_cloud.check.${result.problem}`)
  return result.details ? `${text} (${result.details})` : text
}

export async function listNumbers(ctx: HttpContext) {
  const connections = await metaContext().ports.channels.connections()
  const numbers = await metaNumbers.all()
  return ctx.view.render('meta_cloud::numbers', {
    rows: connections.map((connection) => ({
      connection,
      number: numbers.find((n) => n.connectionId === connection.id) ?? null,
    })),
    webhookUrl: webhookUrl(ctx),
  })
}

export async function newNumber(ctx: HttpContext) {
  return ctx.view.render('meta_cloud::number_form', {
    connection: null,
    number: null,
    webhookUrl: webhookUrl(ctx),
    action: BASE,
  })
}

export async function createNumber(ctx: HttpContext) {
  const validated = await validate(ctx, numberCreateValidator, `${BASE}/new`)
  if (!validated.data) return validated.redirect
  const data = validated.data
  const result = await numberService.add({ ...data, markRead: data.markRead ?? false })
  if (!result.ok) return backWithErrors(ctx, `${BASE}/new`, {}, problemMessage(ctx, result))
  ctx.session.flash('success', ctx.i18n.t('meta_cloud.numbers.created'))
  return ctx.response.redirect(`${BASE}/${result.connection.id}/edit`)
}

export async function editNumber(ctx: HttpContext) {
  const { connection, number } = await numberOf(ctx)
  return ctx.view.render('meta_cloud::number_form', {
    connection,
    number: number
      ? {
          phoneNumberId: number.phoneNumberId,
          wabaId: number.wabaId,
          verifyToken: number.verifyToken,
          markRead: number.markRead,
          displayPhoneNumber: number.displayPhoneNumber,
          verifiedName: number.verifiedName,
        }
      : null,
    templates: await templateSync.approved(connection.id),
    webhookUrl: webhookUrl(ctx),
    action: `${BASE}/${connection.id}`,
  })
}

export async function updateNumber(ctx: HttpContext) {
  const { connection } = await numberOf(ctx)
  const to = `${BASE}/${connection.id}/edit`
  const validated = await validate(ctx, numberUpdateValidator, to)
  if (!validated.data) return validated.redirect
  const data = validated.data
  const result = await numberService.update(connection.id, {
    ...data,
    markRead: data.markRead ?? false,
  })
  if (!result.ok) return backWithErrors(ctx, to, {}, problemMessage(ctx, result))
  ctx.session.flash('success', ctx.i18n.t('meta_cloud.numbers.saved'))
  return ctx.response.redirect(to)
}

export async function syncTemplates(ctx: HttpContext) {
  const { connection } = await numberOf(ctx)
  const to = `${BASE}/${connection.id}/edit`
  try {
    const count = await templateSync.sync(connection.id)
    ctx.session.flash('success', ctx.i18n.t('meta_cloud.templates.synced', { count }))
  } catch (error) {
    ctx.session.flash(
      'error',
      ctx.i18n.t('meta_cloud.templates.sync_failed', { details: (error as Error).message })
    )
  }
  return ctx.response.redirect(to)
}
