import makeWASocket, {
  Browsers,
  downloadMediaMessage,
  isJidBroadcast,
  isJidNewsletter,
  makeCacheableSignalKeyStore,
  type AuthenticationState,
  type BaileysEventEmitter,
  type CacheStore,
  type WAMessage,
  type WAMessageKey,
  type WASocket,
  type proto,
  type SocketConfig,
} from '@whiskeysockets/baileys'

export type ILogger = SocketConfig['logger']

/**
 * The part of Baileys' WASocket the plugin uses. The real socket is one; the
 * test double implements exactly this, typed against Baileys' own `.d.ts`,
 * so a Baileys upgrade that changes a signature breaks the build, not prod.
 */
export type BaileysSocket = Pick<
  WASocket,
  | 'sendMessage'
  | 'logout'
  | 'end'
  | 'requestPairingCode'
  | 'updateMediaMessage'
  | 'profilePictureUrl'
  | 'user'
> & { ev: BaileysEventEmitter }

export interface SocketOptions {
  connectionId: number
  auth: AuthenticationState
  logger: ILogger
  /** Stored messages, for retry re-sends and quoted/poll decryption. */
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>
  /** Per connection and outside the socket, so retry counters survive reconnects (B.8). */
  msgRetryCounterCache: CacheStore
}

/**
 * What the plugin needs from the outside world. Production uses Baileys;
 * tests swap in the socket double and a fake media download.
 */
export interface BaileysRuntime {
  createSocket(options: SocketOptions): BaileysSocket
  download(message: WAMessage, socket: BaileysSocket, logger: ILogger): Promise<Buffer>
  /** Lease lifetime; the owner renews at a third of it. */
  leaseTtlMs: number
  /** How often each instance looks for sessions to take or commands to run. */
  pollMs: number
  /** Seconds an undecryptable message waits for its retry before a placeholder is shown. */
  undecryptableGraceMs: number
  random(): number
}

export const baileysRuntimeDefaults: BaileysRuntime = {
  createSocket({ auth, logger, getMessage, msgRetryCounterCache }) {
    const socket = makeWASocket({
      auth: { creds: auth.creds, keys: makeCacheableSignalKeyStore(auth.keys, logger) },
      logger,
      browser: Browsers.macOS('Desktop'),
      // Otherwise the phone stops showing notifications while Chasqui is connected (B.8 #10).
      markOnlineOnConnect: false,
      syncFullHistory: false,
      getMessage,
      msgRetryCounterCache,
      shouldIgnoreJid: (jid) => !!isJidBroadcast(jid) || !!isJidNewsletter(jid),
    })
    return socket
  },
  download(message, socket, logger) {
    return downloadMediaMessage(
      message,
      'buffer',
      {},
      { logger, reuploadRequest: (m) => socket.updateMediaMessage(m) }
    )
  },
  leaseTtlMs: 15_000,
  pollMs: 4_000,
  undecryptableGraceMs: 60_000,
  random: Math.random,
}

let current: BaileysRuntime = { ...baileysRuntimeDefaults }

export function baileysRuntime(): BaileysRuntime {
  return current
}

/** Tests: replace parts of the runtime (restore with `useBaileysRuntime({})`). */
export function useBaileysRuntime(overrides: Partial<BaileysRuntime>) {
  current = { ...baileysRuntimeDefaults, ...overrides }
}
