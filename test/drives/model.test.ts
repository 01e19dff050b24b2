import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findSystemDisks, parseMountinfo } from '../../src/main/services/drives/holders'
import { buildDrives, byDeviceName, type ModelOptions } from '../../src/main/services/drives/model'
import { createRootFs } from '../../src/main/services/system/rootfs'
import type { ObjectTree } from '../../src/main/services/drives/udisks/tree'
import type { DriveInfo } from '../../src/shared/contract/drives'

interface Fixture {
  objects: ObjectTree
  mountinfo: string
  swaps: string
  sysBlock: Record<string, { dev: string; parent?: string; slaves?: string[] }>
}

const fixtureDir = path.resolve(__dirname, '../fixtures/udisks')
const roots: string[] = []
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })))

/** Lays the fixture's /proc and /sys/class/block out in a temporary root, as the kernel does. */
function materialise(f: Fixture): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hsc-udisks-'))
  roots.push(root)
  mkdirSync(path.join(root, 'proc/self'), { recursive: true })
  writeFileSync(path.join(root, 'proc/self/mountinfo'), f.mountinfo)
  writeFileSync(path.join(root, 'proc/swaps'), f.swaps)
  for (const [name, b] of Object.entries(f.sysBlock)) {
    const dir = path.join(root, 'sys/class/block', name)
    mkdirSync(path.join(dir, 'slaves'), { recursive: true })
    writeFileSync(path.join(dir, 'dev'), b.dev + '\n')
    for (const s of b.slaves ?? []) mkdirSync(path.join(dir, 'slaves', s))
    if (b.parent) {
      writeFileSync(path.join(dir, 'partition'), '1\n')
      mkdirSync(path.join(root, 'sys/class/block', b.parent, name), { recursive: true })
    }
  }
  return root
}

async function drivesOf(file: string, opts: Partial<ModelOptions> = {}): Promise<Map<string, DriveInfo>> {
  const f = JSON.parse(readFileSync(path.join(fixtureDir, file), 'utf8')) as Fixture
  const fs = createRootFs(materialise(f))
  const system = await findSystemDisks(fs, f.objects)
  const list = buildDrives(f.objects, system, { allowLoop: false, ...opts })
  return new Map(list.map((d) => [d.device, d]))
}

