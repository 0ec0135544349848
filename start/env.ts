/*
| Environment variables, validated at boot. Every one has a default that works
| on a fresh install: `npm start` needs no `.env` file.
*/
import { Env } from '@adonisjs/core/env'

export default await Env.create(new URL('../', import.meta.url), {
  NODE_ENV: Env.schema.enum.optional(['development', 'production', 'test'] as const),
  PORT: Env.schema.number.optional(),
  HOST: Env.schema.string.optional({ format: 'host' }),
  APP_KEY: Env.schema.secret(),
  APP_URL: Env.schema.string.optional(),
  LOG_LEVEL: Env.schema.string.optional(),
  TZ: Env.schema.string.optional(),
  SESSION_DRIVER: Env.schema.enum.optional(['cookie', 'memory'] as const),
  CHASQUI_STORAGE_PATH: Env.schema.string.optional(),

  /* Database: external when DATABASE_URL is set, embedded otherwise */
  DATABASE_URL: Env.schema.string.optional(),
  DB_POOL_MAX: Env.schema.number.optional(),
  DB_PREPARED_STATEMENTS: Env.schema.boolean.optional(),
  EMBEDDED_PG_DIR: Env.schema.string.optional(),
  EMBEDDED_PG_PORT: Env.schema.number.optional(),
  EMBEDDED_PG_PASSWORD: Env.schema.string.optional(),
  EMBEDDED_PG_EPHEMERAL: Env.schema.boolean.optional(),
  CHASQUI_AUTO_MIGRATE: Env.schema.boolean.optional(),

  /* Redis: only for several instances (Transmit fan-out) */
  REDIS_URL: Env.schema.string.optional(),

  /* First administrator for unattended (Docker) installs */
  CHASQUI_ADMIN_EMAIL: Env.schema.string.optional(),
  CHASQUI_ADMIN_PASSWORD: Env.schema.string.optional(),
  CHASQUI_ADMIN_NAME: Env.schema.string.optional(),
})
