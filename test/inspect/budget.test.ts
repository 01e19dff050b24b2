import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runInspection } from '../../src/main/services/inspect/report'
import { runCommand, type CommandRunner } from '../../src/main/services/system/command'
import { createRootFs } from '../../src/main/services/system/rootfs'

const haveRpm = ['/usr/bin/rpm', '/bin/rpm'].some((p) => existsSync(p))

describe.skipIf(!haveRpm)('the report budget (live system)', () => {
  it('a program that never answers costs its own lines, not the report: they say so, everything else is there', async () => {
    // rpm hangs (a stuck database lock does this); every other program runs for real.
    const run: CommandRunner = (argv, opts) => (argv[0] === 'rpm' ? new Promise(() => {}) : runCommand(argv, opts))
    const whole = await runInspection({ fs: createRootFs('/'), run: runCommand })
    const report = await runInspection({ fs: createRootFs('/'), run, budgetMs: 1500 })
    const timedOut = report.checks.filter((c) => c.id.endsWith('.timeout'))
    expect(timedOut.map((c) => c.id).sort()).toEqual(['machine.timeout', 'rpm-stack.timeout'])
    for (const c of timedOut) {
      expect(c.status).toBe('unknown')
      expect(c.value).toBe("no answer within the report's 1.5 s budget")
    }
    // The checks that need no rpm are all there, as in a report where rpm answered.
    const needRpm = /^(system\.machine|rpm\.cow\.)/
    const want = whole.checks.filter((c) => !needRpm.test(c.id) || c.id === 'rpm.cow').map((c) => c.id)
    expect(report.checks.map((c) => c.id).filter((id) => !id.endsWith('.timeout'))).toEqual(want)
    expect(report.summary.unknown + report.summary.ok + report.summary.warn + report.summary.fail).toBe(report.checks.length)
  })
})

describe('the hardware summary budget (live system)', () => {
  it('a probe that never answers costs only its own line, after its 1.5 s: the report is whole and in time', async () => {
    const started = Date.now()
    const report = await runInspection({ fs: createRootFs('/'), run: runCommand, hardware: () => new Promise(() => {}) })
    expect(report.checks.find((c) => c.id === 'hardware.summary')).toMatchObject({
      status: 'unknown',
      value: 'hardware probe still running after 1500 ms; refresh to see it'
    })
    expect(report.checks.filter((c) => c.id.endsWith('.timeout'))).toEqual([])
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
    expect(Date.now() - started).toBeLessThan(8000)
  })
})
