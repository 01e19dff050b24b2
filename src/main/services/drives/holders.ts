import type { RootFs } from '../system/rootfs'
import { IFACE, num, str, strs, parseMajorMinor, type ObjectTree } from './udisks/tree'

/**
 * Which whole disks hold the running system: /, /boot, /boot/efi, /home, /var (and /efi,
 * /usr), or active swap. Read from /proc and /sys, never from UDisks2 hints alone, and
 * followed through partitions, device-mapper/md slaves, btrfs member devices, loop devices'
 * backing files and overlay layers (a live USB: / is an overlay or dm snapshot over loop
 * devices whose image files live on the stick).
 */
export const PROTECTED_MOUNTS = ['/', '/boot', '/boot/efi', '/efi', '/home', '/var', '/usr']

export interface SystemDisks {
  /** dev_t of each whole disk -> what it holds ("/", "swap /dev/sda3", ...). */
  disks: Map<number, string[]>
  /** Set when /proc could not be read: then no drive may be offered (fail closed). */
  error?: string
  /** For each path asked about: the whole disks holding the filesystem it lives on. */
  paths: Map<string, number[]>
}

export interface MountEntry {
  devnum?: number
  mountPoint: string
  fsType: string
  source: string
  /** Per-superblock options (overlay's lowerdir=, upperdir=, workdir=). */
  superOptions: string
}

/** The directories an overlay mount is made of (lowerdir may list several, ':'-separated; '\:' escapes). */
export function overlayLayers(superOptions: string): string[] {
  const out: string[] = []
  for (const opt of superOptions.split(',')) {
    const m = /^(lowerdir|upperdir|workdir)=(.*)$/.exec(opt)
    if (!m) continue
    for (const dir of m[2].split(/(?<!\\):/)) if (dir.startsWith('/')) out.push(dir.replace(/\\:/g, ':'))
  }
  return out
}

/** Octal escapes (\040 for space) as the kernel writes them in mountinfo and swaps. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const [left, right] = line.split(' - ')
    if (!right) continue
    const f = left.split(' ')
    const r = right.split(' ')
    if (f.length < 5 || r.length < 2) continue
    out.push({ devnum: parseMajorMinor(f[2]), mountPoint: unescape(f[4]), fsType: r[0], source: unescape(r[1]), superOptions: r.slice(2).join(' ') })
  }
  return out
}

export interface SwapEntry {
  file: string
  type: string
}

export function parseSwaps(text: string): SwapEntry[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[0])
    .map((f) => ({ file: unescape(f[0]), type: f[1] }))
}

interface SysBlock {
  devnum?: number
  partition: boolean
  slaves: string[]
  parent?: string
  /** A loop device's backing file, as the kernel names it. */
  backing?: string
}

/**
 * The kernel's count of device events. Block devices, partitions, slaves and loop backing
 * files change only with a uevent (add, remove, change), so an unchanged count means an
 * unchanged /sys/class/block; /proc (mounts, swap) is read every time regardless.
 */
const UEVENT_SEQNUM = '/sys/kernel/uevent_seqnum'
const sysBlockSeen = new WeakMap<RootFs, { seq: string; map: Map<string, SysBlock> }>()

/** /sys/class/block as it is now: read again unless no device event happened since the last read. */
async function currentSysBlock(fs: RootFs): Promise<Map<string, SysBlock>> {
  const seqNow = async (): Promise<string | undefined> => (await fs.tryReadText(UEVENT_SEQNUM))?.trim() || undefined
  const seq = await seqNow()
  const kept = sysBlockSeen.get(fs)
  if (seq !== undefined && kept?.seq === seq) return kept.map
  const map = await readSysBlock(fs)
  // Kept only when no event happened while it was read, so it is one state of the devices.
  if (seq !== undefined && (await seqNow()) === seq) sysBlockSeen.set(fs, { seq, map })
  else sysBlockSeen.delete(fs)
  return map
}

