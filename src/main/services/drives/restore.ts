import { close as fsClose, fsync as fsFsync, write as fsWrite } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { DriveInfo, RestoreResult } from '../../../shared/contract/drives'
import { AppError } from '../../../shared/contract/errors'
import type { RootFs } from '../system/rootfs'
import { alignedBuffers } from './aligned'
import { ioError } from './errors'
import { MiB } from './pipeline'
import type { UDisksClient } from './udisks/client'
import { canFormat, createDataPartition, formatGpt, formatPartition, openDevice, unmountDrive } from './udisks/ops'
import { IFACE, str, type ObjectTree } from './udisks/tree'

const write = promisify(fsWrite)
const fsync = promisify(fsFsync)
const close = promisify(fsClose)

export const DEFAULT_LABEL = 'USB_DRIVE'

/**
 * Makes a stick that holds an ISO usable for files again: zero its first and last MiB (the
 * ISO's boot records and any backup GPT), then a GPT with one exFAT partition (FAT32 when
 * mkfs.exfat is missing), all through UDisks2.
 */
/**
 * When creating the partition failed because the kernel made no device for it (a kernel
 * without GPT support, CONFIG_EFI_PARTITION unset), say that instead of a bare UDisks2 error.
 */
async function partitionInvisible(fs: RootFs, device: string): Promise<AppError | undefined> {
  const name = path.basename(device)
  const children = (await fs.list(`/sys/class/block/${name}`)).filter((e) => e.startsWith(name))
  if (children.length > 0) return undefined
  return new AppError(
    'PartitionNotVisible',
    `The GPT partition table was written to ${device}, but the kernel created no device for its partition, so it could not be formatted.`,
    { stage: 'format', hint: 'This kernel reads no GPT partition tables (CONFIG_EFI_PARTITION is not set). Format the drive on another computer.' }
  )
}

/**
 * udisksd waits only 20 s for udev to report a fresh filesystem and then fails with "Error
 * synchronizing after formatting" although mkfs succeeded; on a slow stick or a busy machine
 * udev takes longer (seen in the VM test tier). Wait for the partition ourselves first.
 */
async function lateFilesystem(client: UDisksClient, diskPath: string, fsType: string, timeoutMs = 60_000): Promise<string | undefined> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(1000)) {
    const tree = await client.getManagedObjects().catch(() => ({}) as ObjectTree)
    for (const [p, ifaces] of Object.entries(tree)) {
      if (str(ifaces[IFACE.partition], 'Table') === diskPath && str(ifaces[IFACE.block], 'IdType') === fsType && ifaces[IFACE.filesystem]) return p
    }
  }
  return undefined
}

/**
 * "Error synchronizing after initial wipe": udisksd created the partition, wiped it and gave
 * up waiting for udev before mkfs (seen on a slow machine). The partition exists: wait for it
 * to show up, then format it ourselves.
 */
async function latePartition(client: UDisksClient, diskPath: string, timeoutMs = 60_000): Promise<string | undefined> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(1000)) {
    const tree = await client.getManagedObjects().catch(() => ({}) as ObjectTree)
    const parts = Object.entries(tree).filter(([, ifaces]) => str(ifaces[IFACE.partition], 'Table') === diskPath)
    if (parts.length === 1) return parts[0][0]
  }
  return undefined
}

export async function restoreDrive(
  client: UDisksClient,
  fs: RootFs,
  tree: ObjectTree,
  d: DriveInfo,
  opts: { label?: string; blockSize: number }
): Promise<RestoreResult> {
  await unmountDrive(client, tree, d.id, d.device)
  const fd = await openDevice(client, d.id, 'rw', d.device)
  try {
    const [zeros] = alignedBuffers(1, MiB)
    const firstLen = Math.min(MiB, d.size - (d.size % opts.blockSize))
    const lastStart = Math.max(0, d.size - MiB)
    const lastOffset = lastStart - (lastStart % opts.blockSize)
    for (const [offset, length] of [
      [0, firstLen],
      [lastOffset, d.size - lastOffset]
    ]) {
      try {
        await write(fd, zeros, 0, length, offset)
      } catch (err) {
        throw ioError(err, 'write', d.device, offset)
      }
    }
    await fsync(fd).catch((err: unknown) => {
      throw ioError(err, 'sync', d.device)
    })
  } finally {
    await close(fd).catch(() => undefined)
  }
  await formatGpt(client, d.id, d.device)
  const fsType = (await canFormat(client, 'exfat')) ? 'exfat' : 'vfat'
  const raw = opts.label?.trim() || DEFAULT_LABEL
  const label = fsType === 'vfat' ? raw.toUpperCase().slice(0, 11) : raw.slice(0, 15)
  let partPath: string
  try {
    partPath = await createDataPartition(client, d.id, fsType, label, d.device)
  } catch (err) {
    const message = err instanceof Error ? err.message : ''
    let late: string | undefined
    if (/Error synchronizing after formatting/.test(message)) late = await lateFilesystem(client, d.id, fsType)
    else if (/Error synchronizing after initial wipe/.test(message)) {
      late = await latePartition(client, d.id)
      if (late) await formatPartition(client, late, fsType, label, d.device)
    }
    if (!late) throw (await partitionInvisible(fs, d.device)) ?? err
    partPath = late
  }
  const props = await client.getProperties(partPath, IFACE.block).catch(() => ({}))
  const partition = str(props, 'PreferredDevice') || str(props, 'Device')
  if (!partition) throw new AppError('UDisksError', `UDisks2 created ${partPath} but does not name its device.`, { stage: 'format' })
  return { device: d.device, partitionTable: 'gpt', partition, fsType, label }
}
