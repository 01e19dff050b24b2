import { Variant } from 'dbus-next'
import { AppError } from '../../../shared/contract/errors'
import { CUSTOMISE_LIMITS } from '../../../shared/contract/customise'
import type { CommandRunner } from '../system/command'
import type { UDisksClient } from '../drives/udisks/client'
import { setTimeout as sleep } from 'node:timers/promises'
import { IFACE, num, str, type ObjectTree } from '../drives/udisks/tree'

const MiB = 1024 * 1024

/** Where the persistence partition goes: the first MiB boundary after the image. */
export interface PersistencePlan {
  offset: number
  size: number
  label: string
}

/**
 * The free space after the written image: from the next MiB boundary, `sizeBytes` long
 * (0 = to the end of the stick, less 1 MiB for a backup GPT the table may need).
 */
export function planPersistence(imageBytes: number, driveBytes: number, sizeBytes: number, label: string): PersistencePlan {
  const offset = Math.ceil(imageBytes / MiB) * MiB
  const room = Math.floor((driveBytes - MiB - offset) / MiB) * MiB
  const size = sizeBytes === 0 ? room : Math.ceil(sizeBytes / MiB) * MiB
  if (room < CUSTOMISE_LIMITS.minPersistBytes || size > room)
    throw new AppError(
      'NoRoomForPersistence',
      `The drive has ${Math.max(0, Math.floor(room / MiB))} MiB free after the image, too little for ${sizeBytes ? `${size / MiB} MiB of` : ''} persistent storage.`,
      {
        stage: 'persist',
        hint: 'Use a larger stick or ask for less persistent storage.'
      }
    )
  return { offset, size, label }
}

/** Adds the partition and its ext4 filesystem to a written drive; two implementations below. */
export interface PersistenceTarget {
  create(plan: PersistencePlan): Promise<void>
}

/**
 * A stick, through UDisks2 (polkit asks; the app stays unprivileged): one call creates the
 * partition in the free space after the image and formats it ext4 with the label dracut's
 * rd.live.overlay=LABEL= looks for. MBR type 0x83, GPT "Linux filesystem".
 */
export function udisksTarget(client: UDisksClient, diskPath: string, device: string, gpt: boolean): PersistenceTarget {
  return {
    async create(plan) {
      try {
        await client.call(
          diskPath,
          IFACE.partitionTable,
          'CreatePartitionAndFormat',
          'ttssa{sv}sa{sv}',
          [
            BigInt(plan.offset),
            BigInt(plan.size),
            gpt ? '0fc63daf-8483-4772-8e79-3d69d8477de4' : '0x83',
            '',
            {},
            'ext4',
            { label: new Variant('s', plan.label) }
          ],
          { timeoutMs: undefined }
        )
      } catch (err) {
        // udisksd waits only 20 s for udev after creating and after formatting; on a slow stick
        // it reports failure although the work is done or half done (seen with restore too).
        const message = err instanceof Error ? err.message : ''
        if (/Error synchronizing after (initial wipe|formatting)/.test(message) && (await finishLate(client, diskPath, plan))) return
        throw new AppError('PersistenceFailed', `The persistence partition could not be created on ${device}.`, {
          stage: 'persist',
          hint: 'The image itself is written and boots without persistence.',
          detail: message
        })
      }
    }
  }
}

/** Waits for the partition at the planned offset, formats it if udisksd gave up before mkfs. */
async function finishLate(client: UDisksClient, diskPath: string, plan: PersistencePlan, timeoutMs = 60_000): Promise<boolean> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(1000)) {
    const tree = await client.getManagedObjects().catch(() => ({}) as ObjectTree)
    const found = Object.entries(tree).find(([, i]) => str(i[IFACE.partition], 'Table') === diskPath && num(i[IFACE.partition], 'Offset') === plan.offset)
    if (!found) continue
    const [partPath, ifaces] = found
    if (str(ifaces[IFACE.block], 'IdType') === 'ext4' && str(ifaces[IFACE.block], 'IdLabel') === plan.label) return true
    if (str(ifaces[IFACE.block], 'IdType') === '') {
      await client.call(partPath, IFACE.block, 'Format', 'sa{sv}', ['ext4', { label: new Variant('s', plan.label) }], { timeoutMs: undefined })
      return true
    }
  }
  return false
}

/**
 * A disk image file the user owns (or a test's stick image): sfdisk appends the partition
 * entry to the image's MBR, mkfs.ext4 formats the range in place (-E offset), no loop device.
 */
export function imageFileTarget(run: CommandRunner, file: string): PersistenceTarget {
  return {
    async create(plan) {
      const entry = `start=${plan.offset / 512}, size=${plan.size / 512}, type=83\n`
      const part = await run(['sfdisk', '--no-reread', '--no-tell-kernel', '--append', file], { input: entry, env: { LANG: 'C' } })
      if (part.code !== 0)
        throw new AppError('PersistenceFailed', `Adding the persistence partition to ${file} failed.`, { stage: 'persist', detail: part.stderr.trim() })
      const mkfs = await run(['mkfs.ext4', '-q', '-F', '-L', plan.label, '-E', `offset=${plan.offset}`, file, `${plan.size / 1024}k`], {
        timeoutMs: 10 * 60_000
      })
      if (mkfs.code !== 0)
        throw new AppError('PersistenceFailed', `Formatting the persistence partition in ${file} failed.`, { stage: 'persist', detail: mkfs.stderr.trim() })
    }
  }
}
