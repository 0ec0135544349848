import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import env from '#start/env'

/**
 * Settings of the embedded PostgreSQL cluster, used when DATABASE_URL is not
 * set. Its password is generated once per install and kept beside the data.
 */
const storage = env.get('CHASQUI_STORAGE_PATH', join(process.cwd(), 'storage'))

function clusterPassword() {
  const fromEnv = env.get('EMBEDDED_PG_PASSWORD')
  if (fromEnv) return fromEnv
  const file = join(storage, 'postgres.password')
  if (!existsSync(file)) {
    mkdirSync(storage, { recursive: true })
    writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 })
  }
  return readFileSync(file, 'utf8').trim()
}

const enabled = !env.get('DATABASE_URL')

const embeddedDatabaseConfig = {
  enabled,
  dataDir: env.get('EMBEDDED_PG_DIR', join(storage, 'postgres')),
  port: env.get('EMBEDDED_PG_PORT', 54329),
  user: 'postgres',
  password: enabled ? clusterPassword() : '',
  database: 'chasqui',
  ephemeral: env.get('EMBEDDED_PG_EPHEMERAL', false),
}

export default embeddedDatabaseConfig
