import { describe, expect, it } from 'vitest'
import { applyInstall, applyUninstall, DEFAULT_UNIT_DIR, installedBy, planInstall, type InstallIo } from '../../src/main/services/fleet/install'
import type { CommandResult } from '../../src/main/services/system/command'

/**
 * Stand-in for the file system and for systemctl: no systemd runs as PID 1 on this machine, so
 * the "systemd is running" branch is driven here; the real files are covered by
 * node-exporter.test.ts and ansible.test.ts.
 */
function standIn(opts: { systemd: boolean; fail?: string }) {
  const files = new Map<string, string>()
  const calls: string[][] = []
  const io: InstallIo = {
    readText: async (p) => files.get(p),
    mkdirp: async () => {},
    write: async (p, c) => void files.set(p, c),
    remove: async (p) => void files.delete(p),
    systemdRunning: async () => opts.systemd,
    run: async (argv): Promise<CommandResult> => {
      calls.push([...argv])
      return argv.includes(opts.fail ?? '\0') ? { code: 1, stdout: '', stderr: 'Failed to enable unit: Access denied\n' } : { code: 0, stdout: '', stderr: '' }
    }
  }
  return { io, files, calls }
}

const base = {
  node: '/usr/bin/node',
  hsc: '/opt/hsc/bin/hsc.cjs',
  factsDir: '/etc/ansible/facts.d',
  prometheusDir: '/var/lib/prometheus/node-exporter',
  unitDir: DEFAULT_UNIT_DIR
}

describe('facts install with systemd running (stand-in systemctl)', () => {
  it('reloads systemd and enables the timer now; uninstall disables it first and reloads after', async () => {
    const s = standIn({ systemd: true })
    const plan = planInstall(base)
    const r = await applyInstall(plan, { unitDir: DEFAULT_UNIT_DIR }, s.io)
    expect(r.timer).toEqual({ started: true, note: 'hyperscale-companion-textfile.timer enabled and started' })
    expect(s.calls).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', 'hyperscale-companion-textfile.timer']
    ])
    // The fact is written last: whatever exists, uninstall can find through it.
    expect(r.written.at(-1)).toBe('/etc/ansible/facts.d/hyperscale.fact')
    s.files.set('/var/lib/prometheus/node-exporter/hyperscale.prom', '# HELP hyperscale_companion_schema_info x\n')
    s.calls.length = 0
    const u = await applyUninstall('/etc/ansible/facts.d', s.io)
    expect(s.calls).toEqual([
      ['systemctl', 'disable', '--now', 'hyperscale-companion-textfile.timer'],
      ['systemctl', 'daemon-reload']
    ])
    expect(u.removed.sort()).toEqual([
      '/etc/ansible/facts.d/hyperscale.fact',
      '/etc/systemd/system/hyperscale-companion-textfile.service',
      '/etc/systemd/system/hyperscale-companion-textfile.timer',
      '/var/lib/prometheus/node-exporter/hyperscale.prom'
    ])
    expect(s.files.size).toBe(0)
  })

  it('says what to run when systemctl fails, and does not call systemctl for another unit dir', async () => {
    const s = standIn({ systemd: true, fail: 'enable' })
    const r = await applyInstall(planInstall(base), { unitDir: DEFAULT_UNIT_DIR }, s.io)
    expect(r.timer?.started).toBe(false)
    expect(r.timer?.note).toMatch(/Access denied.*systemctl daemon-reload && systemctl enable --now hyperscale-companion-textfile.timer/)
    const t = standIn({ systemd: true })
    const other = await applyInstall(planInstall({ ...base, unitDir: '/tmp/units' }), { unitDir: '/tmp/units' }, t.io)
    expect(t.calls).toEqual([])
    expect(other.timer?.note).toMatch(/not \/etc\/systemd\/system/)
  })

  it('uninstall only follows listed paths with our unit names, never arbitrary files', () => {
    const script = [
      '#!/bin/sh',
      '# hsc-managed: hyperscale-companion',
      '# hsc-installed: /etc/passwd',
      '# hsc-installed: /etc/systemd/system/../../passwd.timer',
      '# hsc-installed: /etc/systemd/system/hyperscale-companion-textfile.timer',
      ''
    ].join('\n')
    expect(installedBy(script)).toEqual(['/etc/systemd/system/hyperscale-companion-textfile.timer'])
  })
})
