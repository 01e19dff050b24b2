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

const bundles = path.join(__dirname, '..', 'out', 'cli')
const full = path.join(bundles, 'hsc.cjs')
if (!existsSync(full)) {
  process.stderr.write('hsc: not built yet: run `npm run build` in the project directory first\n')
  process.exit(1)
}
// The most used command groups have a bundle of their own, with only their code (#15;
// scripts/build-cli.mjs): the first word that is not an option names the group, as in
// src/cli/main.ts. Anything else, or a build without that bundle, runs the full CLI.
const word = process.argv.slice(2).find((a) => !a.startsWith('-'))
const own = word !== undefined && /^[a-z]{1,20}$/.test(word) ? path.join(bundles, `hsc-${word}.cjs`) : undefined
runBundle(own && existsSync(own) ? own : full)
