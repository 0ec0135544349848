import type { HttpContext } from '@adonisjs/core/http'
import app from '@adonisjs/core/services/app'

/**
 * Front-end files: our own (resources/js, resources/css) and libraries served
 * straight from node_modules (installs may be offline, so
 * never a CDN). Only the files listed here can be fetched.
 */
const FILES: Record<string, string> = {
  'htmx.min.js': 'node_modules/htmx.org/dist/htmx.min.js',
  'alpine.min.js': 'node_modules/alpinejs/dist/cdn.min.js',
  'transmit.js': 'node_modules/@adonisjs/transmit-client/build/index.js',
  'chart.umd.min.js': 'node_modules/chart.js/dist/chart.umd.min.js',
  'app.js': 'resources/js/app.js',
  'live.js': 'resources/js/live.js',
  'inbox.js': 'resources/js/inbox.js',
  'composer_tools.js': 'resources/js/composer_tools.js',
  'composer_tools.css': 'resources/css/composer_tools.css',
  'attachments.js': 'resources/js/attachments.js',
  'app.css': 'resources/css/app.css',
  'dashboard.js': 'resources/js/dashboard.js',
  'dashboard.css': 'resources/css/dashboard.css',
  'media.css': 'resources/css/media.css',
}

export default class VendorAssetsController {
  async show({ params, response }: HttpContext) {
    const file = FILES[params.file]
    if (!file) return response.notFound('')
    // Libraries change only with an upgrade of node_modules; our own files
    // must be revalidated so browsers pick up a new release at once.
    const ours = file.startsWith('resources/')
    response.header('Cache-Control', ours ? 'no-cache' : 'public, max-age=86400')
    response.type(file.endsWith('.css') ? '.css' : '.js')
    return response.download(app.makePath(file), true)
  }
}
