import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectFdBus } from '../../src/main/services/drives/udisks/bus'
import { UDisksClient } from '../../src/main/services/drives/udisks/client'
import { HSC, PROJECT_ROOT } from '../support/paths'
import { loopDelete, loopSetup, makeIso, sha256File, tmpDir, udisksSkipReason } from './support'

const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const skip = !built ? 'run npm run build first (npm test does)' : await udisksSkipReason()
const MiB = 1024 * 1024

/** Timers and handles that keep this process alive (unref'd ones are not listed). */
const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

/** Runs hsc and measures how long the process lives after its last byte of output. */
function runTimed(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string; lingerMs: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HSC, '--no-color', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    let last = Date.now()
    child.stdout.on('data', (d: Buffer) => ((stdout += d), (last = Date.now())))
    child.stderr.on('data', (d: Buffer) => ((stderr += d), (last = Date.now())))
    child.on('exit', (status) => resolve({ status, stdout, stderr, lingerMs: Date.now() - last }))
  })
}

describe.skipIf(!!skip)(`commands exit when their work is done (real udisksd)${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let dir = ''
  const loops: string[] = []
  beforeAll(() => {
    dir = tmpDir('hsc-exit-')
  })
  afterAll(() => {
    loops.forEach(loopDelete)
    rmSync(dir, { recursive: true, force: true })
  })

  it('a watch ended on a bus that is closed right away leaves no timer holding the process', async () => {
    const before = liveTimers()
    const bus = await connectFdBus({ timeoutMs: 5000 })
    const client = new UDisksClient(bus)
    const unwatch = await client.watch(() => undefined)
    // What `hsc write` does at the end: stop watching (RemoveMatch, not awaited), then disconnect.
    await unwatch()
    bus.disconnect()
    await new Promise((r) => setImmediate(r))
    expect(liveTimers()).toBe(before)
  })

  it('hsc write exits right after printing its result, every time (3 runs)', async () => {
    const iso = makeIso(dir, 4)
    const dev = loopSetup(path.join(dir, 'stick.img'), 16 * MiB)
    loops.push(dev)
    for (let i = 0; i < 3; i++) {
      const r = await runTimed(['write', '--json', '--yes', '--sha256', sha256File(iso), iso, dev], { HSC_TEST_ALLOW_LOOP: '1' })
      expect(r.status, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout).stage).toBe('done')
      // Not a speed check: a D-Bus guard timer kept the process for 10 s after "done" before.
      expect(r.lingerMs, `run ${i + 1} stayed alive ${r.lingerMs} ms after its output`).toBeLessThan(5000)
    }
  })
})
