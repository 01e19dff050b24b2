import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { readUnitSettings } from '../../src/main/services/oomd/unit-settings'
import { dropInNames } from '../../src/main/services/oomd/conf-files'
import type { UnitOomSettings } from '../../src/shared/contract/oomd'
import { fixture, makeTree, type TreeEntry } from './tree'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.()
})

async function settings(entries: Record<string, TreeEntry>): Promise<Map<string, UnitOomSettings>> {
  const t = makeTree(entries)
  cleanups.push(t.cleanup)
  const all = await readUnitSettings(createRootFs(t.root))
  return new Map(all.map((u) => [`${u.manager}:${u.unit}`, u]))
}

const F34 = 'systemd-oomd-defaults/fedora-f34-f38'
const CUR = 'systemd-oomd-defaults/fedora-current'

describe('ManagedOOM*= of the watched units (unit files + drop-ins)', () => {
  it('older Fedora defaults: -.slice swap kill, user@.service pressure kill at 50%', async () => {
    const root = '/usr/lib/systemd/system/-.slice.d/10-oomd-root-slice-defaults.conf'
    const user = '/usr/lib/systemd/system/user@.service.d/10-oomd-user-service-defaults.conf'
    const s = await settings({
      '/usr/lib/systemd/system/user@.service': '[Unit]\nDescription=User Manager for UID %i\n[Service]\nUser=%i\n',
      [root]: fixture(`${F34}/10-oomd-root-slice-defaults.conf`),
      [user]: fixture(`${F34}/10-oomd-user-service-defaults.conf`)
    })
    expect(s.get('system:-.slice')?.settings.ManagedOOMSwap).toMatchObject({ value: 'kill', source: root, line: 2 })
    expect(s.get('system:-.slice')?.settings.ManagedOOMMemoryPressure).toMatchObject({ value: 'auto', source: null })
    const u = s.get('system:user@.service')
    expect(u?.unitFile).toBe('/usr/lib/systemd/system/user@.service')
    expect(u?.settings.ManagedOOMMemoryPressure).toMatchObject({ value: 'kill', source: user })
    expect(u?.settings.ManagedOOMMemoryPressureLimit).toMatchObject({ value: '50%', source: user, line: 3 })
    // [Service] keys do not leak into slices and vice versa.
    expect(s.get('system:system.slice')?.settings.ManagedOOMMemoryPressure.source).toBeNull()
  })

  it('current Fedora per-slice defaults: system.slice.d and the user manager slice.d', async () => {
    const sys = '/usr/lib/systemd/system/system.slice.d/10-oomd-per-slice-defaults.conf'
    const usr = '/usr/lib/systemd/user/slice.d/10-oomd-per-slice-defaults.conf'
    const perSlice = fixture(`${CUR}/10-oomd-per-slice-defaults.conf`)
    const s = await settings({ [sys]: perSlice, [usr]: perSlice })
    expect(s.get('system:system.slice')?.settings.ManagedOOMMemoryPressure).toMatchObject({ value: 'kill', source: sys })
    expect(s.get('system:system.slice')?.settings.ManagedOOMMemoryPressureLimit).toMatchObject({ value: '80%', source: sys })
    expect(s.get('system:user.slice')?.settings.ManagedOOMMemoryPressure.source).toBeNull()
    for (const slice of ['app.slice', 'background.slice', 'session.slice']) {
      expect(s.get(`user:${slice}`)?.settings.ManagedOOMMemoryPressureLimit).toMatchObject({ value: '80%', source: usr })
    }
  })

  it('a named drop-in overrides the top-level slice.d file of the same name; /etc beats /usr/lib', async () => {
    const generic = '/usr/lib/systemd/system/slice.d/10-oomd-per-slice-defaults.conf'
    const specific = '/usr/lib/systemd/system/user.slice.d/10-oomd-per-slice-defaults.conf'
    const admin = '/etc/systemd/system/system.slice.d/10-oomd-per-slice-defaults.conf'
    const s = await settings({
      [generic]: fixture(`${CUR}/10-oomd-per-slice-defaults.conf`),
      [specific]: '[Slice]\nManagedOOMMemoryPressure=auto\n',
      [admin]: '[Slice]\nManagedOOMMemoryPressureLimit=65.5%\nManagedOOMPreference=avoid\n'
    })
    expect(s.get('system:-.slice')?.settings.ManagedOOMMemoryPressure).toMatchObject({ value: 'kill', source: generic })
    const user = s.get('system:user.slice')
    expect(user?.dropIns).toEqual([specific])
    expect(user?.settings.ManagedOOMMemoryPressure).toMatchObject({ value: 'auto', source: specific })
    expect(user?.settings.ManagedOOMMemoryPressureLimit.source).toBeNull()
    const system = s.get('system:system.slice')
    expect(system?.dropIns).toEqual([admin])
    expect(system?.settings.ManagedOOMMemoryPressureLimit).toMatchObject({ value: '65.5%', source: admin })
    expect(system?.settings.ManagedOOMPreference).toMatchObject({ value: 'avoid', source: admin })
  })

  it('systemctl set-property drop-ins (system.control) win, later file names win, bad values are ignored', async () => {
    const control = '/etc/systemd/system.control/user.slice.d/50-ManagedOOMSwap.conf'
    const early = '/usr/lib/systemd/system/user.slice.d/90-z.conf'
    const s = await settings({
      [early]: '[Slice]\nManagedOOMSwap=bogus\nManagedOOMMemoryPressureLimit=200%\n',
      [control]: '# This is a drop-in unit file extension, created via "systemctl set-property"\n[Slice]\nManagedOOMSwap=kill\n'
    })
    const u = s.get('system:user.slice')
    expect(u?.dropIns).toEqual([control, early])
    expect(u?.settings.ManagedOOMSwap).toMatchObject({ value: 'kill', source: control })
    expect(u?.settings.ManagedOOMMemoryPressureLimit.source).toBeNull()
  })

  it('derives drop-in directories like systemd (template, dash prefixes, root slice)', () => {
    expect(dropInNames('user@1000.service')).toEqual(['user@1000.service', 'user@.service'])
    expect(dropInNames('user-1000.slice')).toEqual(['user-1000.slice', 'user-.slice'])
    expect(dropInNames('foo-bar-baz.service')).toEqual(['foo-bar-baz.service', 'foo-bar-.service', 'foo-.service'])
    expect(dropInNames('-.slice')).toEqual(['-.slice'])
  })

  const debianFile = '/usr/lib/systemd/system/-.slice.d/10-oomd-root-slice-defaults.conf'
  it.skipIf(!existsSync(debianFile))('reads the drop-ins Debian’s systemd-oomd package installed on this machine', async () => {
    const owner = execFileSync('dpkg', ['-S', debianFile], { encoding: 'utf8' })
    expect(owner).toMatch(/^systemd-oomd:/)
    const swap = /ManagedOOMSwap=(\S+)/.exec(readFileSync(debianFile, 'utf8'))?.[1]
    const live = new Map((await readUnitSettings(createRootFs('/'))).map((u) => [u.unit, u]))
    const root = live.get('-.slice')
    // No admin override expected on a test machine; if there is one, it must be what we report.
    if (root?.settings.ManagedOOMSwap.source === debianFile) expect(root.settings.ManagedOOMSwap.value).toBe(swap)
    expect(root?.dropIns).toContain(debianFile)
  })
})
