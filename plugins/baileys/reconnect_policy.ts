import type { ConnectionStatus } from '#channels/channel_driver'
import { REASONS } from './reasons.js'

/** What the supervisor does after a socket closed (CONTRACTS.md B.4). */
export type ReconnectAction =
  /** Open a new socket now with the same state (515 after pairing: not a failure). */
  | 'reconnect_now'
  /** Open a new socket after `delayMs` (exponential back-off with jitter, capped). */
  | 'backoff'
  /** Stay closed until an admin asks again; keep the pairing. */
  | 'stop'
  /** Forget the pairing (creds and keys) and stay closed until a new QR is asked for. */
  | 'wipe'

export interface ReconnectDecision {
  action: ReconnectAction
  /** The state reported to the core. */
  status: ConnectionStatus
  /** Words an admin understands (shown on the Connections page and in the log). */
  reason: string
  delayMs: number
  /** System event level of this transition. */
  level: 'info' | 'warning' | 'critical'
}

export interface CloseInfo {
  /** `lastDisconnect.error.output.statusCode`; undefined when Baileys gave no Boom. */
  statusCode: number | undefined
  message: string | undefined
  /** `creds.registered`: false while the number was never linked. */
  registered: boolean
  /** Consecutive failed attempts since the last open (0 on the first close). */
  failures: number
  /** Jitter source (tests pin it). */
  random?: () => number
}

export const BACKOFF_BASE_MS = 2000
export const BACKOFF_CAP_MS = 120_000
/** After this many 500s in a row the reason says the number probably needs to be linked again. */
export const BAD_SESSION_REPAIR_AFTER = 5

/** 2s, 4s, 8s… capped, each drawn from [50%, 100%] so many numbers do not reconnect in lockstep. */
export function backoffDelay(failures: number, random: () => number = Math.random) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures, 16))
  return Math.round(ceiling * (0.5 + random() * 0.5))
}

/**
 * The decision for one close, by Baileys' `DisconnectReason`. Pure, so
 * every reason is tested on its own; the supervisor only carries it out.
 */
export function decideOnClose(info: CloseInfo): ReconnectDecision {
  const { statusCode, message = '', registered, failures } = info
  const backoff = (reason: string, level: ReconnectDecision['level'] = 'warning') => ({
    action: 'backoff' as const,
    status: 'connecting' as const,
    reason,
    delayMs: backoffDelay(failures, info.random),
    level,
  })
  const stop = (
    status: ConnectionStatus,
    reason: string,
    level: ReconnectDecision['level'] = 'critical'
  ) => ({ action: 'stop' as const, status, reason, delayMs: 0, level })

  switch (statusCode) {
    case 515:
      return {
        action: 'reconnect_now',
        status: 'connecting',
        reason: REASONS.restart,
        delayMs: 0,
        level: 'info',
      }
    case 401:
      return {
        action: 'wipe',
        status: 'logged_out',
        reason: REASONS.logged_out_phone,
        delayMs: 0,
        level: 'critical',
      }
    case 411:
      return {
        action: 'wipe',
        status: 'logged_out',
        reason: REASONS.multidevice,
        delayMs: 0,
        level: 'critical',
      }
    case 403:
      return stop('disconnected', REASONS.forbidden)
    case 440:
      // Another socket opened with these credentials: reconnecting would fight it forever.
      return stop('disconnected', REASONS.replaced)
    case 405:
      return stop('disconnected', REASONS.version)
    case 408:
      if (!registered && /QR refs attempts ended/i.test(message)) {
        return stop('disconnected', REASONS.qr_expired, 'warning')
      }
      return backoff(REASONS.timed_out)
    case 428:
      return backoff(REASONS.closed)
    case 503:
      return backoff(REASONS.unavailable)
    case 500:
      return backoff(
        failures + 1 >= BAD_SESSION_REPAIR_AFTER
          ? REASONS.bad_session_repeated
          : REASONS.bad_session,
        failures + 1 >= BAD_SESSION_REPAIR_AFTER ? 'critical' : 'warning'
      )
    default:
      return backoff(message ? `${REASONS.connection_error}: ${message}` : REASONS.connection_error)
  }
}
