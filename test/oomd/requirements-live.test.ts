import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand } from '../../src/main/services/system/command'
import { checkRequirements } from '../../src/main/services/oomd/requirements'
import { oomdStatus } from '../../src/main/services/oomd/status'
import { enableOomd } from '../../src/main/services/oomd/toggle'
import { modeFromMountinfo } from '../../src/main/services/oomd/cgroup-mode'
import { fixture } from './tree'

/** Independent of the service: coreutils' statfs name for a path. */
function statfsName(p: string): string {
  const r = spawnSync('stat', ['-f', '-c', '%T', p], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : 'missing'
}

const top = statfsName('/sys/fs/cgroup')
const expectedMode =
  top === 'cgroup2fs' ? 'unified' : top === 'tmpfs' && statfsName('/sys/fs/cgroup/unified') === 'cgroup2fs' ? 'hybrid' : top === 'tmpfs' ? 'legacy' : 'unknown'

describe('oomd requirements on this machine', () => {
  const live = createRootFs('/')

  it(`cgroup hierarchy agrees with stat -f (/sys/fs/cgroup is ${top}, so ${expectedMode})`, async () => {
    const req = (await checkRequirements(live)).find((r) => r.id === 'unified-cgroup')
    expect(req?.value).toBe(expectedMode)
    expect(req?.status).toBe(expectedMode === 'unified' ? 'ok' : expectedMode === 'unknown' ? 'unknown' : 'fail')
    if (expectedMode === 'hybrid') {
      expect(req?.reason).toMatch(/hybrid/)
      expect(req?.remedy?.command).toMatch(
        /^grubby --update-kernel=ALL --(args=systemd\.unified_cgroup_hierarchy=1|remove-args=systemd\.unified_cgroup_hierarchy)$/
      )
    }
  })

  it('memory controller agrees with the cgroup2 cgroup.controllers file', async () => {
    const req = (await checkRequirements(live)).find((r) => r.id === 'memory-controller')
    const file =
      expectedMode === 'unified' ? '/sys/fs/cgroup/cgroup.controllers' : expectedMode === 'hybrid' ? '/sys/fs/cgroup/unified/cgroup.controllers' : null
    const has = file ? readFileSync(file, 'utf8').split(/\s+/).includes('memory') : false
    expect(req?.status).toBe(has ? 'ok' : 'fail')
  })

  it('PSI agrees with actually reading the pressure files (cat)', async () => {
    const req = (await checkRequirements(live)).find((r) => r.id === 'psi')
    const readable = ['memory', 'cpu', 'io'].every((f) => {
      const r = spawnSync('cat', [`/proc/pressure/${f}`], { encoding: 'utf8' })
      return r.status === 0 && r.stdout.startsWith('some ')
    })
    expect(req?.status).toBe(readable ? 'ok' : 'fail')
  })

  it('swap agrees with swapon --show', async () => {
    const req = (await checkRequirements(live)).find((r) => r.id === 'swap')
    const r = spawnSync('swapon', ['--show', '--noheadings'], { encoding: 'utf8' })
    const devices = r.stdout.trim() ? r.stdout.trim().split('\n').length : 0
    expect(req?.status).toBe(devices > 0 ? 'ok' : 'warn')
    expect(req?.hard).toBe(false)
  })

  it.skipIf(expectedMode === 'unified')('reports that systemd-oomd cannot run, says why, and refuses to enable without touching D-Bus', async () => {
    let connects = 0
    const connect = () => {
      connects++
      return Promise.reject(new Error('no bus expected'))
    }
    const status = await oomdStatus({ fs: live, run: runCommand, connect })
    expect(status.canRun).toBe(false)
    expect(status.blockers.join(' ')).toMatch(/Unified cgroup hierarchy/)
    const before = connects
    const err = await enableOomd({ fs: live, run: runCommand, connect }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).name).toBe('RequirementsNotMet')
    expect((err as AppError).message).toMatch(/cannot run on this system.*Unified cgroup hierarchy/)
    expect((err as AppError).hint).toMatch(/grubby/)
    expect(connects).toBe(before)
  })
})

describe('cgroup mode from a captured mountinfo (offline roots)', () => {
  it('a Fedora btrfs mountinfo excerpt without cgroup lines is "unknown", not a guess', () => {
    expect(modeFromMountinfo(fixture('../proc/mountinfo-fedora-btrfs-excerpt')).mode).toBe('unknown')
  })
  it('this machine’s own mountinfo gives the same answer as statfs', () => {
    expect(modeFromMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).mode).toBe(expectedMode)
  })
})
