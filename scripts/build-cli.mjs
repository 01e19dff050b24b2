// Bundles the CLI (and the browser-mode server it hosts) into out/cli/hsc.cjs, with zod in
// out/cli/zod.cjs and a bundle of their own for the most used command groups
// (out/cli/hsc-GROUP.cjs), and the service process Electron starts into out/cli/backend.mjs.
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { build } from 'esbuild'
import { dbusDecodeFaster } from './lib/dbus-decode-faster.mjs'

// zod's barrel re-exports all ~45 locales (half of its 760 KB) as `z.locales`; nothing here
// switches locale (English is registered by the schemas themselves), and parsing them cost
// every command ~20 ms at start-up. Only English stays.
const englishOnlyZod = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-english-only' } : undefined
    )
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js'",
      resolveDir: process.cwd()
    }))
  }
}

// dbus-next is bundled (one chunk instead of ~40 CommonJS files resolved and compiled one by
// one), but not its xml2js: the bus builds introspection XML only to answer Introspect calls
// for objects this process exports (hsc exports none: an empty node is the true answer) and
// parses it only for proxy objects (hsc sends plain messages). That keeps xml2js, xmlbuilder
// and sax (~900 KB) off every command that talks to systemd or UDisks2.
const dbusWithoutXml = {
  name: 'dbus-without-xml2js',
  setup(b) {
    b.onResolve({ filter: /^xml2js$/ }, () => ({ path: 'xml2js', namespace: 'dbus-without-xml2js' }))
    b.onLoad({ filter: /.*/, namespace: 'dbus-without-xml2js' }, () => ({
      loader: 'js',
      contents: `
        class Builder { buildObject() { return '<node/>' } }
        class Parser { parseString(_xml, cb) { cb(new Error('hsc does not introspect D-Bus objects')) } }
        module.exports = { Builder, Parser }`
    }))
  }
}

// import('node:zlib') and the like defer a built-in module to its first use. In the CommonJS
// bundle an import() would reach for vm.Script's dynamic-import callback, which Node 20 only
// has as an experiment: each becomes a tiny module that requires the built-in when first used.
const lazyBuiltins = {
  name: 'lazy-builtins-as-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'lazy-builtin' } : undefined))
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ loader: 'js', contents: `module.exports = require(${JSON.stringify(args.path)})` }))
  }
}

// `import path from 'node:path'` in a CommonJS bundle becomes, in every module that says it,
// esbuild's __toESM(require('node:path')): a new object with a getter for each of the module's
// exports. The inspect bundle made 21 of them at start-up (~100 KB, ~400 property
// definitions, #15). These built-ins come instead from one ES module of the bundle's own that
// exports Node's module as its default and its members by name.
const SHARED_BUILTINS = ['node:path', 'node:os']
const sharedBuiltins = {
  name: 'shared-builtin-imports',
  setup(b) {
    b.onResolve({ filter: /^node:(path|os)$/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'shared-builtin' } : undefined))
    b.onLoad({ filter: /.*/, namespace: 'shared-builtin' }, async (args) => {
      if (!SHARED_BUILTINS.includes(args.path)) throw new Error(`${args.path} is not one of the shared built-ins`)
      // Plain values and functions only (no getters that would load more on first read).
      const mod = await import(args.path)
      const names = Object.keys(mod.default).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !Object.getOwnPropertyDescriptor(mod.default, n).get)
      return { loader: 'js', contents: `const m = require(${JSON.stringify(args.path)}); export default m; export const { ${names.join(', ')} } = m` }
    })
  }
}

// openpgp is a third of the CLI's code, yet only signature checks use it. The bundle requires
// the installed package's own minified CommonJS build on first use (it ships as a runtime
// dependency anyway), so every other command neither reads nor deserialises its code (#15).
const openpgpOutside = {
  name: 'openpgp-outside-the-bundle',
  setup(b) {
    b.onResolve({ filter: /^openpgp$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: 'openpgp', namespace: 'openpgp-outside' } : { path: 'openpgp', external: true }
    )
    b.onLoad({ filter: /.*/, namespace: 'openpgp-outside' }, () => ({ loader: 'js', contents: "module.exports = require('openpgp')" }))
  }
}

