import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OomdStatus } from '../../src/shared/contract'
import { HSC, PROJECT_ROOT } from '../support/paths'
import { fixture, makeTree } from './tree'

const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const OWN_FILE = '/etc/systemd/oomd.conf.d/60-hyperscale-companion.conf'
const hsc = (...args: string[]) =>
  spawnSync(process.execPath, [HSC, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', HSC_SETTINGS_FILE: path.join(os.tmpdir(), `hsc-oomd-cli-${process.pid}.json`) }
  })
const unified = execFileSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'], { encoding: 'utf8' }).trim() === 'cgroup2fs'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.()
})

describe.skipIf(!built)(`hsc oomd (built CLI)${built ? '' : ' (skipped: run npm run build first)'}`, () => {
  it('status --json on this machine: exit status follows canRun, which follows the cgroup hierarchy', () => {
    const r = hsc('oomd', 'status', '--json')
    const st = JSON.parse(r.stdout) as OomdStatus
    expect(st.schema).toBe(1)
    expect(st.canRun).toBe(r.status === 0)
    if (!unified) {
      expect(r.status).toBe(1)
      expect(st.blockers[0]).toMatch(/Unified cgroup hierarchy/)
    }
  })

  it('status --root reads an offline tree: Fedora vendor drop-ins and their sources', () => {
    const t = makeTree({
      '/etc/systemd/oomd.conf': fixture('oomd.conf'),
      '/usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf': fixture('systemd-oomd-defaults/fedora-f34-f38/10-oomd-defaults.conf'),
      '/usr/lib/systemd/system/user@.service.d/10-oomd-user-service-defaults.conf': fixture(
        'systemd-oomd-defaults/fedora-f34-f38/10-oomd-user-service-defaults.conf'
      )
    })
    cleanups.push(t.cleanup)
    const r = hsc('oomd', 'status', '--json', '--root', t.root)
    const st = JSON.parse(r.stdout) as OomdStatus
    expect(st.root).toBe(t.root)
    expect(st.state.source).toBe('offline-root')
    expect(st.config.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: '20s', source: '/usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf' })
    expect(st.units.find((u) => u.unit === 'user@.service')?.settings.ManagedOOMMemoryPressureLimit.value).toBe('50%')
    expect(st.monitored.available).toBe(false)
    // No unit file in the tree: the installed requirement fails, so exit 1.
    expect(r.status).toBe(1)
    const text = hsc('oomd', 'status', '--root', t.root)
    expect(text.stdout).toMatch(/DefaultMemoryPressureDurationSec\s+20s\s+\/usr\/lib\/systemd\/oomd\.conf\.d\/10-oomd-defaults\.conf:2/)
  })

  it('bad usage and bad values exit 2 with one line, and nothing is written', () => {
    const before = existsSync(OWN_FILE) ? readFileSync(OWN_FILE, 'utf8') : null
    for (const args of [
      ['oomd', 'set', 'SwapUsedLimit=150%'],
      ['oomd', 'set', 'DefaultMemoryPressureDurationSec=-1s'],
      ['oomd', 'set', 'DefaultMemoryPressureLimit=lots'],
      ['oomd', 'set', 'ManagedOOMSwap=kill'],
      ['oomd', 'set', 'SwapUsedLimit'],
      ['oomd', 'set'],
      ['oomd', 'enable', '--root', '/tmp'],
      ['oomd', 'status', 'extra']
    ]) {
      const r = hsc(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
    }
    expect(existsSync(OWN_FILE) ? readFileSync(OWN_FILE, 'utf8') : null).toBe(before)
  })

  it.skipIf(unified)('enable is refused on this machine with the reason and exit 1', () => {
    const r = hsc('oomd', 'enable')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/cannot run on this system.*Unified cgroup hierarchy/)
    expect(r.stderr).toMatch(/grubby --update-kernel=ALL/)
  })
})
