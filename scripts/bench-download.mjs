#!/usr/bin/env node
// Downloading a 2 GiB image from a loopback nginx: our runDownload (default transport + resume logic +
// on-the-fly SHA-256 + write, src/main/services/spins/download.ts bundled with esbuild) against
// `curl -o`, alternating, in the same run. Each side is one process measured with
// /usr/bin/time (wall time and peak RSS). Prints the ratio ours/curl, median and spread of the
// pair-by-pair ratios (issue 15 goal <= 1.05), and our
// peak RSS (target < 150 MB). The 2 GiB files are deleted afterwards.
//
//   HSC_BENCH_SIZE=bytes (default 2 GiB)  HSC_BENCH_DIR=dir (default: os tmpdir)  HSC_BENCH_ROUNDS=n (default 3)
//   HSC_BENCH_NO_PREALLOC=1  measure without reserving the file's blocks first (fallocate)
//   HSC_BENCH_TRANSPORT=fetch|http  transfer with Node's fetch (undici) or http module instead of the
//     default socket transport (socket-transport.ts: one reused receive buffer)
import { execFileSync, spawnSync } from 'node:child_process'
import { median, writeRandomFile } from './lib/bench.mjs'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const size = Number(process.env.HSC_BENCH_SIZE ?? 2 * 1024 ** 3)
const rounds = Number(process.env.HSC_BENCH_ROUNDS ?? 3)
const noPrealloc = process.env.HSC_BENCH_NO_PREALLOC === '1'
const transport = process.env.HSC_BENCH_TRANSPORT ?? 'socket'
if (!['socket', 'fetch', 'http'].includes(transport)) throw new Error(`HSC_BENCH_TRANSPORT: socket, fetch or http, not ${transport}`)
const work = mkdtempSync(path.join(process.env.HSC_BENCH_DIR ?? os.tmpdir(), 'hsc-bench-dl-'))
chmodSync(work, 0o755)
let stopNginx = async () => {}
const cleanup = () => rmSync(work, { recursive: true, force: true })
process.on('exit', cleanup)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stopNginx().finally(() => process.exit(130)))

if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed (apt-get install time)')

// The downloader as one process: same code path as the app (runDownload with its default transport).
const entry = path.join(work, 'entry.ts')
writeFileSync(
  entry,
  `import { runDownload } from ${JSON.stringify(path.join(root, 'src/main/services/spins/download.ts'))}
import { fetchTransport, nodeHttpGet } from ${JSON.stringify(path.join(root, 'src/main/services/spins/transport.ts'))}
const [url, dest, noPrealloc, transport] = process.argv.slice(2)
const get = transport === 'http' ? nodeHttpGet : transport === 'fetch' ? fetchTransport(fetch) : undefined
const t = performance.now()
const out = await runDownload({ urls: [url], dest }, { ...(get ? { get } : {}), ...(noPrealloc === '1' ? { preallocate: async () => {} } : {}) })
process.stdout.write(JSON.stringify({ ...out, ms: performance.now() - t }))
`
)
const nginxEntry = path.join(work, 'nginx-entry.ts')
writeFileSync(nginxEntry, `export { startNginx } from ${JSON.stringify(path.join(root, 'test/support/nginx.ts'))}\n`)
await build({
  entryPoints: { download: entry, nginx: nginxEntry },
  outdir: work,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning'
})
const { startNginx } = await import(path.join(work, 'nginx.mjs'))

const served = path.join(work, 'www')
mkdirSync(served)
chmodSync(served, 0o755)
const file = path.join(served, 'image.iso')
process.stdout.write(`writing ${(size / 1024 ** 3).toFixed(2)} GiB of random data ...\n`)
writeRandomFile(file, size)
chmodSync(file, 0o644)
const reference = execFileSync('openssl', ['dgst', '-sha256', '-r', file], { encoding: 'utf8' }).split(/\s+/)[0]

const nginx = await startNginx({ root: served })
stopNginx = () => nginx.stop()
const url = `${nginx.url}/image.iso`
const outDir = path.join(work, 'out')
mkdirSync(outDir)

