#!/usr/bin/env node
// Benchmark of writing an image to a drive, against dd in the same run.
//  - A random image (1 GiB) is written + synced to a loop device set up through UDisks2 (like a
//    USB stick) by the drives service (UDisks2 OpenDevice fd, O_DIRECT, first MiB last) and by
//    `dd bs=4M oflag=direct conv=fsync`; runs alternate, medians are compared.
//    Targets: write+sync <= 1.05x dd; write+verify <= 2.1x dd's write; peak RSS < 200 MB.
//  - Each service run is a child process (its own peak RSS from getrusage). The child lists the
//    drives first, as the app has before the user clicks Write; the timed part is write() to
//    the end of the job (drive list, unmount, OpenDevice, write, sync[, verify]).
//  - Scenario 1 is the bare loop device (page-cache speed, ~3 GB/s: CPU-bound). Scenario 2 is a
//    USB-stick stand-in: the same loop device throttled with the cgroup v1 blkio controller
//    (write 150 MB/s, read 300 MB/s, typical of a USB 3 stick), skipped where unavailable.
//    Each round also times `dd iflag=direct` reading the image's length back, so a verified
//    write is compared with its I/O limit (dd write + that read-back) as well as with dd's write.
//  - Whole process (issue 15): `hsc write --no-verify` against `dd bs=4M oflag=direct conv=fsync`
//    (goal <= 1.10x), and `hsc write` with verification against the I/O limit, dd's write plus
//    a `dd iflag=direct` read-back to /dev/null (goal <= 1.15x); alternating pairs, the ratio
//    pair by pair. etcher-sdk runs as a peer when it is installed (it is no dependency).
// The loop device's backing file lives in /dev/shm when it has room (a RAM-backed drive: the
// I/O path itself is measured, not the disk under it), else in /var/tmp.
// Needs root and udisksd on the system bus (bash scripts/ci/start-services.sh), and `npm run build`.
// Usage: node scripts/bench-write.mjs [rounds] [sizeMiB]   (numbers only, no assertions)
//   BENCH_ONLY=whole: only the whole-process comparisons; HSC_BENCH_ETCHER_SDK: see etcherPeer().
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, rmdirSync, statSync, statfsSync, writeFileSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { randomFillSync } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleExports, extraCaNote, hscEntry, median, nodeEnvOfHsc, pairedRatio, ratioLine, timeProcess } from './lib/bench.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SELF = fileURLToPath(import.meta.url)

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
  const s = new DrivesService({ fs: createRootFs('/'), env: process.env, allowLoop: true, idleMs: 60_000, tuning, onProgress })
  // The list confirms the drive (its token), as the user's look at the list does in the app.
  const { token } = (await s.list()).drives.find((d) => d.device === device) ?? {}
  const t0 = process.hrtime.bigint()
  const job = await s.write({
    image,
    targets: [{ device, token }],
    verify: mode === 'verify' || mode === 'verify-expected',
    // write-hash: no read-back, but the image's SHA-256 is taken while writing (checked against the expected one).
    expectedSha256: mode === 'verify-expected' || mode === 'write-hash' ? process.env.BENCH_SHA256 : undefined,
    allowUnverified: true,
    after: 'none'
  })
  const done = await s.wait(job.jobId)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const setupMs = writeAt === undefined ? 0 : Number(writeAt - t0) / 1e6
  await s.close()
  process.stdout.write(JSON.stringify({ ms, setupMs, stage: done.stage, message: done.message, maxRssKB: process.resourceUsage().maxRSS }) + '\n')
  process.exit(0)
}

const ROUNDS = Math.max(1, Number(process.argv[2]) || 3)
const SIZE_MIB = Math.max(64, Number(process.argv[3]) || 1024)
const THROTTLE = { write: 150e6, read: 300e6 }
const BLKIO = '/sys/fs/cgroup/blkio'

if (process.getuid?.() !== 0) {
  console.error('bench:write needs root (loop devices) and udisksd: run bash scripts/ci/start-services.sh as root first')
  process.exit(1)
}

