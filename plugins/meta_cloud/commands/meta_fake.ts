import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { GraphApiFake } from '../fake/graph_api_fake.js'

/**
 * `npm run ace -- meta_cloud:fake --port 4010 --webhook http://localhost:3333/webhooks/meta`:
 * runs the fake Graph API for local trials (set the plugin's Graph API URL to
 * it). Control routes: POST /_fake/customer-message {phoneNumberId, from,
 * name, text}, POST /_fake/status {phoneNumberId, wamid, status},
 * POST /_fake/fail-next {phoneNumberId, code}, GET /_fake/requests.
 */
export default class MetaFake extends BaseCommand {
  static commandName = 'meta_cloud:fake'
  static description = 'Run a fake Meta Graph API (messages, media, templates, signed webhooks)'
  static options: CommandOptions = { startApp: false, staysAlive: true }

  @flags.number({ description: 'Port', default: 4010 })
  declare port: number

  @flags.string({
    description: 'Chasqui webhook URL',
    default: 'http://localhost:3333/webhooks/meta',
  })
  declare webhook: string

  @flags.string({ description: 'Phone number ID', default: '100000000000002' })
  declare phoneNumberId: string

  @flags.string({ description: 'WABA ID', default: '100000000000001' })
  declare wabaId: string

  @flags.string({ description: 'Access token', default: 'fake-access-token-0123456789' })
  declare token: string

  @flags.string({ description: 'App secret', default: 'fake_app_secret_0123456789' })
  declare secret: string

  async run() {
    const fake = new GraphApiFake({
      webhookUrl: this.webhook,
      autoStatuses: { sentMs: 300, deliveredMs: 1500 },
    })
    fake.addNumber({
      phoneNumberId: this.phoneNumberId,
      wabaId: this.wabaId,
      accessToken: this.token,
      appSecret: this.secret,
      displayPhoneNumber: '15550001234',
      verifiedName: 'Chasqui Demo',
    })
    fake.setTemplates(this.wabaId, [
      {
        name: 'seguimiento',
        language: 'es',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Hola {{1}}, le escribimos sobre su solicitud {{2}}.' }],
      },
    ])
    const url = await fake.start(this.port, '0.0.0.0')
    this.logger.info(
      `Fake Graph API at ${url} (webhooks to ${this.webhook}). Number ${this.phoneNumberId}, WABA ${this.wabaId}, token ${this.token}, app secret ${this.secret}.`
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await fake.stop()
  }
}
