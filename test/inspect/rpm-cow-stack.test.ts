import { afterAll, describe, expect, it } from 'vitest'
import { fixture, inspectRoot, makeRoot } from './fixture-root'

const roots: Array<() => void> = []
afterAll(() => roots.forEach((c) => c()))
async function inspect(files: Record<string, string>) {
  const r = makeRoot({ '/etc/os-release': fixture('os-release/centos-stream-9'), ...files })
  roots.push(r.cleanup)
  return inspectRoot(r.root)
}

describe('RPM copy-on-write lines (fixture roots)', () => {
  it('dnf5 only: says the dnf4 plugin does nothing there', async () => {
    const { get, calls } = await inspect({ '/usr/bin/dnf5': '', '/etc/dnf/plugins/reflink.conf': '[main]\nenabled=1\n' })
    expect(calls).toEqual([])
    expect(get('rpm.cow.dnf')).toMatchObject({ status: 'warn', value: 'dnf is dnf5', details: { major: 5, dnf4Available: false } })
    expect(get('rpm.cow.dnf').remedy?.text).toMatch(/dnf5 does not load dnf4 plugins/)
    expect(get('rpm.cow.plugin')).toMatchObject({ status: 'ok', value: 'enabled=1' })
  })

  it('dnf4 with the plugin shipped off: each line tells its own state', async () => {
    const { get } = await inspect({
      '/usr/bin/dnf-3': '',
      '/usr/bin/dnf': '',
      '/etc/dnf/plugins/reflink.conf': '[main]\nenabled=0\n',
      '/usr/lib/sysimage/rpm/rpmdb.sqlite': ''
    })
    expect(get('rpm.cow.dnf')).toMatchObject({ status: 'ok', details: { major: 4 } })
    expect(get('rpm.cow.plugin')).toMatchObject({ status: 'warn', value: expect.stringContaining('enabled=0') })
    expect(get('rpm.cow.rpmdb')).toMatchObject({ status: 'ok', value: expect.stringContaining('/usr/lib/sysimage/rpm') })
    expect(get('rpm.cow.reflink')).toMatchObject({ status: 'unknown' })
  })
})
