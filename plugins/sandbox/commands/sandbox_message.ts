import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import i18nManager from '@adonisjs/i18n/services/main'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sandboxContext } from '../plugin_context.js'
import phone from '../sandbox_phone.js'
import calls, { isLive } from '../sandbox_calls.js'

/**
 * `npm run ace -- sandbox:message --connection 3 --phone +593991234567 --name "Ana" --text "Hola"`:
 * a customer writes into a sandbox connection, through the ingest port.
 * `--file ./recibo.pdf` sends a file (image, PDF or audio) with the text as its caption.
 * `--call` (add `--video` for a video call) then rings the business: the command waits until
 * the call is declined, or hangs up after `--hangup-after` seconds (default: the plugin's
 * ringing time) and the call is missed.
 */
export default class SandboxMessage extends BaseCommand {
  static commandName = 'sandbox:message'
  static description = 'Post a customer message into a sandbox connection'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'Sandbox connection id', required: true })
  declare connection: number

  @flags.string({ description: "Customer's phone (any format)", required: true })
  declare phone: string

  @flags.string({ description: "Customer's name" })
  declare name?: string

  @flags.string({ description: 'Message text (the caption when --file is given)' })
  declare text?: string

  @flags.string({ description: 'A file to send: image (JPG, PNG, WebP), PDF or audio' })
  declare file?: string

  @flags.boolean({ description: 'Then call the business (a missed call unless it is declined)' })
  declare call?: boolean

  @flags.boolean({ description: 'With --call: a video call' })
  declare video?: boolean

  @flags.number({ description: 'With --call: hang up after this many seconds' })
  declare hangupAfter?: number

  async run() {
    const i18n = i18nManager.locale(i18nManager.defaultLocale)
    const connection = await sandboxContext().ports.channels.findConnection(this.connection)
    if (!connection) {
      this.logger.error(i18n.t('sandbox.cli.connection_missing', { id: this.connection }))
      this.exitCode = 1
      return
    }
    if (!this.text?.trim() && !this.file && !this.call) {
      this.logger.error(i18n.t('sandbox.cli.nothing_to_send'))
      this.exitCode = 1
      return
    }
    let media = null
    if (this.file) {
      const path = resolve(process.cwd(), this.file)
      const mediaPort = sandboxContext().ports.media
      try {
        media = await mediaPort.accept(path, { filename: path })
      } catch (error) {
        const reason = mediaPort.isRefusal(error)
          ? error.translate((key, values) => i18n.t(key, values))
          : i18n.t('sandbox.cli.file_unreadable', { file: this.file })
        this.logger.error(reason)
        this.exitCode = 1
        return
      }
    }
    const customer = await phone.customerFor(connection.id, { name: this.name, phone: this.phone })
    if (this.text?.trim() || media) {
      const result = await phone.customerSends(connection.id, customer, { text: this.text, media })
      this.logger.success(i18n.t('sandbox.cli.message_posted', result))
    }
    if (this.call) await this.#call(connection.id, customer, i18n)
  }

  /** This process ends when the command does, so it ends the call itself instead of a timer. */
  async #call(
    connectionId: number,
    customer: Awaited<ReturnType<typeof phone.customerFor>>,
    i18n: ReturnType<typeof i18nManager.locale>
  ) {
    const placed = await calls.place(connectionId, customer, { isVideo: !!this.video })
    if (!placed) {
      this.logger.error(i18n.t('sandbox.cli.call_busy'))
      this.exitCode = 1
      return
    }
    this.logger.info(
      i18n.t('sandbox.cli.call_ringing', { callId: placed.call_id, phone: customer.phone })
    )
    const seconds = this.hangupAfter ?? sandboxContext().settings.get().callTimeoutSeconds
    const until = Date.now() + seconds * 1000
    let call = placed
    while (isLive(call) && Date.now() < until) {
      await sleep(Math.min(250, until - Date.now()))
      call = (await calls.find(connectionId, placed.id)) ?? call
    }
    if (isLive(call)) await calls.hangUp(connectionId, placed.call_id)
    call = (await calls.find(connectionId, placed.id)) ?? call
    const status = i18n.t(`sandbox.calls.statuses.${call.status}`)
    this.logger.success(i18n.t('sandbox.cli.call_ended', { status }))
  }
}
