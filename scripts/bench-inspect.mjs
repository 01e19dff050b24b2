#!/usr/bin/env node
// Benchmark of the system inspector on this machine.
//  1. In-process: bundles the inspect service with esbuild on the fly, then times full
//     reports (first/cold, warm with the per-process caches, and with a fresh command
//     runner each time so the version probes spawn again). Target: median under 100 ms.
//  2. Standard tools reading the same sources (cat, zcat, stat, systemctl, btrfs) from one
//     shell, for comparison; the ratio is printed.
//  3. Cold start of `bin/hsc inspect --json` (built CLI). Target: under 400 ms.
// Usage: node scripts/bench-inspect.mjs [runs]   (no timing assertions: numbers only)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { bundleExports, hscEntry, median, p90 } from './lib/bench.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = Math.max(5, Number(process.argv[2]) || 30)
const TARGET_IN_PROCESS_MS = 100
const TARGET_CLI_MS = 400

const ms = (x) => `${x.toFixed(1)} ms`

// Inside node_modules/.cache so the bundle resolves the project's packages like the app does.
const outDir = path.join(ROOT, 'node_modules/.cache/hsc-bench-inspect')
mkdirSync(outDir, { recursive: true })
const outFile = path.join(outDir, `inspect-${process.pid}.mjs`)
await bundleExports(
  ROOT,
  [
    "export { runInspection } from './src/main/services/inspect/report'",
    "export { createRootFs } from './src/main/services/system/rootfs'",
    "export { runCommand } from './src/main/services/system/command'",
    "export { systemBusConnector } from './src/main/services/systemd/connect'",
    "export { fileAnswerCache } from './src/main/services/system/facts/answer-cache'"
  ],
  outFile,
  ['dbus-next', 'x11']
)

try {
  const { runInspection, createRootFs, runCommand, systemBusConnector, fileAnswerCache } = await import(pathToFileURL(outFile).href)
  const fs = createRootFs('/')
  // The app's handlers pass the system bus too (systemd taint flags); so does the benchmark.
  const connect = systemBusConnector(process.env)

  let t = performance.now()
  const first = await runInspection({ fs, run: runCommand, connect })
  const cold = performance.now() - t

  const warm = []
  for (let i = 0; i < RUNS; i++) {
    t = performance.now()
    await runInspection({ fs, run: runCommand, connect })
    warm.push(performance.now() - t)
  }

  // A new runner identity defeats the in-process caches: systemctl, btrfs and rpm spawn every time.
  const fresh = []
  for (let i = 0; i < RUNS; i++) {
    const run = (argv, opts) => runCommand(argv, opts)
    t = performance.now()
    await runInspection({ fs, run, connect })
    fresh.push(performance.now() - t)
  }
  // What a new `hsc inspect` process costs: nothing in memory, the program answers kept on disk.
  const answersFile = path.join(outDir, `answers-${process.pid}.json`)
  await runInspection({ fs, run: (argv, opts) => runCommand(argv, opts), connect, answers: fileAnswerCache(answersFile) })
  const kept = []
  for (let i = 0; i < RUNS; i++) {
    const run = (argv, opts) => runCommand(argv, opts)
    t = performance.now()
    await runInspection({ fs, run, connect, answers: fileAnswerCache(answersFile) })
    kept.push(performance.now() - t)
  }
  rmSync(answersFile, { force: true })

  // Standard tools reading the same facts, in one shell.
  const script = [
    'cat /etc/os-release /proc/sys/kernel/osrelease /proc/cmdline /proc/self/mountinfo /proc/swaps /proc/meminfo /proc/cgroups /proc/filesystems /proc/pressure/cpu /proc/pressure/memory /proc/pressure/io >/dev/null 2>&1',
    '{ zcat /proc/config.gz || cat /boot/config-$(uname -r); } >/dev/null 2>&1',
    'stat -f -c %T /sys/fs/cgroup /sys/fs/cgroup/unified /var/cache >/dev/null 2>&1',
    'ls /sys/fs/btrfs/features >/dev/null 2>&1',
    'systemctl --version >/dev/null 2>&1',
    'btrfs --version >/dev/null 2>&1',
    'true'
  ].join('; ')
  const shell = []
  for (let i = 0; i < RUNS; i++) {
    t = performance.now()
    spawnSync('sh', ['-c', script], { stdio: 'ignore' })
    shell.push(performance.now() - t)
  }

  const counts = first.summary
  console.log(
    `inspect benchmark: ${first.checks.length} checks (${counts.ok} ok, ${counts.warn} warn, ${counts.fail} fail, ${counts.unknown} unknown), ${RUNS} runs each`
  )
  console.log(`  in-process, first report (cold: imports, /proc reads, version spawns): ${ms(cold)}`)
  console.log(
    `  in-process, warm (per-process caches)             median ${ms(median(warm))}  p90 ${ms(p90(warm))}  target < ${TARGET_IN_PROCESS_MS} ms  ${median(warm) < TARGET_IN_PROCESS_MS ? 'OK' : 'OVER'}`
  )
  console.log(
    `  in-process, fresh runner (spawns systemctl, btrfs, rpm) median ${ms(median(fresh))}  p90 ${ms(p90(fresh))}  target < ${TARGET_IN_PROCESS_MS} ms  ${median(fresh) < TARGET_IN_PROCESS_MS ? 'OK' : 'OVER'}`
  )
  console.log(
    `  in-process, fresh runner + answers kept on disk (a new hsc process) median ${ms(median(kept))}  p90 ${ms(p90(kept))}  target < ${TARGET_IN_PROCESS_MS} ms  ${median(kept) < TARGET_IN_PROCESS_MS ? 'OK' : 'OVER'}`
  )
  console.log(`  standard tools (sh: cat, zcat, stat, ls, systemctl, btrfs) median ${ms(median(shell))}`)
  console.log(
    `  ratio inspector/standard tools: warm ${(median(warm) / median(shell)).toFixed(2)}x, fresh runner ${(median(fresh) / median(shell)).toFixed(2)}x, answers kept ${(median(kept) / median(shell)).toFixed(2)}x`
  )
} finally {
  rmSync(outFile, { force: true })
}

const cli = hscEntry(ROOT)
const built = path.join(ROOT, 'out/cli/hsc.cjs')
if (!existsSync(cli) || !existsSync(built)) {
  console.log(`  cli cold start: skipped (${!existsSync(cli) ? 'bin/hsc missing' : 'CLI not built: run npm run build'})`)
} else {
  const cliRuns = Math.min(RUNS, 15)
  const times = []
  let bad = ''
  for (let i = 0; i < cliRuns; i++) {
    const t = performance.now()
    const r = spawnSync(cli, ['inspect', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    times.push(performance.now() - t)
    // Exit 1 means "a check failed", still a complete report; anything else is a broken run.
    if (r.status !== 0 && r.status !== 1) bad = `exit ${r.status}: ${r.stderr.trim().split('\n')[0]}`
    else {
      try {
        if (!Array.isArray(JSON.parse(r.stdout).checks)) bad = 'output has no checks array'
      } catch {
        bad = 'output is not JSON'
      }
    }
  }
  console.log(
    `  cli cold start \`bin/hsc inspect --json\` median ${ms(median(times))}  p90 ${ms(p90(times))}  target < ${TARGET_CLI_MS} ms  ${median(times) < TARGET_CLI_MS ? 'OK' : 'OVER'}${bad ? `  (BROKEN RUN: ${bad})` : ''}`
  )
}
