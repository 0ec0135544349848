import type { HttpContext } from '@adonisjs/core/http'
import vine from '@vinejs/vine'

const localeValidator = vine.create({ locale: vine.enum(['es', 'en']) })

/** Each user picks their own interface language. */
export default class AccountLocaleController {
  async update({ request, response, auth }: HttpContext) {
    const { locale } = await request.validateUsing(localeValidator)
    auth.user!.locale = locale
    await auth.user!.save()
    return response.redirect().back()
  }
}
