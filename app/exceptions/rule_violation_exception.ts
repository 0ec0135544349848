import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'

/**
 * A business rule refused the change (last administrator, duplicate email,
 * role still in use…). Thrown by services, which know nothing about HTTP; it
 * renders itself like a validation failure: translated message, input kept,
 * redirect back. Outside HTTP (ace commands) callers read `translationKey`.
 */
export class RuleViolationException extends Exception {
  static status = 422
  static code = 'E_RULE_VIOLATION'

  constructor(
    readonly translationKey: string,
    /** The form field the message belongs to; without one it is a page-level error. */
    readonly field?: string,
    readonly data: Record<string, unknown> = {}
  ) {
    super(translationKey)
  }

  translate(t: (key: string, data?: Record<string, unknown>) => string) {
    return t(this.translationKey, this.data)
  }

  async handle(error: this, ctx: HttpContext) {
    const message = error.translate((key, data) => ctx.i18n.t(key, data))
    ctx.session.flashExcept(['_csrf', '_method', 'password', 'passwordConfirmation'])
    if (error.field) ctx.session.flash('inputErrorsBag', { [error.field]: [message] })
    else ctx.session.flash('error', message)
    return ctx.response.redirect().back()
  }
}