const outDir = path.join(ROOT, 'node_modules/.cache/hsc-bench-write')
mkdirSync(outDir, { recursive: true })
const bundle = path.join(outDir, `drives-${process.pid}.mjs`)
await bundleExports(
  ROOT,
  ["export { DrivesService } from './src/main/services/drives/service'", "export { createRootFs } from './src/main/services/system/rootfs'"],
  bundle,
  ['dbus-next', 'usocket']
)

const ramRoom = (() => {
  try {
    const st = statfsSync('/dev/shm')
    return st.bavail * st.bsize
  } catch {
    return 0
  }
})()
// Image and backing file: twice the size, plus slack.
const work = mkdtempSync(ramRoom > 2.5 * SIZE_MIB * 1024 * 1024 ? '/dev/shm/hsc-bench-write-' : '/var/tmp/hsc-bench-write-')
const image = path.join(work, 'image.bin')
const backing = path.join(work, 'target.img')
const cgroup = path.join(BLKIO, `hsc-bench-write-${process.pid}`)
let loop = ''
const cleanup = () => {
  if (loop) spawnSync('udisksctl', ['loop-delete', '-b', loop, '--no-user-interaction'], { stdio: 'ignore' })
  if (existsSync(cgroup)) {
    try {
      rmdirSync(cgroup)
    } catch {
      // still has a task for a moment; it is empty and harmless
    }
  }
  rmSync(work, { recursive: true, force: true })
  rmSync(bundle, { force: true })
}
process.on('SIGINT', () => {
  cleanup()
  process.exit(130)
})

/** `hsc write` as a user runs it, against dd, each a whole process, alternating. */
function wholeProcess(image, loop, sha) {
  const hsc = hscEntry(ROOT)
  if (!existsSync(path.join(ROOT, 'out/cli/hsc.cjs'))) {
    console.log('\n(whole-process comparison skipped: run `npm run build` first)')
    return
  }
  // The bench's own state folder: the image digests kept there are the ones this run made.
  const state = mkdtempSync(path.join(work, 'state-'))
  const env = { ...process.env, HSC_TEST_ALLOW_LOOP: '1', NO_COLOR: '1', HSC_STATE_DIR: state }
  const write = (extra, stateDir = state) => timeProcess([hsc, 'write', image, loop, ...extra, '--yes', '--json'], { env: { ...env, HSC_STATE_DIR: stateDir } })
  // The writes as a user runs them; the same runs meet dd and, when installed, etcher-sdk.
  // A downloaded or `hsc verify`-ed image has its SHA-256 kept with the file's identity, so
  // its verified write reads it once (system/image-digests); an image never hashed before is
  // hashed while it is written (a fresh state folder per run).
  const hscWrite = {
    noVerify: () => write(['--no-verify', '--allow-unverified']),
    verified: () => write(['--sha256', sha]),
    firstVerified: () => write(['--sha256', sha], mkdtempSync(path.join(work, 'state-fresh-')))
  }
  const ddWrite = ['dd', `if=${image}`, `of=${loop}`, 'bs=4M', 'oflag=direct', 'conv=fsync', 'status=none']
  const ddRead = ['dd', `if=${loop}`, 'of=/dev/null', 'bs=4M', 'iflag=direct', `count=${SIZE_MIB / 4}`, 'status=none']
  const pairs = Math.max(5, ROUNDS)
  console.log(`\n== whole process, ${pairs} alternating pairs: median (spread) of the pair ratios`)
  const noVerify = pairedRatio(() => timeProcess(ddWrite), hscWrite.noVerify, pairs)
  console.log(ratioLine('hsc write --no-verify        ', 'dd oflag=direct conv=fsync', noVerify, 1.1))
  // What no Node program can go below, measured here: the goal's 10 % over dd against Node's
  // own start, and the verified write's goal against one SHA-256 pass over the image (the
  // published checksum must be checked on the bytes written), each timed as a whole process.
  const nodeStart = median(Array.from({ length: pairs }, () => timeProcess([process.execPath, '-e', '0'], { env: nodeEnvOfHsc() })))
  const note = extraCaNote()
  if (note) console.log(`  ${note}`)
  console.log(
    `  floor: Node's own start (node -e 0) takes ${nodeStart.toFixed(0)} ms, ${(nodeStart / noVerify.ref).toFixed(2)}x dd's write; the goal leaves ${(0.1 * noVerify.ref).toFixed(0)} ms over dd`
  )
  // The image was made moments ago: its digest is kept only once its last change is 2 s old.
  const wait = statSync(image).ctimeMs + 2100 - Date.now()
  if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait)
  execFileSync(hsc, ['verify', image, '--sha256', sha], { env, stdio: 'ignore' })
  const verify = pairedRatio(() => timeProcess(ddWrite) + timeProcess(ddRead), hscWrite.verified, pairs)
  console.log(ratioLine('hsc write (verified)         ', 'dd write + dd iflag=direct read-back', verify, 1.15))
  console.log(
    '  (the image was verified before with `hsc verify`, which kept its SHA-256 and read-back fingerprint: the write reads it once, the read-back reads only the drive)'
  )
  const first = pairedRatio(() => timeProcess(ddWrite) + timeProcess(ddRead), hscWrite.firstVerified, pairs)
  console.log(ratioLine('hsc write (verified, 1st time)', 'dd write + dd iflag=direct read-back', first))
  console.log(
    '  (an image never hashed: its SHA-256 and fingerprint are taken from the buffers written, and the read-back hashes the drive against that fingerprint)'
  )
  const sha256 = median(Array.from({ length: pairs }, () => timeProcess(['openssl', 'dgst', '-sha256', image])))
  console.log(
    `  floor of a first write: SHA-256 of the image alone (openssl dgst -sha256, one core) takes ${sha256.toFixed(0)} ms, ${(sha256 / first.ref).toFixed(2)}x the I/O limit; with Node's start ${((sha256 + nodeStart) / first.ref).toFixed(2)}x`
  )
  etcherPeer(image, loop, pairs, hscWrite)
}

