import { execFileSync, spawnSync } from 'node:child_process'
import { openSync, closeSync, writeSync, rmSync, statSync, truncateSync, writeFileSync, readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DrivesService, type DrivesServiceOptions } from '../../src/main/services/drives/service'
import type { WriteEvent } from '../../src/main/services/drives/pipeline'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { imageDigests } from '../../src/main/services/system/image-digests'
import type { WriteJob } from '../../src/shared/contract/drives'
import { cmpPrefix, flipBits, loopDelete, loopSetup, makeIso, msUntilDigestKept, readHead, sha256File, sleepSync, tmpDir, udisksSkipReason } from './support'

const skip = await udisksSkipReason()
const MiB = 1024 * 1024
const loops: string[] = []
const mounts: string[] = []
const dirs: string[] = []
const services: DrivesService[] = []
let dir = ''
let iso = ''
let isoSha = ''
let restored: { dev: string; partition: string } | undefined
/** Kernels without a GPT parser (CONFIG_EFI_PARTITION unset, like this VM's) make no partition devices. */
const kernelGpt = (() => {
  const r = spawnSync('sh', ['-c', 'zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r) 2>/dev/null'], { encoding: 'utf8' })
  return !r.stdout || /^CONFIG_EFI_PARTITION=y/m.test(r.stdout)
})()

function service(extra: Partial<DrivesServiceOptions> = {}, allowLoop = true): DrivesService {
  const s = new DrivesService({ fs: createRootFs('/'), env: process.env, allowLoop, idleMs: 0, ...extra })
  services.push(s)
  return s
}

function newLoop(name: string, bytes: number): string {
  const dev = loopSetup(path.join(dir, name), bytes)
  loops.push(dev)
  return dev
}

type Req = Omit<Parameters<DrivesService['write']>[0], 'targets'> & { targets: Array<{ device: string; token?: string }> }

/** What a user does: list the drives, confirm them, and write with the tokens of that list. */
async function confirmed(s: DrivesService, req: Req): Promise<Parameters<DrivesService['write']>[0]> {
  const list = await s.list()
  return {
    ...req,
    targets: req.targets.map((t) => ({ device: t.device, token: t.token ?? list.drives.find((d) => d.device === t.device)?.token ?? 'not-listed' }))
  }
}

async function tokenOf(s: DrivesService, dev: string): Promise<string> {
  return (await s.list()).drives.find((d) => d.device === dev)?.token ?? 'not-listed'
}

async function run(s: DrivesService, req: Req): Promise<WriteJob> {
  const started = await s.write(await confirmed(s, req))
  return s.wait(started.jobId)
}

beforeAll(() => {
  if (skip) return
  dir = tmpDir('hsc-write-')
  dirs.push(dir)
  iso = makeIso(dir, 24)
  isoSha = sha256File(iso)
})

