/**
 * The VM tier: one QEMU guest (TCG) with real systemd 252 as PID 1 on the unified cgroup
 * hierarchy, real systemd-oomd, polkit, udisks2 and three real usb-storage sticks. The guest
 * image is built from Debian packages (scripts/vm/build-guest.sh) and cached by a hash of
 * its inputs; this commit's app and test/vm/guest/checks.mjs ride in on a second disk. The
 * guest runs every check once and reports raw observations over ttyS1; the assertions are
 * here. Replaces the stand-ins of the host tiers: the systemd1 stand-in (oomd toggle), loop
 * devices with HSC_TEST_ALLOW_LOOP (drives), and restore on a kernel without GPT parsing.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../support/paths'
import { buildAppImage, ensureGuestImage, vmSkipReason } from './support/image'
import { runGuest, type GuestRun } from './support/run'

const skip = vmSkipReason()
if (skip) console.warn(`VM tier skipped: ${skip}`)

// Guest observations are JSON from another machine, checked field by field below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- probed field by field in each test
type Obs = any

describe.skipIf(Boolean(skip))(`guest with systemd as PID 1 and USB sticks (QEMU)${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let run: GuestRun
  let work: string
  const timing: Record<string, number | boolean | null> = {}
  const logDir = path.join(PROJECT_ROOT, 'test-results/vm')

  beforeAll(async () => {
    const t0 = Date.now()
    fs.mkdirSync(logDir, { recursive: true })
    const image = ensureGuestImage((text) => fs.writeFileSync(path.join(logDir, 'build-guest.log'), text))
    timing.imageCached = image.cached
    timing.imageBuildSeconds = image.seconds
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hsc-vm-'))
    const t1 = Date.now()
    const app = buildAppImage(work)
    timing.appImageSeconds = (Date.now() - t1) / 1000
    // A safety net, not the budget: the tier takes 4-11 min on 2 shared cores.
    run = await runGuest(image.dir, app, work, 25 * 60_000)
    timing.bootSeconds = run.bootSeconds
    timing.guestSeconds = run.seconds
    timing.tierSeconds = (Date.now() - t0) / 1000
    fs.writeFileSync(path.join(logDir, 'console.log'), run.console)
    fs.writeFileSync(path.join(logDir, 'results.jsonl'), run.lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
    fs.writeFileSync(path.join(logDir, 'timing.json'), JSON.stringify(timing, null, 2) + '\n')
    console.log(`VM tier: ${JSON.stringify(timing)}`)
  }, 45 * 60_000)

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  /** One check's observations; a check that threw in the guest fails here with its stack. */
  const result = (id: string): Obs => {
    const line = run.results.get(id)
    const fatal = run.lines.find((l) => l.type === 'fatal')
    if (!line)
      throw new Error(
        `the guest sent no result for ${id}${fatal ? `; guest failed: ${fatal.error}` : ''}${run.timedOut ? ' (QEMU was killed at the deadline)' : ''}; see test-results/vm/console.log`
      )
    if (line.error) throw new Error(`guest check ${id} threw: ${line.error}`)
    return line.data
  }

  it('boots to real systemd as PID 1 on the Debian 6.1 kernel and powers itself off', () => {
    const boot = result('boot')
    expect(boot.pid1).toBe('systemd')
    expect(boot.kernel).toMatch(/^6\.1\./)
    expect(run.timedOut).toBe(false)
    expect(run.lines.some((l) => l.type === 'done')).toBe(true)
  })

  describe('inspector on real systemd with unified cgroups and PSI', () => {
    const check = (id: string): Obs => {
      const c = result('inspect').checks?.find((x: Obs) => x.id === id)
      if (!c) throw new Error(`inspect --json has no check ${id}`)
      return c
    }

    it('reports the unified hierarchy as the guest statfs says (cgroup2fs)', () => {
      const { tools } = result('inspect')
      expect(tools.statfsCgroup).toBe('cgroup2fs')
      expect(check('cgroup.mode')).toMatchObject({ status: 'ok', details: { mode: 'unified' } })
      const controllers = check('cgroup.controllers')
      expect(controllers.status).toBe('ok')
      expect([...controllers.details.v2Controllers].sort()).toEqual(tools.controllers.split(/\s+/).sort())
    })

    it('reads PSI with the numbers /proc/pressure holds', () => {
      const { tools } = result('inspect')
      expect(check('psi.state').status).toBe('ok')
      const psi = check('psi.pressure')
      expect(psi.status).toBe('ok')
      for (const res of ['cpu', 'memory', 'io']) {
        // Totals only grow: the inspector read the file before the guest's own read.
        const total = Number(/^some .*total=(\d+)$/m.exec(tools.pressure[res])?.[1])
        expect(Number.isInteger(total)).toBe(true)
        expect(psi.details.pressure[res].some.total).toBeLessThanOrEqual(total)
      }
      // Booting a TCG guest always waits for the CPU.
      expect(psi.details.pressure.cpu.some.total).toBeGreaterThan(0)
    })

    it('names the systemd version systemctl --version prints, and the swap /proc/swaps lists', () => {
      const { tools } = result('inspect')
      const sd = check('systemd.version')
      expect(sd.status).toBe('ok')
      expect(tools.systemctlVersion).toContain(`systemd ${sd.details.major} (${sd.details.full})`)
      const swap = check('swap')
      expect(swap.status).toBe('ok')
      expect(swap.details.devices.map((d: Obs) => d.filename)).toEqual(['/swapfile'])
      expect(tools.swaps).toContain('/swapfile')
    })
  })

  describe('systemd-oomd on real systemd', () => {
    it('oomd status: requirements met on the unified hierarchy, read over D-Bus', () => {
      const r = result('oomd.status')
      expect(r.code, r.stderr).toBe(0)
      expect(r.status.canRun).toBe(true)
      expect(r.status.blockers).toEqual([])
      // Read over D-Bus; a guest too slow to answer the bus within the app's 3 s connect timeout
      // falls back to `systemctl show`, which must say the same.
      expect(['dbus', 'systemctl']).toContain(r.status.state.source)
      const hard = r.status.requirements.filter((q: Obs) => q.hard)
      expect(hard.length).toBeGreaterThan(2)
      for (const q of hard) expect(q.status, `${q.title}: ${q.value}`).toBe('ok')
      expect(r.status.state.active).toBe(r.unit.active === 'active')
    })

    it('an unprivileged user allowed by a polkit rule disables and enables it through systemd1', () => {
      const r = result('oomd.toggle.allowed')
      expect(Number(r.uid)).toBeGreaterThanOrEqual(1000)
      expect(r.disable.code, r.disable.stderr).toBe(0)
      expect(r.afterDisable).toEqual({ active: 'inactive', enabled: 'disabled' })
      expect(r.disable.out.state.active).toBe(false)
      expect(r.enable.code, r.enable.stderr).toBe(0)
      expect(r.afterEnable).toEqual({ active: 'active', enabled: 'enabled' })
      expect(r.enable.out.state).toMatchObject({ active: true, enabled: true, source: 'dbus' })
    })

    it('a polkit rule that denies gives "authorization declined" and changes nothing', () => {
      const r = result('oomd.toggle.denied')
      expect(r.timedOut).toBe(false)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/Authorization declined: not allowed to stop systemd-oomd/)
      expect(r.stdout).toBe('')
      expect(r.after).toEqual({ active: 'active', enabled: 'enabled' })
    })

    it('thresholds: the drop-in is written and oomctl shows the new values, then the previous ones again', () => {
      const r = result('oomd.thresholds')
      expect(r.set.code, r.set.stderr).toBe(0)
      expect(r.set.out.restart).toBe('restarted')
      expect(r.dropIn).toMatch(/^\[OOM\]$/m)
      expect(r.dropIn).toMatch(/^SwapUsedLimit=75%$/m)
      expect(r.oomctlAfterSet).toMatch(/^Swap Used Limit: 75\.00%$/m)
      expect(r.oomctlAfterSet).toMatch(/^Default Memory Pressure Limit: 55\.00%$/m)
      expect(r.oomctlAfterSet).toMatch(/^Default Memory Pressure Duration: 45s$/m)
      expect(r.reset.code, r.reset.stderr).toBe(0)
      expect(r.dropInAfterReset).toBe(false)
      // Back to what the other files say (Debian's systemd-oomd ships a 20s duration drop-in);
      // the app's effective values and the running daemon's agree.
      const eff = r.reset.out.config.settings
      expect(r.oomctlAfterReset).toMatch(/^Swap Used Limit: 90\.00%$/m)
      expect(eff.SwapUsedLimit.value).toBe('90%')
      expect(r.oomctlAfterReset).toMatch(/^Default Memory Pressure Limit: 60\.00%$/m)
      expect(eff.DefaultMemoryPressureLimit.value).toBe('60%')
      expect(r.oomctlAfterReset).toContain(`Default Memory Pressure Duration: ${eff.DefaultMemoryPressureDurationSec.value}\n`)
    })
  })

  describe('polkit without an authentication agent', () => {
    it('an unprivileged user without an agent gets a clear "no authentication agent" error, not a hang', () => {
      const r = result('polkit.no-agent')
      expect(r.timedOut).toBe(false)
      expect(r.ms).toBeLessThan(60_000)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/no authentication agent/i)
      expect(r.after).toEqual({ active: 'active', enabled: 'enabled' })
    })
  })

  describe('USB sticks through real UDisks2', () => {
    const sticks = (): Obs[] => result('drives.list').drives.filter((d: Obs) => /^HSCSTICK/.test(d.serial))

    it('offers the three USB sticks without the loop test switch', () => {
      const r = result('drives.list')
      expect(r.env.HSC_TEST_ALLOW_LOOP).toBeNull()
      expect(r.loopDevicesAllowed).toBe(false)
      expect(sticks()).toHaveLength(3)
      for (const d of sticks())
        expect(d).toMatchObject({ bus: 'usb', removable: true, ejectable: true, canPowerOff: true, offered: true, loop: false, reasons: [] })
      expect(
        r.lsblk.blockdevices
          .filter((b: Obs) => b.tran === 'usb')
          .map((b: Obs) => `/dev/${b.name}`)
          .sort()
      ).toEqual(
        sticks()
          .map((d) => d.device)
          .sort()
      )
    })

    it('never offers the virtio system disk and names it as the system disk in drives list --all', () => {
      const r = result('drives.list')
      expect(r.rootSource).toBe('/dev/vda')
      const vda = r.drives.find((d: Obs) => d.device === '/dev/vda')
      expect(vda).toBeDefined()
      expect(vda.offered).toBe(false)
      expect(vda.reasons[0]).toMatch(/^holds the running system \(\/[,)]/)
      expect(r.allText).toMatch(/\/dev\/vda\b.*not offered/)
      expect(r.allText).toMatch(/\/dev\/vda: holds the running system/)
      expect(r.drives.filter((d: Obs) => d.offered).every((d: Obs) => d.bus === 'usb')).toBe(true)
    })

    it('restore makes GPT + exFAT that the guest kernel and blkid read back', () => {
      const r = result('drives.restore.exfat')
      expect(r.code, r.stderr).toBe(0)
      expect(r.out).toMatchObject({ fsType: 'exfat', label: 'HSC_EXFAT' })
      expect(r.disk.PTTYPE).toBe('gpt')
      expect(r.partition).toMatchObject({ TYPE: 'exfat', LABEL: 'HSC_EXFAT', PART_ENTRY_SCHEME: 'gpt' })
      expect(r.kernelPartitions).toEqual([`${r.device.replace('/dev/', '')}1`])
      expect(r.mount).toMatchObject({ code: 0, fstype: 'exfat', source: `${r.device}1` })
    })

    it('restore falls back to FAT32 without mkfs.exfat, and the kernel mounts it', () => {
      const r = result('drives.restore.vfat')
      expect(r.code, r.stderr).toBe(0)
      expect(r.out).toMatchObject({ fsType: 'vfat', label: 'HSCFAT' })
      expect(r.disk.PTTYPE).toBe('gpt')
      expect(r.partition).toMatchObject({ TYPE: 'vfat', VERSION: 'FAT32', LABEL: 'HSCFAT', PART_ENTRY_SCHEME: 'gpt' })
      expect(r.mount).toMatchObject({ code: 0, fstype: 'vfat', source: `${r.device}1` })
    })

    it('writes and verifies by reading back; the guest reads the same bytes from the stick', () => {
      const r = result('drives.write.verify')
      expect(r.code, r.stderr).toBe(0)
      const t = r.job.targets[0]
      expect(t).toMatchObject({ device: r.device, stage: 'done', verified: true, readBackSha256: r.imageSha256 })
      expect(r.job.sha256).toBe(r.imageSha256)
      expect(r.readBack.sha256).toBe(r.imageSha256)
    })

    it('customise persist: UDisks2 adds the labelled ext4 partition after the written image, which stays intact', () => {
      const r = result('customise.persist')
      expect(r.writeCode, r.writeStderr).toBe(0)
      expect(r.code, r.stderr).toBe(0)
      const MiB = 1024 * 1024
      expect(r.result).toEqual({ device: r.device, label: 'hsc-persist', offset: 20 * MiB, size: 32 * MiB })
      const parts = r.lsblk.blockdevices[0].children
      const p = parts.find((c: Obs) => c.label === 'hsc-persist')
      expect(p).toMatchObject({ fstype: 'ext4', start: (20 * MiB) / 512, size: 32 * MiB })
      // Only the second MBR partition entry (bytes 462-477) changed; the image is intact.
      expect(r.imageDiff.length).toBeGreaterThan(0)
      expect(r.imageDiff.filter((i: number) => i < 462 || i > 477)).toEqual([])
    })

    it('eject through UDisks2 after a verified write leaves the stick without a medium', () => {
      const r = result('drives.write.eject')
      expect(r.code, r.stderr).toBe(0)
      expect(r.job.targets[0]).toMatchObject({ stage: 'done', verified: true, ejected: true })
      expect(r.job.targets[0].note).toBeUndefined()
      // The drive stays (an empty card reader would too); its medium is gone and it is not offered.
      expect(r.after).toEqual([expect.objectContaining({ serial: 'HSCSTICKA', mediaAvailable: false, offered: false, reasons: ['no medium'] })])
    })

    it('power-off through UDisks2 after a verified write removes the Drive object', () => {
      const r = result('drives.write.poweroff')
      expect(r.code, r.stderr).toBe(0)
      expect(r.job.targets[0]).toMatchObject({ stage: 'done', verified: true, ejected: true })
      const stickB = (paths: string[]): string[] => paths.filter((p) => p.includes('HSCSTICKB'))
      expect(stickB(r.drivePathsBefore)).toHaveLength(1)
      expect(stickB(r.drivePathsAfter)).toEqual([])
      expect(r.serialsAfter).not.toContain('HSCSTICKB')
      expect(r.blockGone).toBe(true)
    })

    it('a stick pulled out mid-write (QMP device_del) fails with stage and offset, never success', () => {
      const r = result('drives.hot-remove')
      expect(r.asked).toBe(true)
      expect(r.writtenWhenAsked).toBeGreaterThan(0)
      expect(run.actions.map((a) => a.reply)).toEqual([{ return: {} }])
      expect(r.timedOut).toBe(false)
      expect(r.code).toBe(1)
      const t = r.job.targets[0]
      expect(t.stage).toBe('failed')
      expect(t.verified).not.toBe(true)
      expect(t.error.stage).toMatch(/^(write|sync)$/)
      expect(t.error.offset).toBeGreaterThan(0)
      // How the kernel reports a pulled stick varies (ENODEV, EIO, ENOSPC on a shrunk device); the
      // job waits briefly for UDisks2 to say it is gone, so the words name a removal either way.
      expect(t.error.message).toMatch(new RegExp(`${r.device}.*(went away|I/O error|was removed).*${t.error.stage}`))
      expect(t.error.message).not.toMatch(/smaller than it claims/)
      expect(r.job.stage).toBe('failed')
      expect(r.blockGone).toBe(true)
      expect(r.drivePaths.filter((p: string) => p.includes('HSCSTICKC'))).toEqual([])
    })
  })
})