/** /sys/class/block: kernel names, dev_t, partitions' parents, stacked devices' slaves, loop backing files. */
async function readSysBlock(fs: RootFs): Promise<Map<string, SysBlock>> {
  const names = await fs.list('/sys/class/block')
  const map = new Map<string, SysBlock>()
  await Promise.all(
    names.map(async (name) => {
      const base = `/sys/class/block/${name}`
      const [dev, partition, slaves, bound] = await Promise.all([
        fs.tryReadText(`${base}/dev`),
        fs.exists(`${base}/partition`),
        fs.list(`${base}/slaves`),
        // Only a bound loop device has loop/; most are unbound, and a failed read costs an error each.
        name.startsWith('loop') && fs.exists(`${base}/loop`)
      ])
      const backing = bound ? await fs.tryReadText(`${base}/loop/backing_file`) : undefined
      map.set(name, { devnum: dev ? parseMajorMinor(dev) : undefined, partition, slaves, backing: backing?.trim() })
    })
  )
  // A partition is a sub-directory of its disk's directory.
  await Promise.all(
    [...map]
      .filter(([, b]) => !b.partition)
      .map(async ([disk]) => {
        for (const entry of await fs.list(`/sys/class/block/${disk}`)) {
          const child = map.get(entry)
          if (child?.partition) child.parent = disk
        }
      })
  )
  return map
}

/** What /proc and /sys say of mounts, swap and block devices: all findSystemDisks reads besides UDisks2's tree. */
export type HostBlocks = { mounts: MountEntry[]; swaps: SwapEntry[]; sys: Map<string, SysBlock> } | { error: string }

/** Needs no UDisks2 tree, so a caller reads it while the tree is on its way. */
export async function readHostBlocks(fs: RootFs): Promise<HostBlocks> {
  let mounts: MountEntry[]
  let swaps: SwapEntry[]
  try {
    mounts = parseMountinfo(await fs.readText('/proc/self/mountinfo'))
    swaps = parseSwaps(await fs.readText('/proc/swaps'))
  } catch (err) {
    return { error: `cannot read /proc/self/mountinfo or /proc/swaps: ${(err as Error).message}` }
  }
  if (!mounts.some((m) => m.mountPoint === '/')) return { error: 'the root filesystem is not in /proc/self/mountinfo' }
  return { mounts, swaps, sys: await currentSysBlock(fs) }
}

/**
 * `paths`: absolute real paths (e.g. the image file) whose disks are reported in `paths`.
 * `host`: readHostBlocks(fs), read after the tree was asked for (no older).
 */
