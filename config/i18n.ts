import { existsSync, readdirSync } from 'node:fs'
import app from '@adonisjs/core/services/app'
import { defineConfig, formatters, loaders } from '@adonisjs/i18n'

/**
 * Installed plugins may ship their strings in `plugins/<key>/lang/<locale>/<key>.json`:
 * read like the core's, so a plugin's templates use `t('<key>.…')` without
 * touching resources/lang.
 */
function pluginLanguageFolders() {
  const root = app.makePath('plugins')
  if (!existsSync(root)) return []
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => app.makePath('plugins', entry.name, 'lang'))
    .filter((folder) => existsSync(folder))
}

/**
 * Spanish first: Chasqui's users are in Ecuador. English is selectable per user.
 */
const i18nConfig = defineConfig({
  defaultLocale: 'es',
  supportedLocales: ['es', 'en'],
  fallbackLocales: { en: 'es' },
  formatter: formatters.icu(),
  loaders: [
    loaders.fs({ location: app.languageFilesPath() }),
    ...pluginLanguageFolders().map((location) => loaders.fs({ location })),
  ],
})

export default i18nConfig
