/*
| Edge 6 caches compiled templates but never compiled partials: `@include`
| calls `template.compilePartial(path, ...locals)`, whose rest parameter is
| always an array, and the compiler skips its cache whenever it gets one.
| Every full page therefore read, tokenized and parsed (acorn) the header,
| bell, counters and flash partials from disk on every request — the largest
| share of the shared layout's CPU. A compiled partial depends only on its
| file and the names of the parent's local variables, so it is kept per
| compiler under that key, and only while the compiler caches (production;
| development still recompiles to pick up edits).
*/
import edge from 'edge.js'

type Compile = (templatePath: string, localVariables?: string[]) => unknown
interface CachingCompiler {
  compile: Compile
  cacheManager: { enabled: boolean }
}

const compilerPrototype = Object.getPrototypeOf(edge.asyncCompiler) as CachingCompiler
const compileUncached = compilerPrototype.compile
const partials = new WeakMap<CachingCompiler, Map<string, unknown>>()

compilerPrototype.compile = function (this: CachingCompiler, templatePath, localVariables) {
  if (!localVariables || !this.cacheManager.enabled) {
    return compileUncached.call(this, templatePath, localVariables)
  }
  let compiled = partials.get(this)
  if (!compiled) partials.set(this, (compiled = new Map()))
  const key = `${templatePath}\u0000${localVariables.join(',')}`
  if (!compiled.has(key))
    compiled.set(key, compileUncached.call(this, templatePath, localVariables))
  return compiled.get(key)
}
