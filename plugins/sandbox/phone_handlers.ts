import type { HttpContext } from '@adonisjs/core/http'
import { MediaRefusedException } from '#services/media_policy'
import { contentDisposition } from '#controllers/media_controller'
import { sandboxContext } from './plugin_context.js'
import phone from './sandbox_phone.js'
import { customerMessageValidator, customerValidator, failureValidator } from './validators.js'

/*
| The customer phone page of a sandbox connection (/sandbox/connections/:id/phone):
| pick or create a customer, chat as them (text, image, PDF, audio), see the
| agents' replies (the thread polls), and opening the thread reports the
| replies read.
*/

async function connectionOf({ params }: HttpContext) {
  const connection = await sandboxContext().ports.channels.findConnection(Number(params.id))
  if (!connection) {
    const { errors } = await import('@adonisjs/core/http')
    throw new errors.E_ROUTE_NOT_FOUND(['GET', 'sandbox connection'])
  }
  return connection
}

function phoneUrl(connectionId: number, customerId?: number) {
  const base = `/sandbox/connections/${connectionId}/phone`
  return customerId ? `${base}?customer=${customerId}` : base
}

async function threadState(connectionId: number, customerId: number) {
  const customer = await phone.customer(connectionId, customerId)
  if (!customer) return { customer: null, messages: [] }
  // Looking at the chat is reading it.
  await phone.openChat(connectionId, customer.id)
  return { customer, messages: await phone.thread(customer.id) }
}

export async function showPhone(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const customerId = Number(ctx.request.qs().customer) || 0
  return ctx.view.render('sandbox::phone', {
    connection,
    customers: await phone.customers(connection.id),
    ...(await threadState(connection.id, customerId)),
  })
}

export async function showThread(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const customerId = Number(ctx.request.qs().customer) || 0
  return ctx.view.render('sandbox::thread', {
    connection,
    ...(await threadState(connection.id, customerId)),
  })
}

export async function createCustomer(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const data = await ctx.request.validateUsing(customerValidator)
  const customer = await phone.customerFor(connection.id, data)
  return ctx.response.redirect(phoneUrl(connection.id, customer.id))
}

export async function sendAsCustomer(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const data = await ctx.request.validateUsing(customerMessageValidator)
  const customer = await phone.customer(connection.id, data.customer)
  if (!customer) return ctx.response.redirect(phoneUrl(connection.id))
  const back = phoneUrl(connection.id, customer.id)
  const file = ctx.request.file('file')
  if (!file?.tmpPath && !data.text) {
    ctx.session.flash('error', ctx.i18n.t('sandbox.chat.empty_message'))
    return ctx.response.redirect(back)
  }
  let media = null
  if (file?.tmpPath) {
    try {
      media = await sandboxContext().ports.media.accept(file.tmpPath, {
        filename: file.clientName,
      })
    } catch (error) {
      if (!(error instanceof MediaRefusedException)) throw error
      ctx.session.flash(
        'error',
        error.translate((key, values) => ctx.i18n.t(key, values))
      )
      ctx.session.flash('text', data.text ?? '')
      return ctx.response.redirect(back)
    }
  }
  await phone.customerSends(connection.id, customer, { text: data.text, media })
  return ctx.response.redirect(back)
}

/** A file in this phone's chats, read back from the core's media store. */
export async function showMedia(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const message = await phone.mediaMessage(connection.id, Number(ctx.params.messageId))
  const media = sandboxContext().ports.media
  if (!message?.media_path || !(await media.exists(message.media_path))) {
    return ctx.response.notFound('Not found')
  }
  const mime = message.media_mime || 'application/octet-stream'
  const inline = /^(image\/(jpeg|png|webp)|audio\/)/.test(mime)
  ctx.response.header('Content-Type', mime)
  ctx.response.header(
    'Content-Disposition',
    contentDisposition(inline ? 'inline' : 'attachment', message.media_filename)
  )
  ctx.response.header('X-Content-Type-Options', 'nosniff')
  ctx.response.header('Content-Security-Policy', "default-src 'none'; sandbox")
  return ctx.response.stream(media.stream(message.media_path))
}

export async function setFailure(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const { mode } = await ctx.request.validateUsing(failureValidator)
  await phone.failNext(connection.id, mode === 'none' ? null : mode)
  ctx.session.flash('success', ctx.i18n.t('sandbox.failure_saved'))
  const customerId = Number(ctx.request.input('customer')) || undefined
  return ctx.response.redirect(phoneUrl(connection.id, customerId))
}
