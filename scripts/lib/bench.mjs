// Helpers shared by the benchmarks (npm run bench:*).
import { randomFillSync } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { closeSync, openSync, writeSync } from 'node:fs'
import path from 'node:path'

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]

/** hsc as users run it: bin/hsc, which starts Node on bin/hsc.cjs without NODE_EXTRA_CA_CERTS. */
export const hscEntry = (root) => path.join(root, 'bin/hsc')

/**
 * The environment bin/hsc gives Node, for a `node -e 0` reference that starts like hsc's own
 * Node: where NODE_EXTRA_CA_CERTS is set, Node spends ~40 ms building its trust store at start
 * (bin/hsc defers that; see there), and a reference paying it would flatter hsc.
 */
export function nodeEnvOfHsc(env = process.env) {
  const { NODE_EXTRA_CA_CERTS: _deferred, ...rest } = env
  return rest
}

/** A line saying what NODE_EXTRA_CA_CERTS costs a bare Node start here, when it is set. */
export function extraCaNote(times = 9) {
  if (!process.env.NODE_EXTRA_CA_CERTS) return undefined
  const start = (env) => median(Array.from({ length: times }, () => timeProcess([process.execPath, '-e', '0'], { env })))
  const without = start(nodeEnvOfHsc())
  const withIt = start(process.env)
  return `(NODE_EXTRA_CA_CERTS is set here: \`node -e 0\` takes ${withIt.toFixed(0)} ms with it, ${without.toFixed(0)} ms without. bin/hsc starts Node without it, so the node -e 0 reference runs without it too.)`
}

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

/** Wall time of one whole process (argv run directly), in ms; throws when it fails. */
export function timeProcess(argv, opts = {}) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], ...opts })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${argv.join(' ').slice(0, 200)} exited ${r.status}: ${String(r.stderr).slice(0, 400)}`)
  return ms
}

/**
 * Runs reference and subject alternately (R S R S ...), `pairs` times after one warm-up of
 * each, and summarises the subject/reference ratio pair by pair: median and spread (min-max),
 * so a drift in the machine's speed hits both sides of a pair alike.
 */
export function pairedRatio(runReference, runSubject, pairs) {
  runReference()
  runSubject()
  const ref = []
  const sub = []
  const ratios = []
  for (let i = 0; i < pairs; i++) {
    ref.push(runReference())
    sub.push(runSubject())
    ratios.push(sub.at(-1) / ref.at(-1))
  }
  return { ref: median(ref), sub: median(sub), ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), refs: ref, subs: sub }
}

/** One line: subject and reference medians, the median pair ratio with its spread, the goal. */
export function ratioLine(label, refLabel, r, goal) {
  const verdict = goal === undefined ? '' : `  goal <= ${goal}: ${r.ratio <= goal ? 'met' : 'NOT met'}`
  return `${label}: ${r.sub.toFixed(0)} ms vs ${refLabel} ${r.ref.toFixed(0)} ms  ratio ${r.ratio.toFixed(2)} (${r.min.toFixed(2)}-${r.max.toFixed(2)})${verdict}`
}
