import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * `npm install && npm start` must work with no `.env` at all, so the secrets a
 * fresh install needs are generated once and kept in `storage/` (the Docker
 * volume), where they survive restarts and upgrades.
 */
export function applyRuntimeDefaults() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const storage = process.env.CHASQUI_STORAGE_PATH || join(root, 'storage')
  process.env.CHASQUI_STORAGE_PATH = storage
  process.env.TZ ||= 'UTC'
  if (!process.env.APP_KEY) {
    const keyFile = join(storage, 'app_key')
    if (!existsSync(keyFile)) {
      mkdirSync(storage, { recursive: true })
      writeFileSync(keyFile, randomBytes(32).toString('base64url'), { mode: 0o600 })
    }
    process.env.APP_KEY = readFileSync(keyFile, 'utf8').trim()
  }
}
