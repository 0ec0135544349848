import env from '#start/env'
import { defineConfig } from '@adonisjs/lucid'
import embedded from '#config/embedded_database'

const url = env.get('DATABASE_URL')

const dbConfig = defineConfig({
  connection: 'postgres',
  prettyPrintDebugQueries: false,
  connections: {
    postgres: {
      client: 'pg',
      connection: url
        ? { connectionString: url }
        : {
            host: '127.0.0.1',
            port: embedded.port,
            user: embedded.user,
            password: embedded.password,
            database: embedded.database,
          },
      pool: { min: 0, max: env.get('DB_POOL_MAX', 10) },
      migrations: {
        naturalSort: true,
        paths: ['database/migrations'],
      },
      seeders: { paths: ['database/seeders'] },
    },
  },
})

export default dbConfig
