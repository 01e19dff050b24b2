import { z } from 'zod'
import { event, method } from './define'
import type { ErrorInfo } from './errors'

/** A mounted filesystem or active part of a drive (partition or the whole disk). */
export interface DrivePartition {
  device: string
  /** Partition number; 0 for a filesystem on the whole disk. */
  number: number
  size: number
  fsType: string
  label: string
  mountPoints: string[]
}

export interface DriveInfo {
  /** UDisks2 object path of the whole-disk block device. */
  id: string
  /**
   * Changes when the medium changes (another stick in the same port): a write refuses a
   * token that no longer matches, so a confirmation never applies to a different drive.
   */
  token: string
  device: string
  vendor: string
  model: string
  serial: string
  size: number
  /** ConnectionBus from UDisks2 ("usb", "sdio", "mmc", "" for internal), or "loop". */
  bus: string
  removable: boolean
  optical: boolean
  mediaAvailable: boolean
  readOnly: boolean
  ejectable: boolean
  canPowerOff: boolean
  loop: boolean
  /** Backing file of a loop device (test switch only). */
  backingFile?: string
  partitions: DrivePartition[]
  /** Every mount point on the drive. */
  mountPoints: string[]
  /** True when this drive may be written. */
  offered: boolean
  /** Why it is not offered (empty when offered). */
  reasons: string[]
  /** Shown before writing, e.g. "larger than 128 GB". */
  warnings: string[]
  /** Set when the list was asked with an image size and the drive cannot hold it. */
  tooSmall?: boolean
}

export interface DriveList {
  drives: DriveInfo[]
  /** UDisks2 daemon version. */
  udisksVersion: string
  /** True when the test-only loop-device switch is on in the service process. */
  loopDevicesAllowed: boolean
}

export type WriteStage = 'queued' | 'unmount' | 'open' | 'write' | 'sync' | 'verify' | 'read' | 'eject' | 'done' | 'failed' | 'cancelled'

export interface WriteError extends ErrorInfo {
  /** Byte offset on the drive where it failed, when it failed during I/O. */
  offset?: number
}

export interface WriteTargetState {
  id: string
  device: string
  model: string
  size: number
  stage: WriteStage
  /** Bytes of the current stage done (write: written; verify: read back). */
  bytes: number
  total: number
  percent: number
  /** Bytes per second of the current stage, smoothed. */
  speed: number
  etaSeconds?: number
  /** SHA-256 of the bytes read back (verify stage). */
  readBackSha256?: string
  verified?: boolean
  /**
   * How the read-back proved the drive holds the image: compared byte for byte with the image
   * file, or hashed and checked against the fingerprint of the image's bytes, taken while they
   * were written or kept since this unchanged file was verified (the image is then not read again).
   */
  verifiedBy?: 'comparison' | 'fingerprint'
  ejected?: boolean
  error?: WriteError
  /** After a failure or cancel: the drive no longer holds a bootable image. */
  notBootable?: boolean
  /** Something worth saying that is not a failure (e.g. the eject did not work). */
  note?: string
}

/** What a backup job wrote. */
export interface BackupOutcome {
  file: string
  compress: 'none' | 'zstd'
  /** Bytes read from the stick. */
  bytes: number
  /** What said where the image ends: a partition table, an ISO 9660 filesystem, or nothing (the whole drive). */
  endsAt: 'gpt' | 'mbr' | 'iso9660' | 'drive'
  /** SHA-256 of the bytes read from the stick (set when done). */
  sha256?: string
  /** SHA-256 of the compressed file (zstd). */
  fileSha256?: string
}

export interface WriteJob {
  jobId: string
  /** write (the default), verify a stick against an image, or back a stick up into a file. Verify and backup never write the drive. */
  kind?: 'write' | 'verify' | 'backup'
  /** The image written or compared; for a backup the output file. */
  image: string
  imageSize: number
  /** SHA-256 of the image as read while writing (set when the write stage finished). */
  sha256?: string
  /**
   * Set when the plain image was not hashed again: its SHA-256 was taken at this time (ISO
   * 8601) by an earlier verification or write, and the file is unchanged since.
   */
  sha256TakenAt?: string
  /** The verified hash the image was expected to have, when known (of the compressed file for a compressed image). */
  expectedSha256?: string
  /** Set when the image was decompressed while writing; imageSize is then the decompressed size. */
  compression?: Compression
  /** Size of the compressed file. */
  imageFileSize?: number
  /** SHA-256 of the compressed file as read while writing (compared with expectedSha256). */
  compressedSha256?: string
  verify: boolean
  after: 'none' | 'eject' | 'poweroff'
  /** Overall stage: the least advanced running target, or the final outcome. */
  stage: WriteStage
  targets: WriteTargetState[]
  startedAt: string
  finishedAt?: string
  /** One line for people: "Written and verified on 2 drives", "Failed: ...". */
  message: string
  backup?: BackupOutcome
}

