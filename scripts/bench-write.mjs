#!/usr/bin/env node
// Benchmark of writing an image to a drive, against dd in the same run.
//  - a 1 GiB random image is written + synced to a loop device (set up through UDisks2, like a
//    USB stick) by the drives service (UDisks2 OpenDevice fd, O_DIRECT, first MiB last) and by
//    `dd bs=4M oflag=direct conv=fsync`; runs alternate, medians are compared.
//    Targets: write+sync <= 1.05x dd; write+verify <= 2.1x dd's write; peak RSS < 200 MB.
//  - each service run happens in a child process so its peak RSS (getrusage maxrss) is its own.
// Needs root and udisksd on the system bus (bash scripts/ci/start-services.sh).
// Usage: node scripts/bench-write.mjs [rounds] [sizeMiB]   (numbers only, no assertions)
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = Math.max(1, Number(process.argv[2]) || 3)
const SIZE_MIB = Math.max(64, Number(process.argv[3]) || 1024)

if (process.argv[2] === '--child') {
  // One job in this process: node bench-write.mjs --child BUNDLE IMAGE DEVICE MODE
  const [, , , bundle, image, device, mode] = process.argv
  const { DrivesService, createRootFs } = await import(bundle)
  // BENCH_TUNING='{"buffers":8,"writesInFlight":3}' tries other pipeline settings.
  const tuning = process.env.BENCH_TUNING ? JSON.parse(process.env.BENCH_TUNING) : undefined
  let writeAt
  const onProgress = (j) => {
    if (writeAt === undefined && j.targets[0].stage === 'write') writeAt = process.hrtime.bigint()
  }
  const s = new DrivesService({ fs: createRootFs('/'), env: { ...process.env, HSC_TEST_ALLOW_LOOP: '1' }, idleMs: 0, tuning, onProgress })
  const t0 = process.hrtime.bigint()
  const job = await s.write({
    image,
    targets: [{ device }],
    verify: mode === 'verify' || mode === 'verify-expected',
    // write-hash: no read-back, but the image's SHA-256 is taken while writing (checked against the expected one).
    expectedSha256: mode === 'verify-expected' || mode === 'write-hash' ? process.env.BENCH_SHA256 : undefined,
    allowUnverified: true,
    after: 'none'
  })
  const done = await s.wait(job.jobId)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  await s.close()
  const setupMs = writeAt === undefined ? 0 : Number(writeAt - t0) / 1e6
  process.stdout.write(JSON.stringify({ ms, setupMs, stage: done.stage, message: done.message, maxRssKB: process.resourceUsage().maxRSS }) + '\n')
  process.exit(0)
}

if (process.getuid?.() !== 0) {
  console.error('bench:write needs root (loop devices) and udisksd: run bash scripts/ci/start-services.sh as root first')
  process.exit(1)
}