/**
 * etcher-sdk (balenaEtcher's engine) as a peer, only where someone installed it: it is no
 * dependency. Found as `etcher-sdk` from this project, or at HSC_BENCH_ETCHER_SDK (its package
 * folder). Its current releases pull one dependency from GitHub; with only the npm registry,
 * install it beside the project with that dependency taken from the registry:
 *   mkdir /tmp/etch && cd /tmp/etch
 *   echo '{"private":true,"overrides":{"unbzip2-stream":"1.4.3"}}' > package.json
 *   npm i etcher-sdk && npm install-scripts approve --all && npm rebuild
 *   HSC_BENCH_ETCHER_SDK=/tmp/etch/node_modules/etcher-sdk npm run bench:write
 * Both sides are whole processes on the same loop device, alternating (goal: the verified
 * write <= 0.80x etcher-sdk's).
 */
function etcherPeer(image, loop, pairs, hscWrite) {
  let sdk = process.env.HSC_BENCH_ETCHER_SDK
  if (!sdk) {
    try {
      sdk = path.dirname(createRequire(import.meta.url).resolve('etcher-sdk/package.json'))
    } catch {
      console.log('(etcher-sdk not installed: peer comparison skipped; see etcherPeer() in scripts/bench-write.mjs)')
      return
    }
  }
  const size = execFileSync('blockdev', ['--getsize64', loop], { encoding: 'utf8' }).trim()
  const peer = (mode) => [process.execPath, path.join(ROOT, 'scripts/lib/etcher-peer.cjs'), sdk, image, loop, size, mode]
  console.log(`-- etcher-sdk (${sdk}) as a peer, ${pairs} alternating pairs`)
  const noVerify = pairedRatio(() => timeProcess(peer('no-verify')), hscWrite.noVerify, pairs)
  console.log(ratioLine('hsc write --no-verify        ', 'etcher-sdk without verification', noVerify))
  const verify = pairedRatio(() => timeProcess(peer('verify')), hscWrite.verified, pairs)
  console.log(ratioLine('hsc write (verified)         ', 'etcher-sdk with verification', verify, 0.8))
  const first = pairedRatio(() => timeProcess(peer('verify')), hscWrite.firstVerified, pairs)
  console.log(ratioLine('hsc write (verified, 1st time)', 'etcher-sdk with verification', first))
}

