import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand } from '../../src/main/services/system/command'
import { readOomdState } from '../../src/main/services/oomd/state'
import { disableOomd, enableOomd } from '../../src/main/services/oomd/toggle'
import { checkRequirements } from '../../src/main/services/oomd/requirements'
import { makeTree } from './tree'
import { systemctlIsEnabled, systemctlIsEnabledAll } from '../../src/main/services/systemd/systemctl'
import type { CommandRunner } from '../../src/main/services/system/command'

/** Where Debian's systemd-oomd package put its unit files (dpkg -L), if installed. */
function debianUnitFiles(): string[] {
  const r = spawnSync('dpkg', ['-L', 'systemd-oomd'], { encoding: 'utf8' })
  if (r.status !== 0) return []
  return r.stdout.split('\n').filter((l) => /\/systemd\/system\/systemd-oomd\.(service|socket)$/.test(l) && existsSync(l))
}

const units = debianUnitFiles()
const hasSystemctl = spawnSync('systemctl', ['--version']).status === 0
const why = !hasSystemctl ? 'systemctl is not installed' : 'Debian package systemd-oomd is not installed (apt-get install systemd-oomd)'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.()
})

function tree(): string {
  const t = makeTree({})
  cleanups.push(t.cleanup)
  const dir = path.join(t.root, 'usr/lib/systemd/system')
  mkdirSync(dir, { recursive: true })
  for (const u of units) copyFileSync(u, path.join(dir, path.basename(u)))
  return t.root
}

function isEnabled(root: string, unit: string): { code: number; out: string } {
  const r = spawnSync('systemctl', [`--root=${root}`, 'is-enabled', unit], { encoding: 'utf8' })
  return { code: r.status ?? -1, out: r.stdout.trim() }
}

const noBus = () => Promise.reject(new Error('an offline root never needs the bus'))

describe.skipIf(units.length !== 2 || !hasSystemctl)(
  `unit-file enablement with the real systemctl --root (${units.length === 2 ? 'Debian unit files' : why})`,
  () => {
    it('enable creates the [Install] symlinks, and the service reads them back as enabled', async () => {
      const root = tree()
      const fs = createRootFs(root)
      const before = await readOomdState({ fs, run: runCommand, connect: noBus })
      expect(before.source).toBe('offline-root')
      expect(before.service.unitFileState).toBe(isEnabled(root, 'systemd-oomd.service').out)
      expect(before.enabled).toBe(false)

      const r = await enableOomd({ fs, run: runCommand, connect: noBus })
      expect(r.steps).toEqual([`systemctl --root=${root} enable systemd-oomd.socket systemd-oomd.service`])
      // Independent evidence: the symlinks WantedBy=/Alias= ask for, pointing at the unit files.
      const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants/systemd-oomd.service')
      const sock = path.join(root, 'etc/systemd/system/sockets.target.wants/systemd-oomd.socket')
      expect(lstatSync(wants).isSymbolicLink()).toBe(true)
      expect(readlinkSync(wants)).toBe('/usr/lib/systemd/system/systemd-oomd.service')
      expect(readlinkSync(sock)).toBe('/usr/lib/systemd/system/systemd-oomd.socket')
      expect(isEnabled(root, 'systemd-oomd.service')).toEqual({ code: 0, out: 'enabled' })
      expect(r.state).toMatchObject({ source: 'offline-root', enabled: true, service: { unitFileState: 'enabled' }, socket: { unitFileState: 'enabled' } })

      const d = await disableOomd({ fs, run: runCommand, connect: noBus })
      expect(existsSync(wants)).toBe(false)
      expect(existsSync(sock)).toBe(false)
      const after = isEnabled(root, 'systemd-oomd.service')
      expect(after.code).not.toBe(0)
      expect(d.state.service.unitFileState).toBe(after.out)
      expect(d.state.enabled).toBe(false)
    })

    it('a unit enabled or masked by systemctl directly is read the same way', async () => {
      const root = tree()
      const fs = createRootFs(root)
      execFileSync('systemctl', [`--root=${root}`, 'enable', 'systemd-oomd.socket'], { stdio: 'ignore' })
      let st = await readOomdState({ fs, run: runCommand, connect: noBus })
      expect(st.socket.unitFileState).toBe('enabled')
      expect(st.service.unitFileState).toBe('disabled')
      expect(st.enabled).toBe(false)

      execFileSync('systemctl', [`--root=${root}`, 'mask', 'systemd-oomd.service'], { stdio: 'ignore' })
      st = await readOomdState({ fs, run: runCommand, connect: noBus })
      expect(st.service.unitFileState).toBe(isEnabled(root, 'systemd-oomd.service').out)
      expect(st.service.unitFileState).toBe('masked')
      const installed = (await checkRequirements(fs)).find((r) => r.id === 'installed')
      expect(installed?.status).toBe('fail')
      const err = await enableOomd({ fs, run: runCommand, connect: noBus }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AppError)
      expect((err as AppError).name).toBe('RequirementsNotMet')
      expect((err as AppError).message).toMatch(/masked/)
    })

    it('an empty root has no systemd-oomd: not-found, and enabling is refused', async () => {
      const t = makeTree({ '/etc/os-release': 'ID=centos\n' })
      cleanups.push(t.cleanup)
      const fs = createRootFs(t.root)
      const st = await readOomdState({ fs, run: runCommand, connect: noBus })
      expect(st.service.unitFileState).toBe('not-found')
      const err = await enableOomd({ fs, run: runCommand, connect: noBus }).catch((e: unknown) => e)
      expect((err as AppError).name).toBe('RequirementsNotMet')
      expect((err as AppError).message).toMatch(/systemd-oomd installed/)
    })

    it('several units in one systemctl call give the same answers as one call each, a missing unit included', async () => {
      const root = tree()
      execFileSync('systemctl', [`--root=${root}`, 'enable', 'systemd-oomd.socket'], { stdio: 'ignore' })
      const calls: string[][] = []
      const run: CommandRunner = (argv, opts) => {
        calls.push([...argv])
        return runCommand(argv, opts)
      }
      const both = ['systemd-oomd.service', 'systemd-oomd.socket']
      const one = await systemctlIsEnabledAll(run, both, root)
      expect(calls).toHaveLength(1)
      expect(one).toEqual(await Promise.all(both.map((u) => systemctlIsEnabled(runCommand, u, root))))
      expect(one.map((r) => r.state)).toEqual([isEnabled(root, both[0]).out, 'enabled'])

      // A missing unit prints nothing on stdout: the answer is asked again unit by unit, so nothing shifts.
      calls.length = 0
      const withMissing = ['no-such.service', 'systemd-oomd.socket']
      const mixed = await systemctlIsEnabledAll(run, withMissing, root)
      expect(calls.length).toBe(3)
      expect(mixed).toEqual([{ state: 'not-found' }, { state: 'enabled' }])
    })
  }
)
