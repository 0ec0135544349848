import type { HttpContext } from '@adonisjs/core/http'
import { sandboxContext } from './plugin_context.js'
import phone from './sandbox_phone.js'
import { customerMessageValidator, customerValidator, failureValidator } from './validators.js'

/*
| The customer phone page of a sandbox connection (/sandbox/connections/:id/phone):
| pick or create a customer, chat as them, see the agents' replies (the
| thread polls), and opening the thread reports the replies read.
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
  await phone.customerSays(connection.id, customer, data.text)
  return ctx.response.redirect(phoneUrl(connection.id, customer.id))
}

export async function setFailure(ctx: HttpContext) {
  const connection = await connectionOf(ctx)
  const { mode } = await ctx.request.validateUsing(failureValidator)
  await phone.failNext(connection.id, mode === 'none' ? null : mode)
  ctx.session.flash('success', ctx.i18n.t('sandbox.failure_saved'))
  const customerId = Number(ctx.request.input('customer')) || undefined
  return ctx.response.redirect(phoneUrl(connection.id, customerId))
}