// zod is a third of the CLI's code, and esbuild builds its namespace objects (1,054 getters)
// when the bundle's top level runs, even for a command that never validates anything: ~2 ms of
// every start (#15). The CLI requires it as its own file, out/cli/zod.cjs, which
// bin/hsc.cjs compiles with a code cache like the bundle, on the first schema's use.
const zodAsOwnFile = {
  name: 'zod-as-own-file',
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, () => ({ path: './zod.cjs', external: true }))
  }
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Native addons and Electron-only modules stay outside the bundle.
  // event-stream: dbus-next's unixexec: transport only, which hsc never uses.
  external: ['electron', 'electron-store', 'node-pty', 'usocket', 'x11', 'event-stream', 'bufferutil', 'utf-8-validate'],
  plugins: [englishOnlyZod, dbusWithoutXml, dbusDecodeFaster],
  // Minified: a command compiles every byte it runs that no code cache holds (#15). The linked
  // source maps still name the sources.
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning'
}

// Chunks of an earlier build would stay next to the new ones and look current.
rmSync('out/cli', { recursive: true, force: true })

// The CLI is one CommonJS file, so bin/hsc.cjs can run it through vm.Script with V8's code
// cache (bin/hsc.cjs): Node 20 keeps no compiled code for ES modules, and compiling
// the ~25 chunks of a split ESM build was most of a cold command's own time. Modules reached
// through import() stay lazy: esbuild wraps them and runs their top level on first use.
const cliBundle = (name, plugins = []) => ({
  ...common,
  entryPoints: { [name]: 'src/cli/index.ts' },
  outdir: 'out/cli',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  plugins: [...plugins, ...common.plugins, zodAsOwnFile, lazyBuiltins, sharedBuiltins, openpgpOutside],
  // Paths next to the bundle (the renderer, libexec, resources) are found from its own URL,
  // made when first asked: most commands never ask, and making it cost each ~0.4 ms (#15).
  define: { 'import.meta.url': '__hscBundle.url' },
  banner: { js: "var __hscBundle = { get url() { return require('node:url').pathToFileURL(__filename).href } };" }
})
const noImportCalls = (file) => {
  if (/[^\w$.]import\(/.test(readFileSync(file, 'latin1')))
    throw new Error(`${file} still calls import(): vm.Script has no loader for it. Import that module statically, or through the lazyBuiltins route.`)
}
await build(cliBundle('hsc'))
noImportCalls('out/cli/hsc.cjs')

// The read commands run most often (#15) each have a bundle of their own, out/cli/hsc-WORD.cjs,
// which bin/hsc.cjs runs for that first word: the CLI with only that command group, and only
// the capabilities (services and schemas) its commands call. A command costs about the size of
// the code V8 deserialises and the bundle's top level, both in proportion to the bundle:
// measured, `oomd status` 0.92x and `repos list` under a root 0.95x the full bundle's time.
// The capabilities are the literal `call('capability.method'` of the group's command module,
// the only way commands reach a service; any other import() of those three modules' loader
// tables gets a module that fails with a sentence, never a silently missing service.
const LEAN_GROUPS = ['inspect', 'repos', 'oomd']
const CONTEXT_FACTORY = path.resolve('src/main/services/create-context.ts')
// Capabilities a group's bundle leaves out though its command module calls them: each serves
// one rare path, which bin/hsc.cjs sends to the full CLI instead (its FULL_CLI_ARGS).
// `inspect --format prometheus` needs a machine's whole fact (fleet: the report, repositories,
// systemd-oomd); carrying that code cost every `hsc inspect` 1.2 % of its instructions (#15).
const LEFT_OUT = { inspect: ['fleet'] }
{
  const { FULL_CLI_ARGS } = createRequire(import.meta.url)('../bin/hsc.cjs')
  for (const group of Object.keys(LEFT_OUT))
    if (!FULL_CLI_ARGS.has(group))
      throw new Error(`hsc-${group}.cjs leaves out ${LEFT_OUT[group].join(', ')}, but bin/hsc.cjs (FULL_CLI_ARGS) never sends ${group} to the full CLI`)
}
/** The modules whose import() tables list the command groups, services and schemas, by their resolved path. */
const LOADER_TABLES = {
  [path.resolve('src/cli/commands/index.ts')]: 'commands',
  [path.resolve('src/main/services/index.ts')]: 'services',
  [path.resolve('src/shared/contract/capabilities.ts')]: 'schemas'
}
// The scan holds only while commands call services from their own module: no other CLI file
// may call one, and a group with a bundle of its own imports no other group's module.
for (const f of readdirSync('src/cli', { recursive: true }).filter((f) => f.endsWith('.ts') && !f.startsWith('commands/') && f !== 'context.ts'))
  if (/\bcall\(\s*'[a-z]+\./.test(readFileSync(path.join('src/cli', f), 'utf8')))
    throw new Error(`src/cli/${f} calls a service: only command modules may (the group bundles find their services there)`)
function onlyThisGroup(group) {
  const source = readFileSync(`src/cli/commands/${group}.ts`, 'utf8')
  if (/from '\.\/[a-z-]+'/.test(source)) throw new Error(`src/cli/commands/${group}.ts imports another command group: its own bundle needs it to stand alone`)
  const calls = new Set([...source.matchAll(/\bcall\(\s*'([a-z]+)\./g)].map((m) => m[1]))
  if (!calls.size) throw new Error(`src/cli/commands/${group}.ts calls no capability: is it still a command group?`)
  return {
    name: `only-${group}`,
    setup(b) {
      b.onResolve({ filter: /^\.\/[a-z-]+(\/handlers)?$/ }, (args) => {
        const table = args.kind === 'dynamic-import' ? LOADER_TABLES[args.importer] : undefined
        if (!table) return undefined
        const name = args.path.slice(2).split('/')[0]
        const wanted = table === 'commands' ? name === group : calls.has(name) && !(LEFT_OUT[group] ?? []).includes(name)
        return wanted ? undefined : { path: `${table}/${name}`, namespace: 'not-in-this-bundle' }
      })
      // The terminal panel (a pty session per privileged plan) serves the app and browser mode,
      // which run the full bundle; a command line runs plans in the user's own terminal.
      b.onResolve({ filter: /^\.\/terminal$/ }, (args) =>
        args.kind === 'dynamic-import' && args.importer === CONTEXT_FACTORY ? { path: 'panel/terminal', namespace: 'not-in-this-bundle' } : undefined
      )
      b.onLoad({ filter: /.*/, namespace: 'not-in-this-bundle' }, (args) => ({
        loader: 'js',
        contents: `throw new Error(${JSON.stringify(`out/cli/hsc-${group}.cjs has no ${args.path.replace('/', ' ')}: it is the ${group} commands' own bundle, and bin/hsc.cjs runs the full one (out/cli/hsc.cjs) for anything else`)})`
      }))
    }
  }
}
for (const group of LEAN_GROUPS) {
  await build(cliBundle(`hsc-${group}`, [onlyThisGroup(group)]))
  noImportCalls(`out/cli/hsc-${group}.cjs`)
}

await build({
  ...common,
  stdin: { contents: "export * from 'zod'; export { z, default } from 'zod'", resolveDir: process.cwd(), sourcefile: 'zod-own-file.js' },
  outfile: 'out/cli/zod.cjs',
  format: 'cjs'
})

// backend: the service process Electron's main starts, long-lived, so split ESM is fine.
await build({
  ...common,
  entryPoints: { backend: 'src/backend/index.ts' },
  outdir: 'out/cli',
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  // The bundled CommonJS code (dbus-next) calls require() for Node's own modules.
  banner: {
    js: "import { createRequire as __hscCreateRequire } from 'node:module'; let __hscRequire; function require(id) { return (__hscRequire ??= __hscCreateRequire(import.meta.url))(id) }"
  }
})

// The root helper is one self-contained file: pkexec runs it as root, so it loads nothing
// from a chunk another bundle could change under it.
await build({
  entryPoints: { 'hsc-root-helper': 'src/root-helper/main.ts' },
  outdir: 'out/root-helper',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  plugins: [englishOnlyZod],
  logLevel: 'warning'
})