const mbps = (ms) => ((SIZE_MIB * 1.048576) / (ms / 1000)).toFixed(0)

/**
 * Compressed images (issue 17): the drives service writing IMG.xz / IMG.zst (decompressed by
 * a child xz/zstd while writing) against `xz -dc IMG.xz | dd of=LOOP bs=4M oflag=direct
 * conv=fsync` (and the zstd equivalent; iflag=fullblock, or dd writes the pipe's short reads
 * as short, unaligned O_DIRECT blocks). Runs are paired: dd, ours, dd; the ratio of each pair
 * is ours / mean of its two dd runs; median and spread of the ratios are printed.
 * Target: median <= 1.05; peak RSS < 200 MB. The image is compressible like an ISO (random
 * blocks and runs of zeros), so the decompressor, not the drive, sets the pace.
 */
function benchCompressed({ loop, bundle, work, rounds, sizeMiB }) {
  console.log(`\n== compressed images: ${sizeMiB} MiB image (half random, half zeros), loop device at page-cache speed`)
  const plain = path.join(work, 'compressible.img')
  const block = Buffer.alloc(4 * 1024 * 1024)
  const fd = openSync(plain, 'w')
  for (let i = 0; i < sizeMiB / 4; i++) {
    block.fill(0)
    randomFillSync(block, 0, 2 * 1024 * 1024)
    writeSync(fd, block)
  }
  closeSync(fd)
  const kinds = [
    ['xz', ['xz', '-T2', '-1', '-k', '-c'], '.xz'],
    ['zstd', ['zstd', '-q', '-3', '-c'], '.zst']
  ]
  for (const [name, argv, ext] of kinds) {
    const file = plain + ext
    // Straight into the file: a large buffer here would show up as the children's peak RSS
    // (Linux keeps the pre-exec high-water mark of a forked process in its maxrss).
    const out = openSync(file, 'w')
    try {
      execFileSync(argv[0], [...argv.slice(1), plain], { stdio: ['ignore', out, 'inherit'] })
    } finally {
      closeSync(out)
    }
    execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] })
    // Paths reach the shell as positional parameters ("$1", "$2"), never inside the script text.
    const pipeline = () => {
      const t0 = process.hrtime.bigint()
      execFileSync('sh', ['-c', `${name} -dc "$1" | dd of="$2" bs=4M iflag=fullblock oflag=direct conv=fsync status=none`, 'sh', file, loop])
      return Number(process.hrtime.bigint() - t0) / 1e6
    }
    const ours = () => {
      const r = spawnSync(process.execPath, [SELF, '--child', bundle, file, loop, 'write'], { encoding: 'utf8' })
      const res = JSON.parse(r.stdout.trim().split('\n').pop() || '{}')
      if (res.stage !== 'done') throw new Error(`compressed write did not succeed: ${res.message ?? r.stderr}`)
      return res
    }
    const ratios = []
    const dataRatios = []
    const dds = []
    const ourMs = []
    let peak = 0
    let before = pipeline()
    for (let i = 0; i < rounds; i++) {
      const r = ours()
      const after = pipeline()
      ratios.push(r.ms / ((before + after) / 2))
      // Without the drive list, unmount and OpenDevice before the first byte (dd has none of them).
      dataRatios.push((r.ms - r.setupMs) / ((before + after) / 2))
      dds.push(before)
      ourMs.push(r.ms)
      peak = Math.max(peak, r.maxRssKB)
      console.log(
        `${name} round ${i + 1}: dd pipeline ${before.toFixed(0)}/${after.toFixed(0)} ms, hsc ${r.ms.toFixed(0)} ms, ratio ${ratios.at(-1).toFixed(3)}`
      )
      before = after
    }
    const sorted = [...ratios].sort((a, b) => a - b)
    console.log(
      `${name} -dc | dd  : ${median(dds).toFixed(0)} ms; hsc write ${file.replace(/^.*\//, '')}: ${median(ourMs).toFixed(0)} ms; ` +
        `ratio median ${median(ratios).toFixed(3)} (spread ${sorted[0].toFixed(3)}-${sorted.at(-1).toFixed(3)}, target <= 1.05); ` +
        `peak RSS ${(peak / 1024).toFixed(0)} MB (target < 200 MB); file ${(statSync(file).size / 1048576).toFixed(0)} MiB`
    )
    console.log(`${name} data path alone (after OpenDevice): ratio median ${median(dataRatios).toFixed(3)}`)
  }
}

