import makeWASocket, {
  Browsers,
  downloadMediaMessage,
  fetchLatestWaWebVersion,
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
  type WAVersion,
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
  | 'rejectCall'
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
  /** WhatsApp Web's current version when known (a stale one is refused with 405). */
  version?: WAVersion
}

/**
 * What the plugin needs from the outside world. Production uses Baileys;
 * tests swap in the socket double and a fake media download.
 */
export interface BaileysRuntime {
  createSocket(options: SocketOptions): BaileysSocket
  download(message: WAMessage, socket: BaileysSocket, logger: ILogger): Promise<Buffer>
  /** The version to announce; undefined keeps Baileys' bundled one. */
  webVersion(): Promise<WAVersion | undefined>
  /** Lease lifetime; the owner renews at a third of it. */
  leaseTtlMs: number
  /** How often each instance looks for sessions to take or commands to run. */
  pollMs: number
  /** Seconds an undecryptable message waits for its retry before a placeholder is shown. */
  undecryptableGraceMs: number
  random(): number
}

export const baileysRuntimeDefaults: BaileysRuntime = {
  createSocket({ auth, logger, getMessage, msgRetryCounterCache, version }) {
    const socket = makeWASocket({
      ...(version ? { version } : {}),
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
  webVersion: latestWebVersion,
  leaseTtlMs: 15_000,
  pollMs: 4_000,
  undecryptableGraceMs: 60_000,
  random: Math.random,
}

let cachedVersion: { version: WAVersion | undefined; at: number } | null = null

/** Asked once an hour at most, 5 s timeout; without internet Baileys' bundled version is used. */
async function latestWebVersion() {
  if (cachedVersion && Date.now() - cachedVersion.at < 3_600_000) return cachedVersion.version
  const found = await fetchLatestWaWebVersion({ signal: AbortSignal.timeout(5000) }).catch(
    () => null
  )
  cachedVersion = { version: found && !found.error ? found.version : undefined, at: Date.now() }
  return cachedVersion.version
}

let current: BaileysRuntime = { ...baileysRuntimeDefaults }

export function baileysRuntime(): BaileysRuntime {
  return current
}

/** Tests: replace parts of the runtime (restore with `useBaileysRuntime({})`). */
export function useBaileysRuntime(overrides: Partial<BaileysRuntime>) {
  current = { ...baileysRuntimeDefaults, ...overrides }
}
