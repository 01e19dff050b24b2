#!/usr/bin/env node
'use strict'
// Thin launcher: the CLI is bundled to out/cli/hsc.cjs by `npm run build` and runs with the
// code cache of bin/code-cache.cjs. CommonJS on purpose: an ES module entry makes Node load its
// ESM loader first, ~10 % of a bare `node` start.
const { existsSync } = require('node:fs')
const path = require('node:path')
const { runBundle } = require('./code-cache.cjs')

const entry = path.join(__dirname, '..', 'out', 'cli', 'hsc.cjs')
if (!existsSync(entry)) {
  process.stderr.write('hsc: not built yet: run `npm run build` in the project directory first\n')
  process.exit(1)
}
runBundle(entry)