try {
  console.log(`bench:write: ${SIZE_MIB} MiB random image, loop device on ${work}`)
  execFileSync('dd', ['if=/dev/urandom', `of=${image}`, 'bs=4M', `count=${SIZE_MIB / 4}`, 'status=none'])
  // Allocate the backing file for real so the first writer does not pay for block allocation.
  execFileSync('dd', ['if=/dev/zero', `of=${backing}`, 'bs=4M', `count=${SIZE_MIB / 4 + 4}`, 'status=none'])
  const out = execFileSync('udisksctl', ['loop-setup', '-f', backing, '--no-user-interaction'], { encoding: 'utf8' })
  loop = /(\/dev\/loop\d+)/.exec(out)?.[1] ?? ''
  if (!loop) throw new Error(`loop-setup: ${out}`)
  execFileSync('udevadm', ['settle', '--timeout=10'])
  const majMin = execFileSync('lsblk', ['-ndo', 'MAJ:MIN', loop], { encoding: 'utf8' }).trim()
  const sha = execFileSync('sha256sum', [image], { encoding: 'utf8' }).split(' ')[0]
  // Image in the page cache for every contender.
  execFileSync('cat', [image], { stdio: ['ignore', 'ignore', 'inherit'] })

  /** argv run directly, or inside the throttled cgroup (the shell moves itself in, then execs). */
  const wrap = (throttled, argv) => (throttled ? ['sh', '-c', `echo $$ > ${cgroup}/cgroup.procs && exec "$@"`, 'sh', ...argv] : argv)
  const dd = (throttled) => {
    const [cmd, ...args] = wrap(throttled, ['dd', `if=${image}`, `of=${loop}`, 'bs=4M', 'oflag=direct', 'conv=fsync', 'status=none'])
    const t0 = process.hrtime.bigint()
    execFileSync(cmd, args)
    return Number(process.hrtime.bigint() - t0) / 1e6
  }
  // The read half of the I/O limit: what a read-back of the image costs at the least.
  const ddRead = (throttled) => {
    const [cmd, ...args] = wrap(throttled, ['dd', `if=${loop}`, 'of=/dev/null', 'bs=4M', 'iflag=direct', `count=${SIZE_MIB / 4}`, 'status=none'])
    const t0 = process.hrtime.bigint()
    execFileSync(cmd, args)
    return Number(process.hrtime.bigint() - t0) / 1e6
  }
  const ours = (throttled, mode) => {
    const [cmd, ...args] = wrap(throttled, [process.execPath, SELF, '--child', bundle, image, loop, mode])
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, BENCH_SHA256: sha } })
    let res
    try {
      res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '')
    } catch {
      throw new Error(`child failed: ${r.stderr || r.stdout}`)
    }
    if (res.stage !== 'done') throw new Error(`write did not succeed: ${res.message}`)
    return res
  }

  const scenario = (label, throttled, rounds, modes) => {
    console.log(`\n== ${label}`)
    const runs = { dd: [], ddRead: [], setup: [], ...Object.fromEntries(modes.map(([k]) => [k, []])) }
    let peakRss = 0
    for (let i = 0; i < rounds; i++) {
      runs.dd.push(dd(throttled))
      for (const [key, mode] of modes) {
        const r = ours(throttled, mode)
        runs[key].push(r.ms)
        runs.setup.push(r.setupMs)
        peakRss = Math.max(peakRss, r.maxRssKB)
      }
      runs.dd.push(dd(throttled))
      runs.ddRead.push(ddRead(throttled))
      console.log(
        `round ${i + 1}: dd ${runs.dd
          .slice(-2)
          .map((x) => x.toFixed(0))
          .join('/')} ms, ${modes.map(([k]) => `${k} ${runs[k].at(-1).toFixed(0)} ms`).join(', ')}`
      )
    }
    const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]))
    console.log(`dd bs=4M oflag=direct conv=fsync      : ${m.dd.toFixed(0)} ms (${mbps(m.dd)} MB/s)`)
    console.log(
      `hsc write + sync                      : ${m.write.toFixed(0)} ms (${mbps(m.write)} MB/s)  ratio ${(m.write / m.dd).toFixed(3)} (target <= 1.05)`
    )
    console.log(`  of which drive list + unmount + OpenDevice: ${m.setup.toFixed(0)} ms; data path alone ratio ${((m.write - m.setup) / m.dd).toFixed(3)}`)
    if (m.writeHash !== undefined)
      console.log(`hsc write + sync + image SHA-256       : ${m.writeHash.toFixed(0)} ms  ratio ${(m.writeHash / m.dd).toFixed(3)}`)
    // The I/O limit of a verified write: dd's write plus an O_DIRECT read of the image's length.
    const limit = m.dd + m.ddRead
    console.log(`dd iflag=direct read-back              : ${m.ddRead.toFixed(0)} ms; I/O limit (dd write + read-back) ${limit.toFixed(0)} ms`)
    console.log(
      `hsc write + verify (read back, compared): ${m.verify.toFixed(0)} ms  ratio to dd write ${(m.verify / m.dd).toFixed(3)} (target <= 2.1), to the I/O limit ${(m.verify / limit).toFixed(3)}`
    )
    if (m.verifyExpected !== undefined)
      console.log(
        `hsc write + verify + expected hash    : ${m.verifyExpected.toFixed(0)} ms  ratio to dd write ${(m.verifyExpected / m.dd).toFixed(3)}, to the I/O limit ${(m.verifyExpected / limit).toFixed(3)} (goal <= 1.15)`
      )
    console.log(`peak RSS of a write job process       : ${(peakRss / 1024).toFixed(0)} MB (target < 200 MB)`)
  }

  // BENCH_ONLY=whole: just the whole-process comparisons (and the etcher-sdk peer).
  const only = process.env.BENCH_ONLY
  if (only !== 'whole')
    scenario('loop device at page-cache speed (CPU-bound)', false, ROUNDS, [
      ['write', 'write'],
      ['writeHash', 'write-hash'],
      ['verify', 'verify'],
      ['verifyExpected', 'verify-expected']
    ])

  wholeProcess(image, loop, sha)

  if (only !== 'whole') {
    if (existsSync(`${BLKIO}/blkio.throttle.write_bps_device`)) {
      mkdirSync(cgroup, { recursive: true })
      writeFileSync(`${cgroup}/blkio.throttle.write_bps_device`, `${majMin} ${THROTTLE.write}`)
      writeFileSync(`${cgroup}/blkio.throttle.read_bps_device`, `${majMin} ${THROTTLE.read}`)
      scenario(`USB-stick stand-in: the same loop device throttled by blkio to ${THROTTLE.write / 1e6} MB/s write, ${THROTTLE.read / 1e6} MB/s read`, true, 1, [
        ['write', 'write'],
        ['verify', 'verify-expected']
      ])
    } else console.log('\n(USB-stick stand-in skipped: no cgroup v1 blkio controller at /sys/fs/cgroup/blkio)')

    benchCompressed({ loop, bundle, work, rounds: Math.max(3, ROUNDS), sizeMiB: Number(process.env.BENCH_COMPRESSED_MIB) || SIZE_MIB })
  }
} finally {
  cleanup()
}