const outDir = path.join(ROOT, 'node_modules/.cache/hsc-bench-write')
mkdirSync(outDir, { recursive: true })
const bundle = path.join(outDir, `drives-${process.pid}.mjs`)
await build({
  stdin: {
    contents: ["export { DrivesService } from './src/main/services/drives/service'", "export { createRootFs } from './src/main/services/system/rootfs'"].join('\n'),
    resolveDir: ROOT,
    loader: 'ts'
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: bundle,
  external: ['dbus-next', 'usocket'],
  banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  logLevel: 'warning'
})

const work = mkdtempSync('/var/tmp/hsc-bench-write-')
const image = path.join(work, 'image.bin')
const backing = path.join(work, 'target.img')
let loop = ''
const cleanup = () => {
  if (loop) spawnSync('udisksctl', ['loop-delete', '-b', loop, '--no-user-interaction'], { stdio: 'ignore' })
  rmSync(work, { recursive: true, force: true })
  rmSync(bundle, { force: true })
}
process.on('SIGINT', () => {
  cleanup()
  process.exit(130)
})

try {
  console.log(`bench:write: ${SIZE_MIB} MiB random image, ${ROUNDS} rounds, loop device on ${work}`)
  execFileSync('dd', ['if=/dev/urandom', `of=${image}`, 'bs=4M', `count=${SIZE_MIB / 4}`, 'status=none'])
  // Allocate the backing file for real so the first writer does not pay for block allocation.
  execFileSync('dd', ['if=/dev/zero', `of=${backing}`, 'bs=4M', `count=${SIZE_MIB / 4 + 4}`, 'status=none'])
  const out = execFileSync('udisksctl', ['loop-setup', '-f', backing, '--no-user-interaction'], { encoding: 'utf8' })
  loop = /(\/dev\/loop\d+)/.exec(out)?.[1] ?? ''
  if (!loop) throw new Error(`loop-setup: ${out}`)
  execFileSync('udevadm', ['settle', '--timeout=10'])
  const sha = execFileSync('sha256sum', [image], { encoding: 'utf8' }).split(' ')[0]
  // Image in the page cache for every contender.
  execFileSync('cat', [image], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 0 })

  const dd = () => {
    const t0 = process.hrtime.bigint()
    execFileSync('dd', [`if=${image}`, `of=${loop}`, 'bs=4M', 'oflag=direct', 'conv=fsync', 'status=none'])
    return Number(process.hrtime.bigint() - t0) / 1e6
  }
  const ours = (mode) => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', bundle, image, loop, mode], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_SHA256: sha }
    })
    const line = r.stdout.trim().split('\n').pop() ?? ''
    let res
    try {
      res = JSON.parse(line)
    } catch {
      throw new Error(`child failed: ${r.stderr || r.stdout}`)
    }
    if (res.stage !== 'done') throw new Error(`write did not succeed: ${res.message}`)
    return res
  }

  const runs = { dd: [], write: [], writeHash: [], verify: [], verifyExpected: [], setup: [] }
  let peakRss = 0
  for (let i = 0; i < ROUNDS; i++) {
    runs.dd.push(dd())
    for (const [key, mode] of [
      ['write', 'write'],
      ['writeHash', 'write-hash'],
      ['verify', 'verify'],
      ['verifyExpected', 'verify-expected']
    ]) {
      const r = ours(mode)
      runs[key].push(r.ms)
      runs.setup.push(r.setupMs)
      peakRss = Math.max(peakRss, r.maxRssKB)
    }
    runs.dd.push(dd())
    process.stdout.write(`round ${i + 1}: dd ${runs.dd.slice(-2).map((x) => x.toFixed(0)).join('/')} ms, write ${runs.write.at(-1).toFixed(0)} ms, write+hash ${runs.writeHash.at(-1).toFixed(0)} ms, write+verify ${runs.verify.at(-1).toFixed(0)} ms, write+verify+expected-hash ${runs.verifyExpected.at(-1).toFixed(0)} ms\n`)
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    const m = s.length >> 1
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]))
  const mbps = (ms) => ((SIZE_MIB * 1.048576) / (ms / 1000)).toFixed(0)
  console.log('')
  console.log(`dd bs=4M oflag=direct conv=fsync : ${m.dd.toFixed(0)} ms (${mbps(m.dd)} MB/s)`)
  console.log(`hsc write + sync                  : ${m.write.toFixed(0)} ms (${mbps(m.write)} MB/s)  ratio ${(m.write / m.dd).toFixed(3)} (target <= 1.05)`)
  console.log(`  of which setup (bus, drive list, unmount, OpenDevice): ${m.setup.toFixed(0)} ms; the data path alone: ${(m.write - m.setup).toFixed(0)} ms, ratio ${((m.write - m.setup) / m.dd).toFixed(3)}`)
  console.log(`hsc write + sync + SHA-256 (no read-back): ${m.writeHash.toFixed(0)} ms  ratio ${(m.writeHash / m.dd).toFixed(3)}`)
  console.log(`hsc write + verify                : ${m.verify.toFixed(0)} ms  ratio to dd write ${(m.verify / m.dd).toFixed(3)} (target <= 2.1)`)
  console.log(`hsc write + verify + expected hash: ${m.verifyExpected.toFixed(0)} ms  ratio to dd write ${(m.verifyExpected / m.dd).toFixed(3)}`)
  console.log(`peak RSS of a write job process   : ${(peakRss / 1024).toFixed(0)} MB (target < 200 MB)`)
} finally {
  cleanup()
}
