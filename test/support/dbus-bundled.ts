// dbus-next as the CLI bundles it (scripts/lib/dbus-decode-faster.mjs edits it on the way), for
// tests that compare it with dbus-next as published.
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { dbusDecodeFaster } from '../../scripts/lib/dbus-decode-faster.mjs'
import { PROJECT_ROOT } from './paths'

/**
 * Bundles `exportsSource` (CommonJS that requires dbus-next's modules, or the project's by
 * absolute path) with the build's dbus-next edits and loads it.
 */
export async function requireBundled<T>(exportsSource: string): Promise<T> {
  const out = await build({
    stdin: { contents: exportsSource, resolveDir: PROJECT_ROOT },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    plugins: [dbusDecodeFaster],
    logLevel: 'silent'
  })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-dbus-bundled-'))
  try {
    const file = path.join(dir, 'bundled.cjs')
    writeFileSync(file, out.outputFiles[0].text)
    return createRequire(file)(file) as T
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