/** Runs argv under /usr/bin/time; returns wall seconds, peak RSS (KiB), CPU seconds (user + system) and stdout. */
function timed(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '\n%e %M %U %S', ...argv], { encoding: 'utf8', maxBuffer: 1 << 20 })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`)
  const [wall, rss, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number)
  return { s: wall, rssKiB: rss, cpu: user + sys, stdout: r.stdout }
}

/** Dirty pages from the previous run must not slow down the next one. */
function settle() {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir)
  execFileSync('sync')
}

// Warm nginx's page cache once.
execFileSync('curl', ['-s', '-o', '/dev/null', url])
const curlTimes = []
const ourTimes = []
const ratios = []
// The standard tools doing all of ours' work (download, SHA-256, write): the yardstick for
// what the hash costs on this machine, next to curl -o, which does not hash.
const pipeTimes = []
const pipeRatios = []
// One SHA-256 pass over the same bytes (the served file, in the page cache): curl -o followed
// by it is what a download costs when its hash cannot overlap the transfer at all.
const shaTimes = []
// The client's own CPU (nginx's is not counted): ours receives, copies to the hashing thread,
// hashes and writes; curl receives and writes.
const curlCpu = []
const ourCpu = []
let ourRss = 0
let curlRss = 0
try {
  for (let i = 0; i < rounds; i++) {
    settle()
    const c = timed(['curl', '-s', '-f', '-o', path.join(outDir, 'curl.iso'), url])
    curlTimes.push(c.s)
    curlCpu.push(c.cpu)
    curlRss = Math.max(curlRss, c.rssKiB)
    settle()
    const o = timed([process.execPath, path.join(work, 'download.mjs'), url, path.join(outDir, 'ours.iso'), noPrealloc ? '1' : '0', transport])
    const out = JSON.parse(o.stdout)
    if (out.hash !== reference) throw new Error(`hash differs: ${out.hash} vs ${reference}`)
    ourTimes.push(o.s)
    ourCpu.push(o.cpu)
    ratios.push(o.s / c.s)
    ourRss = Math.max(ourRss, o.rssKiB)
    settle()
    const p = timed(['sh', '-c', 'curl -s -f "$1" | tee "$2" | openssl dgst -sha256 -r', 'sh', url, path.join(outDir, 'pipe.iso')])
    if (p.stdout.split(/\s+/)[0] !== reference) throw new Error(`the curl | openssl pipeline's hash differs: ${p.stdout}`)
    pipeTimes.push(p.s)
    shaTimes.push(timed(['openssl', 'dgst', '-sha256', file]).s)
    pipeRatios.push(o.s / p.s)
    process.stdout.write(
      `round ${i + 1}: curl -o ${c.s.toFixed(2)} s, ours ${o.s.toFixed(2)} s (download + SHA-256 ${(out.ms / 1000).toFixed(2)} s), curl | tee | openssl ${p.s.toFixed(2)} s\n`
    )
  }
} finally {
  settle()
  await nginx.stop()
}
const ratio = median(ratios)
const mib = size / 1024 ** 2
console.log(
  `\nDownload of ${(size / 1024 ** 3).toFixed(2)} GiB from loopback nginx via ${{ socket: 'the socket transport', fetch: 'fetch (undici)', http: 'node:http' }[transport]}${noPrealloc ? ', preallocation off' : ''}; hash checked against openssl: ${reference}`
)
console.log(
  `  curl -o : ${median(curlTimes).toFixed(2)} s  (${(mib / median(curlTimes)).toFixed(0)} MiB/s)  median of ${rounds}, peak RSS ${(curlRss / 1024).toFixed(0)} MiB`
)
console.log(
  `  ours    : ${median(ourTimes).toFixed(2)} s  (${(mib / median(ourTimes)).toFixed(0)} MiB/s)  median of ${rounds}, whole process incl. Node start-up and SHA-256`
)
console.log(
  `  ratio ours/curl: ${ratio.toFixed(3)} (${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)} over ${rounds} alternating pairs; goal <= 1.05: ${ratio <= 1.05 ? 'met' : 'NOT met'})`
)
console.log(
  `  ratio ours/(curl | tee FILE | openssl dgst -sha256): ${median(pipeRatios).toFixed(3)} (${Math.min(...pipeRatios).toFixed(3)}-${Math.max(...pipeRatios).toFixed(3)}); that pipeline ${median(pipeTimes).toFixed(2)} s`
)
console.log(
  `  curl -o, then one SHA-256 pass (openssl dgst -sha256, ${median(shaTimes).toFixed(2)} s): ${(median(curlTimes) + median(shaTimes)).toFixed(2)} s; ours ${(median(ourTimes) / (median(curlTimes) + median(shaTimes))).toFixed(3)}x that (below 1: part of the hash overlaps the transfer)`
)
console.log(
  `  client CPU (user + system): curl -o ${median(curlCpu).toFixed(2)} s, ours ${median(ourCpu).toFixed(2)} s (the SHA-256 alone is ${median(shaTimes).toFixed(2)} s)`
)
console.log(`  our peak RSS: ${(ourRss / 1024).toFixed(0)} MiB (target < 150 MB: ${ourRss * 1024 < 150e6 ? 'met' : 'NOT met'})`)
