import emitter from '@adonisjs/core/services/emitter'
import logger from '@adonisjs/core/services/logger'
import type { EventsList } from '@adonisjs/core/types'

/**
 * Emits a domain event once the change it describes is committed. The
 * change is already stored, so a failing listener is logged and never
 * becomes the caller's error (a webhook answered 500 would make the
 * provider redeliver a stored message; a form would say "failed" after
 * saving).
 */
export async function publish<Name extends keyof EventsList>(
  name: Name,
  payload: EventsList[Name]
) {
  try {
    await emitter.emit(name, payload)
  } catch (error) {
    logger.error({ err: error, event: name }, 'a listener of a domain event failed')
  }
}