export async function findSystemDisks(fs: RootFs, tree: ObjectTree, paths: string[] = [], host = readHostBlocks(fs)): Promise<SystemDisks> {
  const disks = new Map<number, string[]>()
  const pathDisks = new Map<string, number[]>()
  const read = await host
  if ('error' in read) return { disks, paths: pathDisks, error: read.error }
  const { mounts, swaps, sys } = read
  const byDevnum = new Map<number, string>()
  for (const [name, b] of sys) if (b.devnum !== undefined) byDevnum.set(b.devnum, name)

  // UDisks2 blocks by every name they are known under (/dev/sda1, /dev/disk/by-uuid/..., /dev/mapper/...).
  const blockByName = new Map<string, { path: string; devnum: number }>()
  const blockByPath = new Map<string, { devnum: number; table: string; backing: string; uuid: string }>()
  for (const [path, ifaces] of Object.entries(tree)) {
    const b = ifaces[IFACE.block]
    if (!b) continue
    const devnum = num(b, 'DeviceNumber')
    for (const n of [str(b, 'Device'), str(b, 'PreferredDevice'), ...strs(b, 'Symlinks')]) if (n) blockByName.set(n, { path, devnum })
    blockByPath.set(path, { devnum, table: str(ifaces[IFACE.partition], 'Table'), backing: str(b, 'CryptoBackingDevice'), uuid: str(b, 'IdUUID') })
  }
  const devnumByPath = (p: string): number | undefined => blockByPath.get(p)?.devnum

  /** Every whole disk under a device: through partitions, slaves (dm, md, LUKS) and UDisks2 links. */
  const wholeDisks = (start: number): number[] => {
    const found = new Set<number>()
    const seen = new Set<number>()
    const stack = [start]
    while (stack.length) {
      const d = stack.pop() as number
      if (seen.has(d)) continue
      seen.add(d)
      const name = byDevnum.get(d)
      const s = name ? sys.get(name) : undefined
      const udisks = [...blockByPath.values()].find((b) => b.devnum === d)
      const parents: number[] = []
      if (s?.parent) parents.push(sys.get(s.parent)?.devnum ?? -1)
      for (const slave of s?.slaves ?? []) parents.push(sys.get(slave)?.devnum ?? -1)
      if (udisks?.table && udisks.table !== '/') parents.push(devnumByPath(udisks.table) ?? -1)
      if (udisks?.backing && udisks.backing !== '/') parents.push(devnumByPath(udisks.backing) ?? -1)
      parents.push(...(loopParents.get(d) ?? []))
      const real = parents.filter((p) => p >= 0)
      // A loop device is itself a drive (listed with the test switch) and also sits on its file's disk: both hold it.
      if (real.length === 0 || loopParents.has(d)) found.add(d)
      stack.push(...real)
    }
    return [...found]
  }

  const hold = (devnums: number[], what: string): void => {
    for (const d of devnums)
      for (const disk of wholeDisks(d)) {
        const list = disks.get(disk) ?? []
        if (!list.includes(what)) list.push(what)
        disks.set(disk, list)
      }
  }

  const devicesOfMount = async (m: MountEntry, seen = new Set<MountEntry>()): Promise<number[]> => {
    const out: number[] = []
    if (seen.has(m)) return out
    seen.add(m)
    // An overlay is held by whatever holds its layers (a live system's / sits on the stick).
    if (m.fsType === 'overlay') {
      for (const dir of overlayLayers(m.superOptions)) {
        const owner = mountOf(dir)
        if (owner && owner !== m) out.push(...(await devicesOfMount(owner, seen)))
      }
    }
    // btrfs and friends report an anonymous dev_t (major 0): go by the source device instead.
    if (m.devnum !== undefined && m.devnum >= 256) out.push(m.devnum)
    const named = blockByName.get(m.source)
    if (named) out.push(named.devnum)
    else if (m.source.startsWith('/dev/')) {
      const s = sys.get(m.source.slice(5).replace(/\//g, '!'))
      if (s?.devnum !== undefined) out.push(s.devnum)
    }
    if (m.fsType === 'btrfs' && named) {
      // Every member device of a multi-device btrfs holds the filesystem.
      const uuid = blockByPath.get(named.path)?.uuid
      if (uuid)
        for (const member of await fs.list(`/sys/fs/btrfs/${uuid}/devices`)) {
          const d = sys.get(member)?.devnum
          if (d !== undefined) out.push(d)
        }
    }
    return out
  }

  const mountOf = (file: string): MountEntry | undefined =>
    mounts
      .filter((m) => file === m.mountPoint || file.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : m.mountPoint + '/'))
      .sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0]

  // A loop device's parents are the devices holding its backing file; computed before the
  // walk so nested loops (an image on a filesystem on another loop) are followed too.
  const loopParents = new Map<number, number[]>()
  for (const b of sys.values()) {
    const backing = b.backing?.replace(/ \(deleted\)$/, '')
    if (b.devnum === undefined || !backing?.startsWith('/')) continue
    const owner = mountOf(backing)
    if (owner) loopParents.set(b.devnum, await devicesOfMount(owner, new Set()))
  }

  for (const m of mounts) {
    if (!PROTECTED_MOUNTS.includes(m.mountPoint)) continue
    const devs = await devicesOfMount(m)
    if (m.mountPoint === '/' && devs.length === 0 && !['overlay', 'tmpfs', 'rootfs'].includes(m.fsType)) {
      return { disks, paths: pathDisks, error: `cannot tell which device holds / (${m.source})` }
    }
    hold(devs, m.mountPoint)
  }
  for (const p of paths) {
    const owner = mountOf(p)
    pathDisks.set(p, owner ? (await devicesOfMount(owner)).flatMap(wholeDisks) : [])
  }
  for (const s of swaps) {
    if (s.type === 'partition') {
      const named = blockByName.get(s.file)
      const devnum = named?.devnum ?? sys.get(s.file.replace(/^\/dev\//, ''))?.devnum
      if (devnum !== undefined) hold([devnum], `swap ${s.file}`)
      else return { disks, paths: pathDisks, error: `cannot resolve the active swap device ${s.file}` }
    } else {
      // A swap file: the disk holding the filesystem it lives on.
      const owner = mountOf(s.file)
      if (owner) hold(await devicesOfMount(owner), `swap file ${s.file}`)
    }
  }
  return { disks, paths: pathDisks }
}
