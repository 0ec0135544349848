import type { HttpContext } from '@adonisjs/core/http'
import { sandboxContext } from './plugin_context.js'
import phone from './sandbox_phone.js'
import calls from './sandbox_calls.js'
import {
  callValidator,
  customerMessageValidator,
  customerValidator,
  failureValidator,
} from './validators.js'

/*
| The customer phone page of a sandbox connection (/sandbox/connections/:id/phone):
| pick or create a customer, chat as them (text, image, PDF, audio), see the
| agents' replies (the thread polls), and opening the thread reports the
| replies read. "Llamar" / "Videollamada" ring the business; the call shows
| in the chat until it is hung up, declined or times out.
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
  const [messages, customerCalls] = await Promise.all([
    phone.thread(customer.id),
    calls.of(customer.id),
  ])
  // Calls sit in the chat among the messages, as on a real phone.
  const entries = [...messages, ...customerCalls].sort(
    (a, b) => a.created_at.getTime() - b.created_at.getTime()
  )
  return { customer, messages: entries }
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
    const mediaPort = sandboxContext().ports.media
    try {
      media = await mediaPort.accept(file.tmpPath, { filename: file.clientName })
    } catch (error) {
      if (!mediaPort.isRefusal(error)) throw error
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
    media.contentDisposition(inline ? 'inline' : 'attachment', message.media_filename)
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

/** The customer calls the business from this chat (voice, or video with `video=1`). */
export async function placeCall(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const data = await ctx.request.validateUsing(callValidator)
  const customer = await phone.customer(connection.id, data.customer)
  if (!customer) return ctx.response.redirect(phoneUrl(connection.id))
  const call = await calls.ring(connection.id, customer, { isVideo: !!data.video })
  if (!call) ctx.session.flash('error', ctx.i18n.t('sandbox.calls.busy'))
  return ctx.response.redirect(phoneUrl(connection.id, customer.id))
}

/** "Colgar": the customer gives up before anyone answered, so the business missed the call. */
export async function hangUp(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const call = await calls.find(connection.id, Number(ctx.params.callId))
  if (!call || !(await calls.hangUp(connection.id, call.call_id))) {
    ctx.session.flash('error', ctx.i18n.t('sandbox.calls.over'))
  }
  return ctx.response.redirect(phoneUrl(connection.id, call?.customer_id))
}
