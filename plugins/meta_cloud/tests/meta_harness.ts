import pluginHost from '#plugin_host/plugin_host'
import { createOrganization } from '#tests/helpers/fixtures'
import type Connection from '#models/connection'
import {
  GraphApiFake,
  type FakeNumber,
  type FakeTemplate,
  type GraphApiFakeOptions,
} from '../fake/graph_api_fake.js'
import numberService from '../numbers/number_service.js'
import webhookInbox from '../webhook/webhook_inbox.js'

/*
| Test plumbing for the Meta plugin: a fake Graph API on a free port whose
| webhooks go to this test process's HTTP server, and a Meta connection
| created through the same service the settings page uses.
*/

/** The number of the recorded fixtures (plugins/meta_cloud/tests/fixtures), with the vector's app secret. */
export const FIXTURE_NUMBER: FakeNumber = {
  phoneNumberId: '100000000000002',
  wabaId: '100000000000001',
  accessToken: 'EAAGfakeSystemUserToken0123456789',
  appSecret: 'test_app_secret_0123456789abcdef',
  displayPhoneNumber: '15550001234',
  verifiedName: 'Cooperativa Andina',
}

export const VERIFY_TOKEN = 'verify-token-chasqui'

export function webhookUrl() {
  return `http://${process.env.HOST}:${process.env.PORT}/webhooks/meta`
}

export async function startFake(options: GraphApiFakeOptions = {}) {
  const fake = new GraphApiFake({ webhookUrl: webhookUrl(), ...options })
  fake.addNumber({ ...FIXTURE_NUMBER })
  fake.setTemplates(FIXTURE_NUMBER.wabaId, [
    {
      name: 'seguimiento',
      language: 'es',
      status: 'APPROVED',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hola {{1}}, su pedido {{2}} está listo.' }],
    },
    {
      name: 'promo_vieja',
      language: 'es',
      status: 'PAUSED',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Oferta' }],
    },
  ])
  await fake.start()
  fake.unref()
  return fake
}

/** Points the plugin at the fake (settings are wiped by resetDatabase). */
export async function configurePlugin(fake: GraphApiFake, extra: Record<string, unknown> = {}) {
  await pluginHost.saveSettings(
    'meta_cloud',
    {
      values: {
        graphApiBaseUrl: fake.baseUrl,
        graphApiVersion: 'v23.0',
        ratePerSecond: '80',
        ...extra,
      },
    },
    null
  )
}

/** Organization + plugin enabled and configured + the fixture number as a connection. */
export async function metaConnection(fake: GraphApiFake, name = 'Ventas'): Promise<Connection> {
  await createOrganization()
  await pluginHost.enable('meta_cloud', null)
  await configurePlugin(fake)
  const result = await numberService.add({
    name,
    phoneNumberId: FIXTURE_NUMBER.phoneNumberId,
    wabaId: FIXTURE_NUMBER.wabaId,
    accessToken: FIXTURE_NUMBER.accessToken,
    appSecret: FIXTURE_NUMBER.appSecret,
    verifyToken: VERIFY_TOKEN,
    markRead: true,
  })
  if (!result.ok) throw new Error(`metaConnection: ${result.problem} ${result.details}`)
  return result.connection
}

/** Waits until every stored webhook was processed. */
export function drainWebhooks(timeoutMs?: number) {
  return webhookInbox.drain(timeoutMs)
}

/**
 * An approved template with an image header, one body value and a payment
 * link button whose end varies (and a phone button, which asks for nothing).
 */
export const PAYMENT_TEMPLATE: FakeTemplate = {
  name: 'cuota_vence',
  language: 'es',
  status: 'APPROVED',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'IMAGE' },
    { type: 'BODY', text: 'Estimado {{1}}, su cuota vence hoy.' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Pagar', url: 'https://pagos.example.ec/c/{{1}}' },
        { type: 'PHONE_NUMBER', text: 'Llamar', phone_number: '+59322222222' },
      ],
    },
  ],
}

/** Runs `work` while the fixture WABA also has `template`; the list is restored after. */
export async function withTemplate<T>(
  fake: GraphApiFake,
  template: FakeTemplate,
  work: () => Promise<T>
) {
  const before = fake.templates.get(FIXTURE_NUMBER.wabaId) ?? []
  fake.setTemplates(FIXTURE_NUMBER.wabaId, [...before, template])
  try {
    return await work()
  } finally {
    fake.setTemplates(FIXTURE_NUMBER.wabaId, before)
  }
}
