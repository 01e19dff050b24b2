// Source bundled by esbuild the way the build bundles the CLI (CommonJS for Node), written to a
// file of its own for as long as `use` needs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build, type Plugin } from 'esbuild'
import { PROJECT_ROOT } from './paths'

/**
 * Bundles `contents` (TypeScript or CommonJS that imports the project's modules by path from
 * its root, or packages) and hands `use` the file; the file is removed afterwards.
 */
export async function withBundledFile<T>(contents: string, use: (file: string) => T, opts: { plugins?: Plugin[]; loader?: 'ts' | 'js' } = {}): Promise<T> {
  const out = await build({
    stdin: { contents, resolveDir: PROJECT_ROOT, loader: opts.loader ?? 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    plugins: opts.plugins,
    logLevel: 'silent'
  })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-bundled-'))
  try {
    const file = path.join(dir, 'bundled.cjs')
    writeFileSync(file, out.outputFiles[0].text)
    return use(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
