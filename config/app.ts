import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { Secret } from '@adonisjs/core/helpers'
import { defineConfig } from '@adonisjs/core/http'

export const appKey = new Secret(env.get('APP_KEY').release())

export const http = defineConfig({
  generateRequestId: true,
  allowMethodSpoofing: true,
  useAsyncLocalStorage: false,
  trustProxy: () => true,
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    // Secure cookies only when served over https; a LAN install on plain http must still log in.
    secure: (env.get('APP_URL') ?? '').startsWith('https://'),
    sameSite: 'lax',
  },
})

export const appUrl = env.get('APP_URL') ?? `http://localhost:${env.get('PORT', 3333)}`
export const inProduction = app.inProduction
