import { constants as fsc } from 'node:fs'
import { Variant } from 'dbus-next'
import { udisksError } from '../errors'
import type { UDisksClient } from './client'
import { IFACE, str, strs, type ObjectTree } from './tree'

/** Linux O_CLOEXEC (not in fs.constants); the same on x86-64, arm64, ppc64le and s390x. */
const O_CLOEXEC = 0o2000000
const O_DIRECT = fsc.O_DIRECT ?? 0o40000
/** Exclusive open: fails with EBUSY while anything (a mount, another writer) holds the disk. */
export const OPEN_FLAGS = fsc.O_EXCL | O_DIRECT | O_CLOEXEC
/** Reading to compare: a read-only mount (an ISO stick) may stay. */
export const READ_FLAGS = O_DIRECT | O_CLOEXEC

const NO_TIMEOUT = { timeoutMs: undefined }

/** The whole disk and its partitions, in that order. */
export function blocksOfDisk(tree: ObjectTree, diskPath: string): string[] {
  const parts = Object.entries(tree)
    .filter(([, i]) => str(i[IFACE.partition], 'Table') === diskPath)
    .map(([p]) => p)
  return [diskPath, ...parts]
}

/**
 * Unmounts every filesystem on the drive (and locks unlocked LUKS partitions after
 * unmounting their cleartext filesystems) through UDisks2, so the exclusive open succeeds.
 * Returns the mount points it unmounted.
 */
export async function unmountDrive(client: UDisksClient, tree: ObjectTree, diskPath: string, device: string): Promise<string[]> {
  const done: string[] = []
  const unmount = async (path: string): Promise<void> => {
    const mounts = strs(tree[path]?.[IFACE.filesystem], 'MountPoints')
    if (!mounts.length) return
    try {
      // No timeout: unmounting flushes cached writes, which takes long on a slow stick.
      await client.call(path, IFACE.filesystem, 'Unmount', 'a{sv}', [{}], NO_TIMEOUT)
      done.push(...mounts)
    } catch (err) {
      throw udisksError(err, `unmount ${mounts.join(', ')} on`, 'unmount', device)
    }
  }
  for (const path of blocksOfDisk(tree, diskPath)) {
    const cleartext = str(tree[path]?.[IFACE.encrypted], 'CleartextDevice')
    if (cleartext && cleartext !== '/') {
      await unmount(cleartext)
      try {
        await client.call(path, IFACE.encrypted, 'Lock', 'a{sv}', [{}], NO_TIMEOUT)
      } catch (err) {
        throw udisksError(err, 'lock the encrypted partition on', 'unmount', device)
      }
    }
    await unmount(path)
  }
  return done
}

/**
 * Block.OpenDevice: UDisks2 checks polkit (the user may be asked for a password) and hands
 * back a descriptor. No D-Bus timeout: the prompt may sit on screen for minutes.
 */
export async function openDevice(client: UDisksClient, blockPath: string, mode: 'rw' | 'r', device: string, flags = OPEN_FLAGS): Promise<number> {
  let body: unknown[]
  try {
    body = await client.call(blockPath, IFACE.block, 'OpenDevice', 'sa{sv}', [mode, { flags: new Variant('i', flags) }], NO_TIMEOUT)
  } catch (err) {
    throw udisksError(err, mode === 'rw' ? 'open for writing' : 'open for reading', 'open', device)
  }
  const fd = body[0]
  if (typeof fd !== 'number' || fd < 0) {
    throw udisksError(new Error('UDisks2 returned no file descriptor'), 'open', 'open', device)
  }
  return fd
}

export async function ejectDrive(client: UDisksClient, drivePath: string, powerOff: boolean, device: string): Promise<void> {
  const member = powerOff ? 'PowerOff' : 'Eject'
  try {
    await client.call(drivePath, IFACE.drive, member, 'a{sv}', [{}], NO_TIMEOUT)
  } catch (err) {
    throw udisksError(err, powerOff ? 'power off' : 'eject', 'eject', device)
  }
}

/** Manager.CanFormat: whether UDisks2 finds the mkfs tool for a filesystem type. */
export async function canFormat(client: UDisksClient, type: string): Promise<boolean> {
  try {
    const [res] = await client.call('/org/freedesktop/UDisks2/Manager', IFACE.manager, 'CanFormat', 's', [type])
    return Array.isArray(res) && res[0] === true
  } catch {
    return false
  }
}

export async function formatGpt(client: UDisksClient, diskPath: string, device: string): Promise<void> {
  try {
    await client.call(diskPath, IFACE.block, 'Format', 'sa{sv}', ['gpt', {}], NO_TIMEOUT)
  } catch (err) {
    throw udisksError(err, 'create a GPT partition table on', 'partition', device)
  }
}

/** GPT "Microsoft basic data": what Windows and macOS expect for an exFAT/FAT data partition. */
const BASIC_DATA = 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7'

export async function createDataPartition(client: UDisksClient, diskPath: string, fsType: 'exfat' | 'vfat', label: string, device: string): Promise<string> {
  try {
    const [path] = await client.call(
      diskPath,
      IFACE.partitionTable,
      'CreatePartitionAndFormat',
      'ttssa{sv}sa{sv}',
      [0n, 0n, BASIC_DATA, label, {}, fsType, { label: new Variant('s', label) }],
      NO_TIMEOUT
    )
    return String(path)
  } catch (err) {
    throw udisksError(err, `create an ${fsType} partition on`, 'format', device)
  }
}

/** Block.Format of an existing partition (the second half of CreatePartitionAndFormat). */
export async function formatPartition(client: UDisksClient, partPath: string, fsType: 'exfat' | 'vfat', label: string, device: string): Promise<void> {
  try {
    await client.call(partPath, IFACE.block, 'Format', 'sa{sv}', [fsType, { label: new Variant('s', label) }], NO_TIMEOUT)
  } catch (err) {
    throw udisksError(err, `format the new partition as ${fsType} on`, 'format', device)
  }
}
