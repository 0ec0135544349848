/*
| JavaScript entrypoint for running ace commands. It registers the TypeScript
| JIT loader (ts-exec) and hands over to bin/console.ts.
*/
import '@poppinss/ts-exec'

await import('./bin/console.js')
