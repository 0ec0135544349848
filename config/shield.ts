import { defineConfig } from '@adonisjs/shield'
import { isMachineRequest } from '#middleware/people_only'

const shieldConfig = defineConfig({
  csp: { enabled: false, directives: {}, reportOnly: false },
  csrf: {
    enabled: true,
    // Provider webhooks skip shield (start/kernel.ts, forPeople); their signatures verify them. A
    // function, not a list: shield runs at the server level, before a route is matched.
    exceptRoutes: (ctx) => isMachineRequest(ctx.request),
    enableXsrfCookie: false,
    methods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  },
  xFrame: { enabled: true, action: 'DENY' },
  hsts: { enabled: false, maxAge: '180 days' },
  contentTypeSniffing: { enabled: true },
})

export default shieldConfig
