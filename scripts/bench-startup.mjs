#!/usr/bin/env node
// Cold start of real `hsc` commands against bare Node (`node -e 0`), in alternating pairs in
// the same run, plus `repos list --root` over a tree of 303 .repo files against one batched
// `rpm -qf` for all of them. Prints medians, spreads (min-max) and the median and spread of the
// pair-by-pair ratios (a drift in the machine's speed hits both sides of a pair); asserts nothing.
// Goals (issue 15): inspect <= 1.6x node -e 0; repos list, oomd status <= 1.8x;
// repos list --root with 303 files <= 1.5x node -e 0 + one rpm call.
// Usage: node scripts/bench-startup.mjs [pairs]   (after npm run build)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { extraCaNote, hscEntry, nodeEnvOfHsc, pairedRatio } from './lib/bench.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const HSC = hscEntry(ROOT)
if (!existsSync(path.join(ROOT, 'out/cli/hsc.cjs'))) {
  console.error('bench:startup: run `npm run build` first')
  process.exit(1)
}
// 41 by default: on a shared 2-core machine a row's ratio moves by ~0.1 over 15 pairs.
const PAIRS = Math.max(5, Number(process.argv[2]) || 41)

// The runs keep their code caches and kept answers in folders of this bench's own: what they
// measure is a user's later runs of each command (see paired), whatever earlier runs (a test
// suite, an older build) left in this machine's own folders.
const folders = mkdtempSync(path.join(os.tmpdir(), 'hsc-bench-startup-'))
process.on('exit', () => rmSync(folders, { recursive: true, force: true }))
const ENV = { ...nodeEnvOfHsc(), NO_COLOR: '1', HSC_CACHE_DIR: path.join(folders, 'cache'), HSC_STATE_DIR: path.join(folders, 'state') }

// Every process starts with the environment hsc's own Node gets (see nodeEnvOfHsc).
function timed(argv) {
  const t = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: ENV })
  if (r.error) throw r.error
  return Number(process.hrtime.bigint() - t) / 1e6
}

const spread = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`

/**
 * Alternates reference and subject PAIRS times (lib/bench.mjs pairedRatio, which runs each once
 * first). The subject runs once more before that: its first run keeps a first run's code cache
 * and the second replaces it for good (bin/hsc.cjs), so the pairs time what a user's later runs do.
 */
const paired = (reference, subject) => {
  timed(subject)
  return pairedRatio(
    () => timed(reference),
    () => timed(subject),
    PAIRS
  )
}

const node0 = [process.execPath, '-e', '0']
const rows = []
function report(label, goal, { ref, sub, refs, subs, ratio, min, max }, refLabel = 'node -e 0') {
  rows.push(label)
  console.log(
    `${label.padEnd(34)} ${sub.toFixed(0).padStart(5)} ms (${spread(subs)})  ${refLabel} ${ref.toFixed(0)} ms (${spread(refs)})  ratio ${ratio.toFixed(2)} (${min.toFixed(2)}-${max.toFixed(2)})  goal <= ${goal}: ${ratio <= goal ? 'met' : 'NOT met'}`
  )
}

console.log(`cold starts of bin/hsc, ${PAIRS} alternating pairs each, medians (min-max)`)
console.log(`${extraCaNote() ?? ''}\n`)
report('hsc inspect --json', 1.6, paired(node0, [HSC, 'inspect', '--json']))
report('hsc repos list --json', 1.8, paired(node0, [HSC, 'repos', 'list', '--json']))
report('hsc oomd status --json', 1.8, paired(node0, [HSC, 'oomd', 'status', '--json']))

// A root with 303 .repo files: our whole command against node -e 0 plus one rpm -qf for all.
const tree = mkdtempSync(path.join(os.tmpdir(), 'hsc-bench-repos-'))
try {
  const dir = path.join(tree, 'etc/yum.repos.d')
  mkdirSync(dir, { recursive: true })
  const files = []
  for (let i = 0; i < 303; i++) {
    const f = path.join(dir, `bench-${i}.repo`)
    writeFileSync(f, `[bench-${i}]\nname=Bench ${i}\nbaseurl=https://example.invalid/${i}/\nenabled=${i % 2}\ngpgcheck=1\n`)
    files.push(f)
  }
  const rpmOnce = ['sh', '-c', `"$0" -e 0 && rpm -qf --queryformat '%{NAME}\\n' -- "$@" >/dev/null 2>&1; true`, process.execPath, ...files]
  report('hsc repos list --root (303 files)', 1.5, paired(rpmOnce, [HSC, 'repos', 'list', '--json', '--root', tree]), 'node -e 0 + one rpm -qf')
} finally {
  rmSync(tree, { recursive: true, force: true })
}