describe('drive filter over recorded UDisks2 trees', () => {
  it('workstation: offers the USB stick and the rm=0 SD card, nothing internal, optical, empty or system-hinted', async () => {
    const d = await drivesOf('workstation.json')
    const offered = [...d.values()].filter((x) => x.offered).map((x) => x.device)
    expect(offered.sort()).toEqual(['/dev/mmcblk0', '/dev/sdb', '/dev/sde'])

    const nvme = d.get('/dev/nvme0n1')
    expect(nvme?.offered).toBe(false)
    // The root is btrfs on LUKS on nvme0n1p3: found through the dm slave, not only through HintSystem.
    expect(nvme?.reasons.join(' ')).toMatch(/holds the running system \(.*\/.*\/home.*\)/)
    expect(nvme?.reasons.join(' ')).toMatch(/\/boot\b/)
    expect(nvme?.reasons.join(' ')).toMatch(/\/boot\/efi/)
    expect(d.get('/dev/sr0')?.reasons).toContain('optical drive')
    expect(d.get('/dev/sdc')?.reasons).toContain('no medium')
    expect(d.get('/dev/sdd')?.reasons).toContain('UDisks2 marks it as a system device')

    const stick = d.get('/dev/sdb') as DriveInfo
    expect(stick.model).toBe('Cruzer Blade')
    expect(stick.bus).toBe('usb')
    expect(stick.mountPoints).toEqual(['/run/media/alice/STICK'])
    expect(stick.warnings.join(' ')).toMatch(/will be unmounted/)

    const sd = d.get('/dev/mmcblk0') as DriveInfo
    expect(sd.removable).toBe(false)
    expect(sd.bus).toBe('sdio')

    expect(d.get('/dev/sde')?.warnings.join(' ')).toMatch(/larger than 128 GB/)
    expect(stick.warnings.join(' ')).not.toMatch(/larger than/)
  })

  it('hides loop devices unless the test switch is on, and zram never appears', async () => {
    const off = await drivesOf('workstation.json')
    expect(off.has('/dev/loop0')).toBe(false)
    expect(off.has('/dev/zram0')).toBe(false)
    const on = await drivesOf('workstation.json', { allowLoop: true })
    expect(on.get('/dev/loop0')?.offered).toBe(true)
    expect(on.get('/dev/loop0')?.backingFile).toBe('/var/tmp/test-stick.img')
    // The switch admits loops, never the system disk.
    expect(on.get('/dev/nvme0n1')?.offered).toBe(false)
  })

  it('usb-root: never offers drives holding /, /boot/efi, /var or swap, whatever UDisks2 says', async () => {
    const d = await drivesOf('usb-root.json')
    const root = d.get('/dev/sda') as DriveInfo
    // UDisks2's view alone would offer it: removable, usb, not HintSystem.
    expect(root.removable).toBe(true)
    expect(root.bus).toBe('usb')
    expect(root.offered).toBe(false)
    expect(root.reasons.join(' ')).toMatch(/\(\/, \/boot\/efi\)|\(\/boot\/efi, \/\)/)
    expect(d.get('/dev/sdb')?.offered).toBe(false)
    expect(d.get('/dev/sdb')?.reasons.join(' ')).toMatch(/swap \/dev\/sdb1/)
    const varStick = d.get('/dev/sdc') as DriveInfo
    expect(varStick.offered).toBe(false)
    expect(varStick.reasons.join(' ')).toMatch(/\/var/)
    expect(varStick.reasons.join(' ')).toMatch(/swap file \/var\/swap\/swapfile/)
    expect(d.get('/dev/sdd')?.offered).toBe(true)
  })

  it('recorded VM: the VirtIO disk holding / is listed but not offered; idle loops never listed', async () => {
    const d = await drivesOf('debian-vm.json', { allowLoop: true })
    expect(d.get('/dev/vda')?.offered).toBe(false)
    expect(d.get('/dev/vda')?.reasons.join(' ')).toMatch(/holds the running system \(\/\)/)
    // loop1..7 have no backing file: not drives even with the switch.
    expect([...d.keys()].filter((k) => k.startsWith('/dev/loop'))).toEqual(['/dev/loop0'])
  })

  it('fails closed: with /proc unreadable nothing is offered', async () => {
    const f = JSON.parse(readFileSync(path.join(fixtureDir, 'workstation.json'), 'utf8')) as Fixture
    const fs = createRootFs(mkdtempSync(path.join(os.tmpdir(), 'hsc-empty-')))
    roots.push(fs.root)
    const list = buildDrives(f.objects, await findSystemDisks(fs, f.objects), { allowLoop: true })
    expect(list.length).toBeGreaterThan(0)
    expect(list.filter((x) => x.offered)).toEqual([])
    expect(list[0].reasons.join(' ')).toMatch(/cannot tell which disks hold the running system/)
  })

  it('marks drives smaller than the image', async () => {
    const d = await drivesOf('workstation.json', { imageSize: 20e9 })
    expect(d.get('/dev/sdb')?.tooSmall).toBe(true)
    expect(d.get('/dev/mmcblk0')?.tooSmall).toBe(false)
  })

  it('orders device names naturally (loop2 before loop10), like a numeric collation', () => {
    const names = ['/dev/sdb', '/dev/loop10', '/dev/mmcblk0', '/dev/loop2', '/dev/sda', '/dev/loop0', '/dev/nvme0n1', '/dev/sdaa']
    const want = [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    expect([...names].sort(byDeviceName)).toEqual(want)
    expect(want.indexOf('/dev/loop2')).toBeLessThan(want.indexOf('/dev/loop10'))
  })

  it('parses mountinfo escapes', () => {
    const [m] = parseMountinfo('140 22 8:17 / /run/media/a/MY\\040STICK rw - vfat /dev/sdb1 rw\n')
    expect(m.mountPoint).toBe('/run/media/a/MY STICK')
    expect(m.source).toBe('/dev/sdb1')
  })

  it('reads /sys/class/block again only after a device event (the kernel uevent count); /proc every time', async () => {
    const f = JSON.parse(readFileSync(path.join(fixtureDir, 'workstation.json'), 'utf8')) as Fixture
    const root = materialise(f)
    const fs = createRootFs(root)
    const listed: string[] = []
    const counting = { ...fs, list: (p: string) => (listed.push(p), fs.list(p)) }
    const seq = path.join(root, 'sys/kernel/uevent_seqnum')
    mkdirSync(path.dirname(seq), { recursive: true })
    writeFileSync(seq, '41\n')
    const before = await findSystemDisks(counting, f.objects)
    expect(listed).toContain('/sys/class/block')
    expect([...before.disks.values()].flat()).toContain('/')

    // No event: the devices are as they were; /proc (and btrfs's member list) is read again. The root moves to sdb
    // in mountinfo: that is seen at once.
    listed.length = 0
    writeFileSync(path.join(root, 'proc/self/mountinfo'), f.mountinfo.replace(/^22 1 253:0 \/root \/ /m, '22 1 8:16 / / '))
    const moved = await findSystemDisks(counting, f.objects)
    expect(listed.filter((p) => p.startsWith('/sys/class/block'))).toEqual([])
    expect(moved.disks.get(8 * 256 + 16)).toContain('/')

    // A device event (sdb gets a partition): the next call reads /sys/class/block again.
    mkdirSync(path.join(root, 'sys/class/block/sdb1'), { recursive: true })
    writeFileSync(path.join(root, 'sys/class/block/sdb1/dev'), '8:17\n')
    writeFileSync(path.join(root, 'sys/class/block/sdb1/partition'), '1\n')
    mkdirSync(path.join(root, 'sys/class/block/sdb/sdb1'), { recursive: true })
    writeFileSync(path.join(root, 'proc/self/mountinfo'), f.mountinfo.replace(/^22 1 253:0 \/root \/ /m, '22 1 8:17 / / '))
    await findSystemDisks(counting, f.objects)
    expect(listed.filter((p) => p.startsWith('/sys/class/block'))).toEqual([])
    writeFileSync(seq, '42\n')
    const after = await findSystemDisks(counting, f.objects)
    expect(listed).toContain('/sys/class/block')
    expect(after.disks.get(8 * 256 + 16)).toContain('/')

    // Without the count (a root that has none), every call reads everything.
    rmSync(seq)
    listed.length = 0
    await findSystemDisks(counting, f.objects)
    await findSystemDisks(counting, f.objects)
    expect(listed.filter((p) => p === '/sys/class/block')).toHaveLength(2)
  })

  it('the live machine: the device holding / is never offered', async () => {
    const live = createRootFs('/')
    const mounts = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))
    const root = mounts.find((m) => m.mountPoint === '/')
    expect(root).toBeDefined()
    // Without UDisks2 the tree is empty here; the live test with udisksd is in udisks.test.ts.
    const system = await findSystemDisks(live, {})
    if (root?.devnum !== undefined && root.devnum >= 256) expect(system.disks.size).toBeGreaterThan(0)
  })
})