/** Containers an image may come in; they are decompressed while writing. */
export type Compression = 'xz' | 'zstd' | 'gzip'

export interface ImageFile {
  /** Resolved path (symlinks followed) of a regular file. */
  path: string
  name: string
  /** Bytes written to the drive: the decompressed size (exact or, see sizeExact, estimated). */
  size: number
  /** Set for a compressed image (by content, not by name). */
  compression?: Compression
  /** Size of the file itself (differs from size when compressed). */
  fileSize: number
  /** False when the container does not record its decompressed size (gzip): size is a guess. */
  sizeExact: boolean
}

export interface RestoreResult {
  device: string
  partitionTable: 'gpt'
  partition: string
  fsType: 'exfat' | 'vfat'
  label: string
}

const device = z.string().min(1).max(256)
/** A SHA-256 as the user types it (the Write view checks a pasted one with this, loaded on demand). */
export const sha256Schema = z.string().regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 hex digest (64 hex digits)')
const sha256 = sha256Schema
const target = z
  .object({
    /** /dev path or UDisks2 object path of the whole disk. */
    device,
    /** The drive's token from drives.list (required): refuses to write when the drive changed since. */
    token: z.string().min(1).max(512)
  })
  .strict()

export const drivesMethods = {
  'drives.list': method<DriveList>()(
    z
      .object({
        /** Marks drives that cannot hold an image of this size. */
        imageSize: z
          .number()
          .int()
          .nonnegative()
          .max(2 ** 53)
          .optional()
      })
      .strict()
  ),
  /** Checks a local image path (exists, regular file) and returns its size. */
  'drives.image': method<ImageFile>()(z.object({ path: z.string().min(1).max(4096) }).strict()),
  /** Starts writing; returns at once. Progress and the outcome come as drives.progress. */
  'drives.write': method<WriteJob>()(
    z
      .object({
        image: z.string().min(1).max(4096),
        targets: z.array(target).min(1).max(8),
        verify: z.boolean().default(true),
        /** The verified hash of the image; the write fails if the image read differs. */
        expectedSha256: sha256.optional(),
        /** Needed to write an image that has no verified hash. */
        allowUnverified: z.boolean().default(false),
        after: z.enum(['none', 'eject', 'poweroff']).default('none')
      })
      .strict()
  ),
  'drives.jobs': method<WriteJob[]>()(z.object({}).strict()),
  'drives.cancel': method<WriteJob>()(z.object({ jobId: z.string().min(1).max(64) }).strict()),
  'drives.eject': method<{ device: string; poweredOff: boolean }>()(
    z.object({ device, token: z.string().min(1).max(512), powerOff: z.boolean().default(false) }).strict()
  ),
  /** Starts comparing a drive with an image (compressed or not); never writes it. Outcome as drives.progress (kind verify). */
  'drives.verify': method<WriteJob>()(z.object({ device, token: z.string().min(1).max(512), image: z.string().min(1).max(4096) }).strict()),
  /** Starts copying a drive into a file (up to the end of its last partition unless whole); never writes the drive. */
  'drives.backup': method<WriteJob>()(
    z
      .object({
        device,
        token: z.string().min(1).max(512),
        /** The output file; its name is checked like every local file name, and it is not replaced unless overwrite. */
        file: z.string().min(1).max(4096),
        compress: z.enum(['none', 'zstd']).default('none'),
        whole: z.boolean().default(false),
        overwrite: z.boolean().default(false)
      })
      .strict()
  ),
  /** Makes a written stick usable again: wipe, GPT, one exFAT (or FAT32) partition. */
  'drives.restore': method<RestoreResult>()(
    z
      .object({
        device,
        token: z.string().min(1).max(512),
        label: z
          .string()
          .max(11)
          .regex(/^[A-Za-z0-9 _-]*$/, 'letters, digits, space, _ and - only')
          .optional()
      })
      .strict()
  )
}

export const drivesEvents = {
  /** The drive list changed (hotplug, media change, mount). Full list, not a diff. */
  'drives.changed': event<DriveList>(),
  /** A write job advanced (at most 4 per second per job, plus every stage change). */
  'drives.progress': event<WriteJob>()
}
