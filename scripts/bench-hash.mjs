#!/usr/bin/env node
// SHA-256 of a 2 GiB file: our hashFile (src/main/services/spins/hash.ts, bundled with
// esbuild and run as its own process) against `openssl dgst -sha256` (SHA-NI on one core:
// the limit) and coreutils `sha256sum`, alternating, in the same run and on the same
// page-cache-warm file. Prints times, the ratios (goal: ours/openssl <= 1.05) and our peak
// RSS; `ours + fp` is hashFile with a digest store, as `hsc verify` runs it (the image's
// read-back fingerprint is then taken by the pool threads that read). The 2 GiB file is deleted afterwards.
//
//   HSC_BENCH_SIZE=bytes  (default 2 GiB)   HSC_BENCH_DIR=dir (default: os tmpdir)   HSC_BENCH_ROUNDS=n (default 3)
import { execFileSync, spawnSync } from 'node:child_process'
import { median, writeRandomFile } from './lib/bench.mjs'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const size = Number(process.env.HSC_BENCH_SIZE ?? 2 * 1024 ** 3)
const rounds = Number(process.env.HSC_BENCH_ROUNDS ?? 3)
const work = mkdtempSync(path.join(process.env.HSC_BENCH_DIR ?? os.tmpdir(), 'hsc-bench-hash-'))
const cleanup = () => rmSync(work, { recursive: true, force: true })
process.on('exit', cleanup)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

// The code under test, bundled to one file.
const entry = path.join(work, 'entry.ts')
writeFileSync(
  entry,
  `import { hashFile } from ${JSON.stringify(path.join(root, 'src/main/services/spins/hash.ts'))}
import { imageDigests } from ${JSON.stringify(path.join(root, 'src/main/services/system/image-digests.ts'))}
// 'keep': as hsc verify, with a digest store, so the image's read-back fingerprint is taken by the same reads.
const digests = process.argv[3] === 'keep' ? imageDigests(process.argv[4]) : undefined
const t = performance.now()
const hash = await hashFile(process.argv[2], 'sha256', { digests })
process.stdout.write(JSON.stringify({ hash, ms: performance.now() - t, maxRssKiB: process.resourceUsage().maxRSS }))
`
)
// Inside the project, so the drive-io addon (usocket, left external) resolves as it does for the app.
const outDir = path.join(root, 'node_modules/.cache/hsc-bench-hash')
mkdirSync(outDir, { recursive: true })
const bundle = path.join(outDir, `hash-${process.pid}.mjs`)
process.on('exit', () => rmSync(bundle, { force: true }))
await build({
  entryPoints: [entry],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['usocket'],
  banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  logLevel: 'warning'
})

// Random data, written in 64 MiB blocks.
const file = path.join(work, 'image.iso')
process.stdout.write(`writing ${(size / 1024 ** 3).toFixed(2)} GiB of random data to ${file} ...\n`)
writeRandomFile(file, size)
// Warm the page cache so neither side pays for the first read.
execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] })

function timed(argv) {
  const t = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 20 })
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`)
  return { ms, stdout: r.stdout }
}

const ours = []
const kept = []
const theirs = []
const ossl = []
let ourHash
let theirHash
let osslHash
let rss = 0
for (let i = 0; i < rounds; i++) {
  const o = timed(['openssl', 'dgst', '-sha256', '-r', file])
  ossl.push(o.ms)
  osslHash = o.stdout.split(/\s+/)[0]
  const a = timed(['sha256sum', file])
  theirs.push(a.ms)
  theirHash = a.stdout.split(/\s+/)[0]
  const b = timed([process.execPath, bundle, file])
  ours.push(b.ms)
  const out = JSON.parse(b.stdout)
  ourHash = out.hash
  rss = Math.max(rss, out.maxRssKiB)
  const k = timed([process.execPath, bundle, file, 'keep', path.join(work, 'state', 'image-digests.json')])
  kept.push(k.ms)
  if (JSON.parse(k.stdout).hash !== ourHash) throw new Error('the hash with a digest store differs')
  process.stdout.write(
    `round ${i + 1}: openssl ${(o.ms / 1000).toFixed(3)} s, sha256sum ${(a.ms / 1000).toFixed(3)} s, ours ${(b.ms / 1000).toFixed(3)} s (hashing alone ${(out.ms / 1000).toFixed(3)} s), with the fingerprint ${(k.ms / 1000).toFixed(3)} s\n`
  )
}
if (ourHash !== theirHash || ourHash !== osslHash) {
  console.error(`HASH DIFFERS: ours ${ourHash}, sha256sum ${theirHash}, openssl ${osslHash}`)
  process.exit(1)
}
const mib = size / 1024 ** 2
const line = (label, xs) =>
  console.log(
    `  ${label.padEnd(10)}: ${(median(xs) / 1000).toFixed(3)} s  (${(mib / (median(xs) / 1000)).toFixed(0)} MiB/s)  ${(Math.min(...xs) / 1000).toFixed(3)}-${(Math.max(...xs) / 1000).toFixed(3)} s over ${rounds}`
  )
console.log(`\nSHA-256 of ${(size / 1024 ** 3).toFixed(2)} GiB (same hash: ${ourHash})`)
line('openssl', ossl)
line('sha256sum', theirs)
line('ours', ours)
line('ours + fp', kept)
const ratio = median(ours) / median(ossl)
console.log(`  ratio ours/openssl  : ${ratio.toFixed(3)} (goal <= 1.05: ${ratio <= 1.05 ? 'met' : 'NOT met'}), whole process incl. Node start-up`)
const keptRatio = median(kept) / median(ossl)
console.log(
  `  ratio ours/openssl with a digest store (hsc verify: the read-back fingerprint taken by the same reads): ${keptRatio.toFixed(3)} (goal <= 1.05: ${keptRatio <= 1.05 ? 'met' : 'NOT met'})`
)
console.log(`  ratio ours/sha256sum: ${(median(ours) / median(theirs)).toFixed(3)}`)
console.log(`  our peak RSS: ${(rss / 1024).toFixed(0)} MiB`)
