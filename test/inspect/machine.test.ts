import { afterAll, describe, expect, it } from 'vitest'
import { fixture, inspectRoot, makeRoot } from './fixture-root'

const roots: Array<() => void> = []
afterAll(() => roots.forEach((c) => c()))
function root(files: Record<string, string>): string {
  const r = makeRoot(files)
  roots.push(r.cleanup)
  return r.root
}

const stream9 = {
  '/etc/os-release': fixture('os-release/centos-stream-9'),
  '/etc/yum.repos.d/centos.repo': fixture('yum.repos.d/centos-stream-9/centos.repo'),
  '/proc/sys/kernel/osrelease': '5.14.0-580.el9.x86_64\n',
  '/lib/modules/5.14.0-580.el9.x86_64/modules.dep': ''
}

async function machine(files: Record<string, string>) {
  const { get, calls } = await inspectRoot(root(files))
  return { check: get('system.machine'), calls }
}

describe('which machine this is (fixture roots, no program started)', () => {
  it('stock CentOS Stream: no Hyperscale repo, no Hyperscale build', async () => {
    const { check, calls } = await machine(stream9)
    expect(calls).toEqual([])
    expect(check).toMatchObject({ status: 'ok', details: { kind: 'stock-stream', hyperscaleRepos: [], hyperscaleBuilds: [] } })
    expect(check.value).toMatch(/^stock CentOS Stream 9/)
    expect(check.remedy?.command).toBe('hsc repos setup')
  })

  it('converted: ID=centos, but the Hyperscale repos are enabled and a Hyperscale kernel is on disk', async () => {
    const { check } = await machine({
      ...stream9,
      '/etc/yum.repos.d/hs.repo': fixture('yum.repos.d/hyperscale-el9/hs.repo'),
      '/lib/modules/6.10.9-0.hs1.hsx.el9.x86_64/modules.dep': ''
    })
    expect(check.details).toMatchObject({
      kind: 'converted',
      hyperscaleRepos: [
        { id: 'centos-hyperscale', enabled: true, flavour: 'main' },
        { id: 'centos-hyperscale-kernel', enabled: true, flavour: 'kernel' }
      ],
      hyperscaleBuilds: ['kernel 6.10.9-0.hs1.hsx.el9.x86_64']
    })
    expect(check.value).toMatch(/converted to Hyperscale: 2 Hyperscale repositories enabled .*1 Hyperscale build installed/)
    expect(check.evidence.map((e) => e.source)).toContain('/etc/yum.repos.d')
  })

  it('converted, seen from the running Hyperscale kernel alone (repos removed afterwards)', async () => {
    const { check } = await machine({ ...stream9, '/proc/sys/kernel/osrelease': '6.10.9-0.hs1.hsx.el9.x86_64\n' })
    expect(check.details).toMatchObject({ kind: 'converted', hyperscaleBuilds: ['kernel 6.10.9-0.hs1.hsx.el9.x86_64 (running)'] })
    expect(check.value).toContain('no Hyperscale repository enabled')
  })

  it('Hyperscale spin: VARIANT_ID in os-release', async () => {
    const { check } = await machine({
      ...stream9,
      '/etc/os-release': fixture('os-release/centos-stream-9-hyperscale-spin'),
      '/etc/yum.repos.d/hs.repo': fixture('yum.repos.d/hyperscale-el9/hs.repo')
    })
    expect(check).toMatchObject({ status: 'ok', details: { kind: 'hyperscale-spin', variantId: 'hyperscale' } })
    expect(check.value).toMatch(/^Hyperscale spin \(Hyperscale\) on CentOS Stream 9/)
  })

  it('another distribution is none of the three, and says so', async () => {
    const { check } = await machine({ ...stream9, '/etc/os-release': fixture('os-release/rocky-9') })
    expect(check).toMatchObject({ status: 'unknown', details: { kind: 'other' } })
    expect(check.value).toContain('not CentOS Stream')
  })
})
