// Helpers shared by the benchmarks (npm run bench:*).
import { randomFillSync } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]

/** A file of `size` random bytes, written in 64 MiB blocks (incompressible, like an ISO). */
export function writeRandomFile(file, size) {
  const fd = openSync(file, 'w')
  const block = Buffer.allocUnsafe(Math.min(size, 64 * 1024 * 1024))
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(block.length, size - done)
      randomFillSync(block, 0, n)
      writeSync(fd, block, 0, n)
      done += n
    }
  } finally {
    closeSync(fd)
  }
}

/**
 * Bundles project TypeScript (a list of `export … from './src/…'` lines) into one ESM file,
 * so a benchmark runs the same service code as the app without a build step.
 */
export async function bundleExports(root, exportLines, outfile, external = []) {
  const { build } = await import('esbuild')
  await build({
    stdin: { contents: exportLines.join('\n'), resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    external,
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    logLevel: 'warning'
  })
}
