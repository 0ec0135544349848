import { ListLoader } from '@adonisjs/core/ace'

/*
| The ace loader of installed plugins' commands (listed in adonisrc.ts
| `commands`). Ace reads command metadata before the app boots, so this
| imports config/plugins.ts itself and imports each definition's `commands`;
| it never loads or runs plugins.
*/
let loader: Promise<ListLoader<any>> | undefined

function load() {
  loader ??= (async () => {
    // Not app.config: ace asks before the app service exists.
    const { default: config } = await import('#config/plugins')
    const definitions = await Promise.all(config.plugins.map(async (i) => (await i()).default))
    const imports = definitions.flatMap((definition) => definition.commands ?? [])
    const commands = await Promise.all(imports.map(async (i) => (await i()).default))
    return new ListLoader(commands)
  })()
  return loader
}

export async function getMetaData() {
  return (await load()).getMetaData()
}

export async function getCommand(metaData: { commandName: string }) {
  return (await load()).getCommand(metaData as any)
}
