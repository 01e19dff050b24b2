import { describe, expect, it } from 'vitest'
import { parseOomctl, readMonitored } from '../../src/main/services/oomd/oomctl'
import { runCommand } from '../../src/main/services/system/command'
import { fixture } from './tree'

const ISSUE = 'oomctl/systemd-issue-36434-fedora-oomctl.txt'
const JOURNAL = 'oomctl/systemd-pr-28064-ci-journal-oomctl.txt'

/** Independent count: every "Path:" line in the raw text is one monitored cgroup. */
function rawPaths(text: string): string[] {
  return [...text.matchAll(/Path: (\S+)/g)].map((m) => m[1])
}

describe('oomctl output parsing (real outputs from systemd issue #36434 and PR #28064)', () => {
  it('Fedora output, space indentation, truncated in the third cgroup', () => {
    const text = fixture(ISSUE)
    const d = parseOomctl(text)
    expect(d.dryRun).toBe(false)
    expect(d.swapUsedLimit).toBe('90.00%')
    expect(d.defaultMemoryPressureLimit).toBe('60.00%')
    expect(d.defaultMemoryPressureDuration).toBe('20s')
    expect(d.system).toEqual({ memory: 'Used: 0B Total: 0B', swap: 'Used: 0B Total: 0B' })
    expect(d.swapMonitored).toEqual([])
    expect(d.memoryPressureMonitored.map((c) => c.path)).toEqual(rawPaths(text))
    const [app, system, background] = d.memoryPressureMonitored
    expect(app).toMatchObject({ memoryPressureLimit: '80.00%', currentMemoryUsage: '7.9G', pressure: { avg10: 0, avg60: 0, avg300: 0, total: '0' } })
    expect(app.extra).toEqual({ 'Memory Min': '0B', 'Memory Low': '0B', Pgscan: '0', 'Last Pgscan': '0' })
    expect(system.pressure?.total).toBe('9us')
    expect(system.currentMemoryUsage).toBe('1G')
    // Cut off after "Memory Min": what is there is kept, nothing is invented.
    expect(background).toMatchObject({ currentMemoryUsage: '0B', extra: { 'Memory Min': '0B' } })
    expect(background.extra.Pgscan).toBeUndefined()
  })

  it('CI journal capture: strips "HH:MM:SS [uptime] tag[pid]: " prefixes, TAB indentation', () => {
    const text = fixture(JOURNAL)
    expect(text).toContain('\t\tPressure:')
    const d = parseOomctl(text)
    expect(d.dryRun).toBe(false)
    expect(d.defaultMemoryPressureDuration).toBe('2s')
    expect(d.system).toEqual({ memory: 'Used: 2.8G Total: 125.7G', swap: 'Used: 0B Total: 0B' })
    expect(d.swapMonitored).toEqual([])
    expect(d.memoryPressureMonitored.map((c) => c.path)).toEqual(rawPaths(text))
    const [w] = d.memoryPressureMonitored
    expect(w.memoryPressureLimit).toBe('20.00%')
    expect(w.pressure).toEqual({ avg10: 96.42, avg60: 80.23, avg300: 31.1, total: '1min 55s' })
  })

  it('keeps swap-monitored cgroups apart from pressure-monitored ones', () => {
    const text = [
      'Dry Run: yes',
      'Swap Monitored CGroups:',
      '\tPath: /',
      '\t\tSwap Usage: 1.2G',
      'Memory Pressure Monitored CGroups:',
      '\tPath: /user.slice/user-1000.slice/user@1000.service',
      '\t\tMemory Pressure Limit: 50.00%'
    ].join('\n')
    const d = parseOomctl(text)
    expect(d.dryRun).toBe(true)
    expect(d.swapMonitored).toEqual([{ path: '/', swapUsage: '1.2G', extra: {} }])
    expect(d.memoryPressureMonitored).toEqual([{ path: '/user.slice/user-1000.slice/user@1000.service', memoryPressureLimit: '50.00%', extra: {} }])
  })

  it('on this machine (no systemd-oomd running) reports why nothing is monitored', async () => {
    const m = await readMonitored(runCommand, true)
    const probe = await runCommand(['oomctl'], { timeoutMs: 5000 })
    if (probe.code === 0) expect(m.available).toBe(true)
    else {
      expect(m.available).toBe(false)
      expect(m.reason).toMatch(/not answering|not installed/)
    }
  })
})
