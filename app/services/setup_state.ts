import db from '@adonisjs/lucid/services/db'

/**
 * Whether the install has its organization and first administrator. Cached
 * once true: setup is a one-way door.
 */
class SetupState {
  #complete = false

  async isComplete() {
    if (this.#complete) return true
    const row = await db.from('users').select('id').limit(1).first()
    const organization = await db.from('organizations').select('id').limit(1).first()
    this.#complete = Boolean(row && organization)
    return this.#complete
  }

  /** Tests truncate tables between cases. */
  reset() {
    this.#complete = false
  }
}

const setupState = new SetupState()
export default setupState
