#!/usr/bin/env node
'use strict'
// Thin launcher: the CLI is bundled to out/cli/hsc.cjs by `npm run build` and runs with the
// code cache of bin/code-cache.cjs. CommonJS on purpose: an ES module entry makes Node load its
// ESM loader first, ~10 % of a bare `node` start.
// bin/hsc started Node without NODE_EXTRA_CA_CERTS (see there): programs hsc starts get it
// back, and hsc's own TLS connections find the file under this key (system/extra-ca.ts).
const deferredCa = process.env.HSC_DEFERRED_EXTRA_CA_CERTS
if (deferredCa !== undefined) {
  delete process.env.HSC_DEFERRED_EXTRA_CA_CERTS
  process.env.NODE_EXTRA_CA_CERTS = deferredCa
  globalThis[Symbol.for('hsc.deferredExtraCaCerts')] = deferredCa
}
const { existsSync } = require('node:fs')
const path = require('node:path')
const { runBundle } = require('./code-cache.cjs')

const entry = path.join(__dirname, '..', 'out', 'cli', 'hsc.cjs')
if (!existsSync(entry)) {
  process.stderr.write('hsc: not built yet: run `npm run build` in the project directory first\n')
  process.exit(1)
}
runBundle(entry)
