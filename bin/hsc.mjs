#!/usr/bin/env node
// Thin launcher: the CLI is bundled to out/cli/hsc.cjs by `npm run build` and runs with the
// code cache of bin/code-cache.mjs.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runBundle } from './code-cache.mjs'

const entry = fileURLToPath(new URL('../out/cli/hsc.cjs', import.meta.url))
if (!existsSync(entry)) {
  process.stderr.write('hsc: not built yet: run `npm run build` in the project directory first\n')
  process.exit(1)
}
runBundle(entry)