afterAll(async () => {
  for (const s of services) await s.close()
  for (const l of loops) loopDelete(l)
  for (const m of mounts) spawnSync('umount', ['-l', m])
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/**
 * The two ways image bytes reach a drive: through buffers, when they are hashed while written
 * (a read-back needs the image's SHA-256), and without a buffer (splice) when nothing is hashed.
 */
const WRITE_PATHS = [
  { name: 'hashed while written, through buffers', verify: true, zeroCopy: false },
  { name: 'nothing hashed, spliced without a buffer', verify: false, zeroCopy: true }
] as const

/**
 * An onWrite observer of completed data writes: `copies` records whether each was spliced,
 * and `each` is called with how many have completed.
 */
function dataWrites(each: (n: number) => void): { copies: Set<boolean | undefined>; onWrite: (ev: WriteEvent) => void } {
  const copies = new Set<boolean | undefined>()
  let n = 0
  return {
    copies,
    onWrite: (ev) => {
      if (ev.kind !== 'data' || ev.phase !== 'done') return
      copies.add(ev.zeroCopy)
      each(++n)
    }
  }
}

describe.skipIf(skip)(`writing through UDisks2 OpenDevice (real udisksd, loop devices)${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('hides loop devices without the test switch, offers them with it; / is never offered', async () => {
    const dev = newLoop('list.img', 64 * MiB)
    const off = await service({}, false).list()
    expect(off.loopDevicesAllowed).toBe(false)
    expect(off.drives.map((d) => d.device)).not.toContain(dev)
    const on = await service().list()
    const loop = on.drives.find((d) => d.device === dev)
    expect(loop?.offered).toBe(true)
    expect(loop?.size).toBe(64 * MiB)
    // Whatever holds / on this machine (vda here) is listed only as not offered.
    const rootSource = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[4] === '/')
    const rootDev = rootSource?.[rootSource.indexOf('-') + 2]
    for (const d of on.drives.filter((x) => x.device === rootDev || x.partitions.some((p) => p.device === rootDev))) {
      expect(d.offered).toBe(false)
      expect(d.reasons.join(' ')).toMatch(/holds the running system/)
    }
    expect(on.drives.filter((d) => d.offered).every((d) => !d.mountPoints.includes('/'))).toBe(true)
  })

  it('reports drives added and removed live (UDisks2 signals, debounced re-list)', async () => {
    const s = service()
    const lists: string[][] = []
    let stop: () => void = () => undefined
    // Change nothing before the signal subscription is in place.
    await new Promise<void>((watching) => (stop = s.watch((l) => lists.push(l.drives.map((d) => d.device)), undefined, watching)))
    // Up to 15 s each: on a loaded host udisksd took over 5 s to probe a new loop device once.
    const until = async (ok: () => boolean): Promise<void> => {
      for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 50))
    }
    const dev = loopSetup(path.join(dir, 'hotplug.img'), 32 * MiB)
    await until(() => lists.some((l) => l.includes(dev)))
    expect(lists.some((l) => l.includes(dev))).toBe(true)
    loopDelete(dev)
    await until(() => (lists.at(-1) ?? []).every((d) => d !== dev))
    stop()
    expect(lists.at(-1)).not.toContain(dev)
  })

  it('writes an ISO byte-identically, first MiB last, verified against the written hash and the expected one', async () => {
    const dev = newLoop('a.img', 64 * MiB)
    const events: Array<WriteEvent & { device: string }> = []
    const progress: WriteJob[] = []
    const s = service({ onWrite: (ev) => events.push(ev), onProgress: (j) => progress.push(j) })
    const job = await run(s, { image: iso, targets: [{ device: dev }], verify: true, expectedSha256: isoSha, allowUnverified: false, after: 'none' })

    expect(job.stage).toBe('done')
    expect(job.targets[0].verified).toBe(true)
    expect(job.sha256).toBe(isoSha)
    expect(job.targets[0].readBackSha256).toBe(isoSha)
    const size = statSync(iso).size
    expect(cmpPrefix(iso, dev, size)).toEqual({ same: true, output: '' })

    const mine = events.filter((e) => e.device === dev)
    // Zeroed first, then data from 1 MiB on, then the head at 0 as the very last write.
    expect(mine[0]).toMatchObject({ kind: 'wipe', offset: 0, phase: 'start' })
    const last = mine[mine.length - 1]
    expect(last).toMatchObject({ kind: 'head', offset: 0, phase: 'done' })
    const headStart = mine.findIndex((e) => e.kind === 'head' && e.phase === 'start')
    const data = mine.filter((e) => e.kind === 'data')
    expect(data.length).toBeGreaterThan(4)
    expect(data.every((e) => e.offset >= MiB)).toBe(true)
    expect(mine.slice(headStart + 1).every((e) => e.kind === 'head')).toBe(true)
    expect(mine.slice(0, headStart).filter((e) => e.phase === 'done' && e.kind === 'data').length).toBe(data.length / 2)

    // Progress went through the stages in order and the ETA/speed fields were filled.
    const stages = [...new Set(progress.map((p) => p.targets[0].stage))]
    expect(stages).toEqual((['queued', 'unmount', 'open', 'write', 'sync', 'verify', 'done'] as const).filter((st) => stages.includes(st)))
    expect(stages).toEqual(expect.arrayContaining(['unmount', 'open', 'write', 'sync', 'verify', 'done']))
  })

  it('pads an image whose size is not a multiple of the block size and verifies only its bytes', async () => {
    const odd = path.join(dir, 'odd.img')
    writeFileSync(odd, randomBytes(5 * MiB + 1234))
    const dev = newLoop('odd-target.img', 16 * MiB)
    // Garbage after the image's end must not disturb verification (only image bytes are hashed).
    execFileSync('dd', ['if=/dev/urandom', `of=${dev}`, 'bs=1M', 'count=16', 'oflag=direct', 'status=none'])
    const job = await run(service(), { image: odd, targets: [{ device: dev }], verify: true, allowUnverified: true, after: 'none' })
    expect(job.stage).toBe('done')
    expect(job.targets[0].verified).toBe(true)
    expect(cmpPrefix(odd, dev, 5 * MiB + 1234).same).toBe(true)
    // The padding to the 512-byte block is zeros.
    const tail = readHead(dev, 6 * MiB).subarray(5 * MiB + 1234, 5 * MiB + 1536)
    expect(tail.every((b) => b === 0)).toBe(true)
  })

  it('without a read-back or hash, the data goes from the image file to the drive without a buffer: same bytes, first MiB last', async () => {
    const odd = path.join(dir, 'odd-spliced.img')
    writeFileSync(odd, randomBytes(9 * MiB + 4096 + 777))
    const dev = newLoop('odd-spliced-target.img', 16 * MiB)
    execFileSync('dd', ['if=/dev/urandom', `of=${dev}`, 'bs=1M', 'count=16', 'oflag=direct', 'status=none'])
    const events: Array<WriteEvent & { device: string }> = []
    const job = await run(service({ onWrite: (ev) => events.push(ev) }), {
      image: odd,
      targets: [{ device: dev }],
      verify: false,
      allowUnverified: true,
      after: 'none'
    })
    expect(job.stage).toBe('done')
    expect(cmpPrefix(odd, dev, 9 * MiB + 4096 + 777).same).toBe(true)
    expect(
      readHead(dev, 10 * MiB)
        .subarray(9 * MiB + 4096 + 777, 9 * MiB + 4096 + 1024)
        .every((b) => b === 0)
    ).toBe(true)
    // Two writes are in flight: in order of offset. Whole 4 KiB blocks after the head are spliced
    // (4 MiB chunks); the last 777 bytes, padded, are not.
    const data = events.filter((e) => e.kind === 'data' && e.phase === 'done').sort((x, y) => x.offset - y.offset)
    expect(data.map((e) => [e.offset, e.length, e.zeroCopy])).toEqual([
      [MiB, 4 * MiB, true],
      [5 * MiB, 4 * MiB, true],
      [9 * MiB, 4096, true],
      [9 * MiB + 4096, 1024, false]
    ])
    expect(events[0]).toMatchObject({ kind: 'wipe', phase: 'start' })
    expect(events.at(-1)).toMatchObject({ kind: 'head', phase: 'done' })
  })

  it('writes two drives at once from one read of the image', async () => {
    const a = newLoop('two-a.img', 48 * MiB)
    const b = newLoop('two-b.img', 40 * MiB)
    const events: Array<WriteEvent & { device: string }> = []
    const job = await run(service({ onWrite: (ev) => events.push(ev) }), {
      image: iso,
      targets: [{ device: a }, { device: b }],
      verify: true,
      expectedSha256: isoSha,
      allowUnverified: false,
      after: 'none'
    })
    expect(job.stage).toBe('done')
    expect(job.targets.map((t) => [t.device, t.stage, t.verified])).toEqual([
      [a, 'done', true],
      [b, 'done', true]
    ])
    const size = statSync(iso).size
    expect(cmpPrefix(iso, a, size).same).toBe(true)
    expect(cmpPrefix(iso, b, size).same).toBe(true)
    // Both drives received the same chunks at the same offsets.
    const offsets = (dev: string): number[] => events.filter((e) => e.device === dev && e.kind === 'data' && e.phase === 'start').map((e) => e.offset)
    expect(offsets(a)).toEqual(offsets(b))
  })

  it('a drive re-attached to another file during the first prompt is not written; the job fails it (stand-in prompt delay)', async () => {
    const a = newLoop('swap-a.img', 48 * MiB)
    const b = newLoop('swap-b.img', 48 * MiB)
    const other = path.join(dir, 'swap-other.img')
    writeFileSync(other, randomBytes(MiB))
    truncateSync(other, 48 * MiB)
    const before = sha256File(other)
    let swapped = false
    const s = service({
      // Where the first polkit prompt would sit, something of the user's re-points the second drive.
      beforeOpen: async (device) => {
        if (device !== a || swapped) return
        swapped = true
        execFileSync('losetup', ['-d', b])
        execFileSync('losetup', [b, other])
        execFileSync('udevadm', ['settle', '--timeout=10'])
        for (let i = 0; i < 100; i++) {
          if ((await s.list()).drives.find((d) => d.device === b)?.backingFile === other) break
          await new Promise((r) => setTimeout(r, 50))
        }
      }
    })
    const job = await run(s, { image: iso, targets: [{ device: a }, { device: b }], verify: true, allowUnverified: true, after: 'none' })
    expect(swapped).toBe(true)
    const ta = job.targets.find((t) => t.device === a)
    const tb = job.targets.find((t) => t.device === b)
    expect(ta?.stage).toBe('done')
    expect(tb?.stage).toBe('failed')
    expect(tb?.error?.name).toBe('DriveChanged')
    expect(tb?.error?.message).toMatch(/changed after it was confirmed: it is not the drive that was confirmed/)
    expect(tb?.notBootable).toBeFalsy()
    expect(job.stage).toBe('failed')
    expect(job.message).toContain(`Failed on ${b}`)
    expect(sha256File(other)).toBe(before)
  })

  it('a drive re-pointed between the list and the write is refused before it is opened (no stale tree is reused)', async () => {
    const b = newLoop('repoint.img', 48 * MiB)
    const other = path.join(dir, 'repoint-other.img')
    writeFileSync(other, randomBytes(MiB))
    truncateSync(other, 48 * MiB)
    const before = sha256File(other)
    const s = service()
    const token = await tokenOf(s, b)
    execFileSync('losetup', ['-d', b])
    execFileSync('losetup', [b, other])
    execFileSync('udevadm', ['settle', '--timeout=10'])
    // Watched through another connection: a list on `s` itself would fetch a fresh tree anyway.
    const watcher = service()
    for (let i = 0; i < 100; i++) {
      if ((await watcher.list()).drives.find((d) => d.device === b)?.backingFile === other) break
      await new Promise((r) => setTimeout(r, 50))
    }
    await expect(s.write({ image: iso, targets: [{ device: b, token }], verify: false, allowUnverified: true, after: 'none' })).rejects.toMatchObject({
      name: 'DriveChanged',
      stage: 'validate'
    })
    expect(sha256File(other)).toBe(before)
  })

  it('refuses to write an image stored on the drive it would overwrite (and writes nothing)', async () => {
    const dev = newLoop('holds-image.img', 64 * MiB)
    execFileSync('mkfs.ext4', ['-q', '-F', dev])
    const mnt = path.join(dir, 'holds-image')
    execFileSync('mkdir', ['-p', mnt])
    execFileSync('mount', [dev, mnt])
    mounts.push(mnt)
    const onStick = path.join(mnt, 'test.iso')
    execFileSync('cp', [iso, onStick])
    const s = service()
    const req = await confirmed(s, { image: onStick, targets: [{ device: dev }], verify: true, allowUnverified: true, after: 'none' })
    await expect(s.write(req)).rejects.toMatchObject({ name: 'ImageOnTarget', message: expect.stringContaining(`is stored on ${dev}`) })
    expect(sha256File(onStick)).toBe(isoSha)
  })

  it('refuses to write, restore or eject without the token of a listed, offered drive', async () => {
    const dev = newLoop('notoken.img', 32 * MiB)
    const s = service()
    await expect(s.write({ image: iso, targets: [{ device: dev, token: '' }], verify: true, allowUnverified: true, after: 'none' })).rejects.toMatchObject({
      name: 'DriveNotConfirmed'
    })
    await expect(s.restore(dev, undefined)).rejects.toMatchObject({ name: 'DriveNotConfirmed' })
    await expect(s.eject(dev, false)).rejects.toMatchObject({ name: 'DriveNotConfirmed' })
    await expect(s.eject(dev, true, 'stale')).rejects.toMatchObject({ name: 'DriveChanged' })
  })

  it('a tmpfs-backed loop device that runs out of space fails with stage and offset, never success', async () => {
    const mnt = path.join(dir, 'small-tmpfs')
    execFileSync('mkdir', ['-p', mnt])
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mnt])
    mounts.push(mnt)
    // The backing file claims 64 MiB, the tmpfs holds 12: writes past ~12 MiB fail in the kernel.
    const dev = newLoop('small-tmpfs/sparse.img', 64 * MiB)
    const job = await run(service(), { image: iso, targets: [{ device: dev }], verify: true, allowUnverified: true, after: 'eject' })
    const t = job.targets[0]
    expect(job.stage).toBe('failed')
    expect(t.stage).toBe('failed')
    expect(t.verified).toBeUndefined()
    expect(t.ejected).toBeUndefined()
    expect(t.error?.name).toBe('IOError')
    expect(t.error?.stage).toMatch(/write|sync/)
    if (t.error?.stage === 'write') {
      expect(t.error?.offset).toBeGreaterThanOrEqual(MiB)
      expect(t.error?.offset).toBeLessThan(statSync(iso).size)
      expect(t.error?.message).toMatch(/at byte \d+/)
    }
    expect(t.notBootable).toBe(true)
    expect(job.message).toMatch(/^Failed on/)
  })

  for (const mode of WRITE_PATHS)
    it(`a loop device deleted mid-write fails as DriveRemoved with stage and offset (${mode.name})`, async () => {
      const dev = newLoop(`deleted-${mode.verify}.img`, 64 * MiB)
      const { copies, onWrite } = dataWrites((n) => {
        if (n === 10) execFileSync('udisksctl', ['loop-delete', '-b', dev, '--no-user-interaction'])
        // Stretch the write so the deletion lands in the middle of it.
        sleepSync(4)
      })
      const s = service({ tuning: { chunkSize: 256 * 1024, writesInFlight: 1 }, onWrite })
      const job = await run(s, { image: iso, targets: [{ device: dev }], verify: mode.verify, allowUnverified: true, after: 'none' })
      const t = job.targets[0]
      expect([...copies]).toEqual([mode.zeroCopy])
      expect(job.stage).toBe('failed')
      expect(t.error?.name).toBe('DriveRemoved')
      expect(t.error?.stage).toBe('write')
      expect(t.error?.offset).toBeGreaterThan(0)
      expect(t.error?.offset).toBeLessThan(statSync(iso).size)
      expect(t.verified).toBeUndefined()
    })

  for (const mode of WRITE_PATHS)
    it(`an image that shrinks during the write fails (image read error), never success (${mode.name})`, async () => {
      const img = path.join(dir, `shrinking-${mode.verify}.img`)
      writeFileSync(img, randomBytes(20 * MiB))
      const dev = newLoop(`shrink-target-${mode.verify}.img`, 32 * MiB)
      const { copies, onWrite } = dataWrites((n) => n === 4 && truncateSync(img, 6 * MiB))
      const s = service({ tuning: { chunkSize: 256 * 1024, writesInFlight: 1 }, onWrite })
      const job = await run(s, { image: img, targets: [{ device: dev }], verify: mode.verify, allowUnverified: true, after: 'none' })
      const t = job.targets[0]
      expect([...copies]).toEqual([mode.zeroCopy])
      expect(job.stage).toBe('failed')
      expect(t.error?.name).toBe('ImageReadError')
      expect(t.error?.message).toMatch(/ended at byte 6291456/)
      expect(t.notBootable).toBe(true)
      expect(readHead(dev, MiB).every((b) => b === 0)).toBe(true)
    })

  for (const mode of WRITE_PATHS)
    it(`cancel during the write leaves the drive unbootable (first MiB zero) and says so (${mode.name})`, async () => {
      const dev = newLoop(`cancel-${mode.verify}.img`, 64 * MiB)
      // Something bootable-looking in the first MiB before: it must be gone after the cancel.
      execFileSync('dd', ['if=/dev/urandom', `of=${dev}`, 'bs=1M', 'count=1', 'oflag=direct', 'status=none'])
      let jobId = ''
      let n = 0
      const s: DrivesService = service({
        tuning: { chunkSize: 256 * 1024, writesInFlight: 1 },
        onWrite: (ev) => {
          if (ev.kind === 'data' && ev.phase === 'done' && ++n === 8) s.cancel(jobId)
        }
      })
      const started = await s.write(await confirmed(s, { image: iso, targets: [{ device: dev }], verify: mode.verify, allowUnverified: true, after: 'none' }))
      jobId = started.jobId
      const job = await s.wait(jobId)
      const t = job.targets[0]
      expect(job.stage).toBe('cancelled')
      expect(t.stage).toBe('cancelled')
      expect(t.error?.name).toBe('Cancelled')
      expect(t.error?.stage).toBe('write')
      expect(typeof t.error?.offset).toBe('number')
      expect(t.notBootable).toBe(true)
      expect(t.error?.hint).toMatch(/not hold a bootable image/)
      expect(readHead(dev, MiB).every((b) => b === 0)).toBe(true)
    })

  it('a drive that returns different data fails verification naming the offset (no eject)', async () => {
    const backing = path.join(dir, 'corrupt.img')
    const dev = newLoop('corrupt.img', 64 * MiB)
    const bad = 7 * MiB + 4096 + 17
    const s = service({
      onWrite: (ev) => {
        if (ev.kind !== 'head' || ev.phase !== 'done') return
        // Flip bytes behind the loop device's back, as a failing flash chip would.
        const fd = openSync(backing, 'r+')
        writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, bad)
        closeSync(fd)
      }
    })
    const job = await run(s, { image: iso, targets: [{ device: dev }], verify: true, allowUnverified: true, after: 'eject' })
    const t = job.targets[0]
    expect(job.stage).toBe('failed')
    expect(t.error?.name).toBe('VerificationMismatch')
    expect(t.error?.stage).toBe('verify')
    // The first differing byte (the first of the four may equal the image byte by chance).
    expect(t.error?.offset).toBeGreaterThanOrEqual(bad)
    expect(t.error?.offset).toBeLessThan(bad + 4)
    expect(t.ejected).toBeUndefined()
    expect(t.readBackSha256).not.toBe(job.sha256)
  })

  it('a single flipped byte on the drive is found with its exact offset, with the expected hash checked', async () => {
    const backing = path.join(dir, 'one-bit.img')
    const dev = newLoop('one-bit.img', 64 * MiB)
    const bad = 13 * MiB + 777
    const want = readFileSync(iso).subarray(bad, bad + 1)[0]
    const s = service({
      onWrite: (ev) => {
        if (ev.kind !== 'head' || ev.phase !== 'done') return
        // One bit of one byte, behind the loop device's back, after the last write.
        const fd = openSync(backing, 'r+')
        writeSync(fd, Buffer.from([want ^ 0x10]), 0, 1, bad)
        closeSync(fd)
      }
    })
    const job = await run(s, { image: iso, targets: [{ device: dev }], verify: true, expectedSha256: isoSha, allowUnverified: false, after: 'none' })
    const t = job.targets[0]
    expect(job.stage).toBe('failed')
    expect(t.error).toMatchObject({ name: 'VerificationMismatch', stage: 'verify', offset: bad })
    expect(t.error?.message).toContain(`at byte ${bad}`)
    expect(t.verified).toBeUndefined()
    expect(t.readBackSha256).toBeUndefined()
  })

  it('an image changed in place while it is written is never reported as written, even without a read-back or hash', async () => {
    const img = path.join(dir, 'changing.img')
    writeFileSync(img, randomBytes(20 * MiB))
    const dev = newLoop('changing-target.img', 32 * MiB)
    let n = 0
    const s = service({
      tuning: { chunkSize: 256 * 1024, writesInFlight: 1 },
      onWrite: (ev) => {
        // Same size, other bytes, in a part already read: only the file's change time tells.
        if (ev.kind !== 'data' || ev.phase !== 'done' || ++n !== 6) return
        const fd = openSync(img, 'r+')
        writeSync(fd, Buffer.from('changed'), 0, 7, 2 * MiB)
        closeSync(fd)
      }
    })
    const job = await run(s, { image: img, targets: [{ device: dev }], verify: false, allowUnverified: true, after: 'none' })
    const t = job.targets[0]
    expect(job.stage).toBe('failed')
    expect(t.error).toMatchObject({ name: 'ImageReadError', stage: 'write' })
    expect(t.error?.message).toMatch(/changed while it was written \(it was modified\)/)
    expect(t.notBootable).toBe(true)
  })

  it('a drive already being written is busy for a second job (exclusive open)', async () => {
    const dev = newLoop('busy.img', 64 * MiB)
    let second: WriteJob | undefined
    let n = 0
    let busyToken = ''
    const s = service({
      tuning: { chunkSize: 256 * 1024, writesInFlight: 1 },
      onWrite: (ev) => {
        if (ev.kind === 'data' && ev.phase === 'done' && ++n === 2) {
          void s
            .write({ image: iso, targets: [{ device: dev, token: busyToken }], verify: false, allowUnverified: true, after: 'none' })
            .then((j) => s.wait(j.jobId))
            .then((j) => (second = j))
        }
        if (ev.kind === 'data' && ev.phase === 'done') sleepSync(2)
      }
    })
    busyToken = await tokenOf(s, dev)
    const first = await run(s, { image: iso, targets: [{ device: dev }], verify: true, allowUnverified: true, after: 'none' })
    for (let i = 0; i < 100 && !second; i++) await new Promise((r) => setTimeout(r, 50))
    expect(first.stage).toBe('done')
    expect(second?.stage).toBe('failed')
    expect(second?.targets[0].error).toMatchObject({ name: 'DeviceBusy', stage: 'open' })
    expect(second?.targets[0].notBootable).toBeFalsy()
  })

  it('refuses unverified images without the override, drives not offered, and an expected hash that does not match', async () => {
    const dev = newLoop('refuse.img', 64 * MiB)
    const s = service()
    await expect(
      s.write(await confirmed(s, { image: iso, targets: [{ device: dev }], verify: true, allowUnverified: false, after: 'none' }))
    ).rejects.toMatchObject({ name: 'UnverifiedImage' })
    await expect(
      service({}, false).write({ image: iso, targets: [{ device: dev, token: 'x' }], verify: true, allowUnverified: true, after: 'none' })
    ).rejects.toMatchObject({ name: 'DriveNotFound' })
    const list = await s.list()
    const token = list.drives.find((d) => d.device === dev)?.token
    await expect(
      s.write({ image: iso, targets: [{ device: dev, token: 'stale' + token }], verify: true, allowUnverified: true, after: 'none' })
    ).rejects.toMatchObject({ name: 'DriveChanged' })
    const wrongHash = 'ab'.repeat(32)
    const job = await run(s, { image: iso, targets: [{ device: dev, token }], verify: true, expectedSha256: wrongHash, allowUnverified: false, after: 'none' })
    expect(job.stage).toBe('failed')
    expect(job.targets[0].error).toMatchObject({ name: 'ImageMismatch', stage: 'write' })
    expect(job.targets[0].notBootable).toBe(true)
  })

  it('without a read-back the image is hashed while writing: a wrong expected hash fails, the right one is reported', async () => {
    const dev = newLoop('no-readback.img', 64 * MiB)
    const s = service()
    const bad = await run(s, { image: iso, targets: [{ device: dev }], verify: false, expectedSha256: 'cd'.repeat(32), allowUnverified: false, after: 'none' })
    expect(bad.stage).toBe('failed')
    expect(bad.targets[0].error).toMatchObject({ name: 'ImageMismatch', stage: 'write' })
    const good = await run(s, { image: iso, targets: [{ device: dev }], verify: false, expectedSha256: isoSha, allowUnverified: false, after: 'none' })
    expect(good.stage).toBe('done')
    expect(good.sha256).toBe(isoSha)
    expect(good.targets[0].readBackSha256).toBeUndefined()
  })

  it('a verified image is hashed once: the next write of the unchanged file takes its digest; a changed file is hashed again', async () => {
    const img = path.join(dir, 'hashed-once.img')
    writeFileSync(img, randomBytes(12 * MiB))
    const sha = sha256File(img)
    // Digests are kept only for files whose last change is older than the racy window.
    sleepSync(msUntilDigestKept(img))
    const store = path.join(dir, 'state-hashed-once', 'image-digests.json')
    const dev = newLoop('hashed-once-target.img', 16 * MiB)
    const s = service({ digests: imageDigests(store) })
    const req: Req = { image: img, targets: [{ device: dev }], verify: true, expectedSha256: sha, allowUnverified: false, after: 'none' }

    const first = await run(s, req)
    expect(first.stage).toBe('done')
    expect(first.sha256).toBe(sha)
    expect(first.sha256TakenAt).toBeUndefined()
    expect(JSON.parse(readFileSync(store, 'utf8'))).toEqual([expect.objectContaining({ sha256: sha })])

    // Zero the drive so the second write has to put every byte back.
    execFileSync('dd', ['if=/dev/zero', `of=${dev}`, 'bs=1M', 'count=16', 'oflag=direct', 'status=none'])
    const second = await run(s, req)
    expect(second.stage).toBe('done')
    expect(second.targets[0].verified).toBe(true)
    expect(second.sha256).toBe(sha)
    expect(second.sha256TakenAt).toBe(JSON.parse(readFileSync(store, 'utf8'))[0].at)
    expect(cmpPrefix(img, dev, 12 * MiB)).toEqual({ same: true, output: '' })

    // Same size, other bytes: the digest no longer applies, the write hashes and refuses the result.
    const fd = openSync(img, 'r+')
    writeSync(fd, Buffer.from('tampered'), 0, 8, 5 * MiB)
    closeSync(fd)
    const third = await run(s, req)
    expect(third.stage).toBe('failed')
    expect(third.sha256TakenAt).toBeUndefined()
    expect(third.targets[0].error).toMatchObject({ name: 'ImageMismatch', stage: 'write' })
  })

  it('a verified write reads back against the fingerprint of the bytes written, keeps it with the digest, and still finds a flipped byte at its offset', async () => {
    // Not a whole number of 256 KiB leaves: the last leaf is short.
    const img = path.join(dir, 'fingerprint.img')
    writeFileSync(img, randomBytes(10 * MiB + 3000))
    const sha = sha256File(img)
    sleepSync(msUntilDigestKept(img))
    const store = path.join(dir, 'state-fingerprint', 'image-digests.json')
    const backing = path.join(dir, 'fingerprint-target.img')
    const dev = newLoop('fingerprint-target.img', 16 * MiB)
    // Set before a write: flips that byte behind the loop device's back after the last write.
    const flip: { at?: number } = {}
    const s = service({
      digests: imageDigests(store),
      onWrite: (ev) => {
        if (flip.at === undefined || ev.kind !== 'head' || ev.phase !== 'done') return
        flipBits(backing, flip.at, 0x20)
      }
    })
    const req: Req = { image: img, targets: [{ device: dev }], verify: true, expectedSha256: sha, allowUnverified: false, after: 'none' }
    const kept = (): Array<{ sha256: string; at: string; tree?: string }> => JSON.parse(readFileSync(store, 'utf8'))
    const zero = (): void => void execFileSync('dd', ['if=/dev/zero', `of=${dev}`, 'bs=1M', 'count=16', 'oflag=direct', 'status=none'])

    // First write: hashed and fingerprinted from the buffers written; the drive read back and hashed.
    const first = await run(s, req)
    expect(first.targets[0]).toMatchObject({ stage: 'done', verified: true, verifiedBy: 'fingerprint' })
    const tree = kept()[0]?.tree
    expect(kept()).toEqual([expect.objectContaining({ sha256: sha, tree: expect.stringMatching(/^[0-9a-f]{32}$/) })])

    // Second: the digest and the fingerprint are kept, nothing is hashed while writing (spliced).
    zero()
    const second = await run(s, req)
    expect(second.targets[0]).toMatchObject({ stage: 'done', verified: true, verifiedBy: 'fingerprint' })
    expect(second.sha256TakenAt).toBe(kept()[0].at)
    expect(cmpPrefix(img, dev, 10 * MiB + 3000)).toEqual({ same: true, output: '' })

    // A digest kept without a fingerprint (by an older version): compared byte for byte, and the
    // comparison's fingerprint (from the image's bytes) is the one the write took.
    writeFileSync(store, JSON.stringify(kept().map(({ tree: _t, ...e }) => e)), { mode: 0o600 })
    zero()
    const third = await run(s, req)
    expect(third.targets[0]).toMatchObject({ stage: 'done', verified: true, verifiedBy: 'comparison' })
    expect(kept()[0].tree).toBe(tree)

    // A byte the drive does not keep, in the short last leaf: still found, at its offset.
    flip.at = 10 * MiB + 2999
    const fourth = await run(s, req)
    expect(fourth.stage).toBe('failed')
    expect(fourth.targets[0].error).toMatchObject({ name: 'VerificationMismatch', stage: 'verify', offset: flip.at })
    expect(fourth.targets[0].verified).toBeUndefined()
  })

  it('an image whose kept digest is not the verified hash is refused before any drive is touched', async () => {
    const img = path.join(dir, 'other-image.img')
    writeFileSync(img, randomBytes(4 * MiB))
    sleepSync(msUntilDigestKept(img))
    const store = path.join(dir, 'state-other', 'image-digests.json')
    const s = service({ digests: imageDigests(store) })
    const dev = newLoop('other-image-target.img', 8 * MiB)
    // Its digest is taken by a first write without an expected hash.
    expect((await run(s, { image: img, targets: [{ device: dev }], verify: true, allowUnverified: true, after: 'none' })).stage).toBe('done')
    execFileSync('dd', ['if=/dev/zero', `of=${dev}`, 'bs=1M', 'count=8', 'oflag=direct', 'status=none'])
    const marker = Buffer.from('still here')
    const mfd = openSync(dev, 'r+')
    writeSync(mfd, marker, 0, marker.length, 0)
    closeSync(mfd)
    const job = await run(s, { image: img, targets: [{ device: dev }], verify: true, expectedSha256: isoSha, allowUnverified: false, after: 'none' })
    expect(job.stage).toBe('failed')
    expect(job.targets[0].error).toMatchObject({ name: 'ImageMismatch', stage: 'validate' })
    expect(job.targets[0].error?.message).toMatch(/No drive was touched/)
    expect(readHead(dev, MiB).subarray(0, marker.length).equals(marker)).toBe(true)
  })

  it('restore wipes the image and writes a GPT with one basic-data partition named by the label', async () => {
    const dev = newLoop('restore.img', 96 * MiB)
    const s = service()
    const written = await run(s, { image: iso, targets: [{ device: dev }], verify: false, allowUnverified: true, after: 'none' })
    expect(written.stage).toBe('done')
    if (kernelGpt) {
      const r = await s.restore(dev, await tokenOf(s, dev), 'HSC TEST')
      expect(r.fsType).toBe('exfat')
      expect(r.label).toBe('HSC TEST')
      restored = { dev, partition: r.partition }
    } else {
      // This kernel makes no partition devices: the format step cannot run, and it must say why.
      await expect(s.restore(dev, await tokenOf(s, dev), 'HSC TEST')).rejects.toMatchObject({ name: 'PartitionNotVisible', stage: 'format' })
    }
    execFileSync('udevadm', ['settle', '--timeout=10'])
    const table = JSON.parse(execFileSync('sfdisk', ['--json', dev], { encoding: 'utf8' })) as {
      partitiontable: { label: string; partitions: Array<{ type: string; name?: string; start: number; size: number }> }
    }
    expect(table.partitiontable.label).toBe('gpt')
    expect(table.partitiontable.partitions).toHaveLength(1)
    expect(table.partitiontable.partitions[0].type.toLowerCase()).toBe('ebd0a0a2-b9e5-4433-87c0-68b6b72699c7')
    expect(table.partitiontable.partitions[0].name).toBe('HSC TEST')
    const lsblk = JSON.parse(execFileSync('lsblk', ['-J', '-o', 'NAME,FSTYPE,PTTYPE,LABEL', dev], { encoding: 'utf8' })) as {
      blockdevices: Array<{ pttype: string | null }>
    }
    expect(lsblk.blockdevices[0].pttype).toBe('gpt')
    // The ISO's volume descriptors are gone: the stick no longer looks like the image.
    expect(cmpPrefix(iso, dev, 64 * 1024).same).toBe(false)
  })

  it.skipIf(!kernelGpt)(
    `restore: lsblk shows the one exFAT partition with its label${kernelGpt ? '' : ' — skipped: this kernel has no GPT partition support (CONFIG_EFI_PARTITION unset), so no partition device exists'}`,
    () => {
      expect(restored).toBeDefined()
      const tree = JSON.parse(execFileSync('lsblk', ['-J', '-o', 'NAME,FSTYPE,PTTYPE,LABEL', restored?.dev as string], { encoding: 'utf8' })) as {
        blockdevices: Array<{ pttype: string | null; children?: Array<{ name: string; fstype: string | null; label: string | null }> }>
      }
      const disk = tree.blockdevices[0]
      expect(disk.pttype).toBe('gpt')
      expect(disk.children).toHaveLength(1)
      expect(disk.children?.[0]).toMatchObject({ fstype: 'exfat', label: 'HSC TEST' })
      expect(restored?.partition).toBe(`/dev/${disk.children?.[0].name}`)
    }
  )
})

describe('UDisks2 not available', () => {
  it('says so and how to install it, without falling back to root', async () => {
    const s = new DrivesService({ fs: createRootFs('/'), env: { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/hsc-test-bus' }, idleMs: 0 })
    const err = await s.list().catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'UDisksUnavailable' })
    expect((err as { hint: string }).hint).toMatch(/dnf install udisks2/)
    await s.close()
  })
})
