import limiter from '@adonisjs/limiter/services/main'
import User from '#models/user'

export type LoginResult =
  | { user: User; reason?: undefined; retryAfterMinutes?: undefined }
  | {
      user: null
      reason: 'invalid_credentials' | 'inactive' | 'throttled'
      retryAfterMinutes?: number
    }

/**
 * Email + password login with brute-force throttling: five failures for one
 * email from one address block it for 15 minutes. Inactive users are refused
 * even with the right password.
 */
export class LoginService {
  #limiter = limiter.use({ requests: 5, duration: '1 min', blockDuration: '15 mins' })

  async attempt(email: string, password: string, ip: string): Promise<LoginResult> {
    const key = `login_${ip}_${email.trim().toLowerCase()}`
    let outcome
    try {
      // A failed verification throws: penalize counts it and rethrows.
      outcome = await this.#limiter.penalize(key, () =>
        User.verifyCredentials(email.trim().toLowerCase(), password)
      )
    } catch (error) {
      if ((error as { code?: string }).code === 'E_INVALID_CREDENTIALS') {
        return { user: null, reason: 'invalid_credentials' }
      }
      throw error
    }
    const [error, user] = outcome
    if (error) {
      const seconds = error.response.availableIn
      return {
        user: null,
        reason: 'throttled',
        retryAfterMinutes: Math.max(1, Math.ceil(seconds / 60)),
      }
    }
    if (!user) return { user: null, reason: 'invalid_credentials' }
    if (!user.isActive) return { user: null, reason: 'inactive' }
    return { user }
  }
}

export default new LoginService()
