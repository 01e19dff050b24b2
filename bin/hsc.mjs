#!/usr/bin/env node
// Thin launcher: the CLI is bundled to out/cli by `npm run build`.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../out/cli/hsc.mjs', import.meta.url))
if (!existsSync(entry)) {
  process.stderr.write('hsc: not built yet: run `npm run build` in the project directory first\n')
  process.exit(1)
}
await import(entry)
