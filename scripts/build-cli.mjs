// Bundles the CLI (and the browser-mode server it hosts) into out/cli with code splitting,
// so `hsc inspect` loads only what inspect needs.
import { build } from 'esbuild'

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

await build({
  // backend: the service process Electron's main starts (it shares chunks with the CLI).
  entryPoints: { hsc: 'src/cli/index.ts', backend: 'src/backend/index.ts' },
  outdir: 'out/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  // Native addons and Electron-only modules stay outside the bundle.
  // event-stream: dbus-next's unixexec: transport only, which hsc never uses.
  external: ['electron', 'electron-store', 'node-pty', 'usocket', 'x11', 'event-stream', 'bufferutil', 'utf-8-validate'],
  // The bundled CommonJS code (dbus-next) calls require() for Node's own modules. Made on the
  // first call: most of a command's ~25 chunks never require anything, and creating a require
  // per chunk at load was ~2 ms of every cold start.
  banner: {
    js: "import { createRequire as __hscCreateRequire } from 'node:module'; let __hscRequire; function require(id) { return (__hscRequire ??= __hscCreateRequire(import.meta.url))(id) }"
  },

  plugins: [englishOnlyZod, dbusWithoutXml],
  // Minified: a cold command compiles every byte it loads (no code cache for ES modules in
  // Node 20), so fewer bytes start faster (#15). The linked source maps still name the sources.
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning'
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
