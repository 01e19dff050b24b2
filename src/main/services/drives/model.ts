import { createHash } from 'node:crypto'
import type { DriveInfo, DrivePartition } from '../../../shared/contract/drives'
import type { SystemDisks } from './holders'
import { IFACE, bool, num, str, strs, type ObjectTree, type Props } from './udisks/tree'

/** Above this a "USB stick" is more likely a backup disk: ask twice. */
export const LARGE_DRIVE_BYTES = 128 * 1024 ** 3

/**
 * Device paths in natural order (loop2 before loop10). Not localeCompare: its first call loads
 * ICU's collation data, ~10 ms of every command that lists drives, for ASCII names.
 */
export function byDeviceName(a: string, b: string): number {
  const x = /^(.*?)(\d+)$/.exec(a)
  const y = /^(.*?)(\d+)$/.exec(b)
  if (x && y && x[1] === y[1]) return Number(x[2]) - Number(y[2])
  return a < b ? -1 : a > b ? 1 : 0
}
const HOTPLUG_BUSES = new Set(['usb', 'sdio', 'mmc'])

export interface ModelOptions {
  /** Test-only switch (the context's allowLoopDevices, chosen by the service process): list loop devices. */
  allowLoop: boolean
  imageSize?: number
}

const gb = (n: number): string => `${(n / 1e9).toFixed(n >= 10e9 ? 0 : 1)} GB`

function partitionsOf(tree: ObjectTree, diskPath: string): DrivePartition[] {
  const out: DrivePartition[] = []
  const own = (path: string, number: number): void => {
    const ifaces = tree[path]
    const b = ifaces[IFACE.block]
    const mounts = strs(ifaces[IFACE.filesystem], 'MountPoints')
    // An unlocked LUKS partition: its cleartext device's mounts are this drive's mounts.
    for (const i of Object.values(tree)) {
      if (str(i[IFACE.block], 'CryptoBackingDevice') === path) mounts.push(...strs(i[IFACE.filesystem], 'MountPoints'))
    }
    if (number === 0 && mounts.length === 0 && !str(b, 'IdType')) return
    out.push({
      device: str(b, 'PreferredDevice') || str(b, 'Device'),
      number,
      size: num(b, 'Size'),
      fsType: str(b, 'IdType'),
      label: str(b, 'IdLabel'),
      mountPoints: mounts
    })
  }
  own(diskPath, 0)
  for (const [path, ifaces] of Object.entries(tree)) {
    const part = ifaces[IFACE.partition]
    if (part && str(part, 'Table') === diskPath && ifaces[IFACE.block]) own(path, num(part, 'Number'))
  }
  return out.sort((a, b) => a.number - b.number)
}

function token(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24)
}

/**
 * Every whole-disk drive with the decision whether it may be written, and why not. Pure:
 * the same tree and system-disk facts always give the same answer (unit-tested on
 * recorded trees). Loop devices appear only with the test switch.
 */
export function buildDrives(tree: ObjectTree, system: SystemDisks, opts: ModelOptions): DriveInfo[] {
  const drives: DriveInfo[] = []
  for (const [path, ifaces] of Object.entries(tree)) {
    const b = ifaces[IFACE.block]
    if (!b || ifaces[IFACE.partition]) continue
    // Unlocked LUKS and other mapped devices are not drives of their own.
    if (str(b, 'CryptoBackingDevice') !== '/' && str(b, 'CryptoBackingDevice') !== '') continue
    const loopIface = ifaces[IFACE.loop]
    const drivePath = str(b, 'Drive')
    const d: Props | undefined = drivePath && drivePath !== '/' ? tree[drivePath]?.[IFACE.drive] : undefined
    const loop = Boolean(loopIface)
    if (loop && !opts.allowLoop) continue
    if (!loop && !d) continue
    const size = num(b, 'Size')
    if (loop && (size === 0 || !str(loopIface, 'BackingFile'))) continue

    const bus = loop ? 'loop' : str(d, 'ConnectionBus')
    const removable = loop || bool(d, 'Removable') || bool(d, 'MediaRemovable')
    const optical = bool(d, 'Optical') || strs(d, 'MediaCompatibility').some((m) => m.startsWith('optical'))
    const mediaAvailable = loop ? true : bool(d, 'MediaAvailable')
    const partitions = partitionsOf(tree, path)
    const mountPoints = partitions.flatMap((p) => p.mountPoints)
    const devnum = num(b, 'DeviceNumber')
    const device = str(b, 'Device')

    const reasons: string[] = []
    if (system.error) reasons.push(`cannot tell which disks hold the running system (${system.error})`)
    const holds = system.disks.get(devnum)
    if (holds) reasons.push(`holds the running system (${holds.join(', ')})`)
    if (!removable && !HOTPLUG_BUSES.has(bus)) reasons.push('internal drive (not removable, not on USB or an SD card slot)')
    if (optical) reasons.push('optical drive')
    if (!mediaAvailable || size === 0) reasons.push('no medium')
    if (!loop && bool(b, 'HintSystem')) reasons.push('UDisks2 marks it as a system device')
    if (bool(b, 'ReadOnly')) reasons.push('read-only (write-protected)')

    const warnings: string[] = []
    if (size > LARGE_DRIVE_BYTES) warnings.push(`larger than 128 GB (${gb(size)}): make sure this is not a backup or data disk`)
    if (mountPoints.length) warnings.push(`mounted at ${mountPoints.join(', ')}: it will be unmounted and overwritten`)

    const info: DriveInfo = {
      id: path,
      token: token([path, drivePath, str(d, 'Serial'), size, num(d, 'TimeMediaDetected'), str(loopIface, 'BackingFile'), devnum]),
      device,
      vendor: loop ? '' : str(d, 'Vendor'),
      model: loop ? 'Loop device' : str(d, 'Model') || str(d, 'Id') || device,
      serial: str(d, 'Serial'),
      size,
      bus,
      removable,
      optical,
      mediaAvailable,
      readOnly: bool(b, 'ReadOnly'),
      ejectable: bool(d, 'Ejectable'),
      canPowerOff: bool(d, 'CanPowerOff'),
      loop,
      partitions,
      mountPoints,
      offered: reasons.length === 0,
      reasons,
      // Warnings prepare a confirmation; a drive that is not offered gets reasons instead.
      warnings: reasons.length ? [] : warnings
    }
    if (loop) info.backingFile = str(loopIface, 'BackingFile')
    if (opts.imageSize !== undefined) info.tooSmall = size < opts.imageSize
    drives.push(info)
  }
  return drives.sort((a, b) => Number(b.offered) - Number(a.offered) || byDeviceName(a.device, b.device))
}
