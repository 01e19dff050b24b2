import { z } from 'zod'
import { method } from './define'
import { CUSTOMISE_LIMITS, DEFAULT_PERSIST_LABEL } from './customise-values'

export { CUSTOMISE_LIMITS, DEFAULT_PERSIST_LABEL, parsePersistSize } from './customise-values'

const text = (max: number) => z.string().min(1).max(max)

export const customiseOptions = z
  .object({
    /** Persistence: the boot entries get rd.live.overlay=LABEL=<label>; the write job adds the partition. */
    persist: z
      .object({
        label: text(CUSTOMISE_LIMITS.labelLength).default(DEFAULT_PERSIST_LABEL),
        /** Bytes; 0 = all the free space after the image. */
        sizeBytes: z
          .number()
          .int()
          .nonnegative()
          .max(2 ** 53)
          .default(0)
      })
      .strict()
      .optional(),
    /** A kickstart file of the user's (a path); excludes the generated one. */
    kickstartFile: text(4096).optional(),
    /** Fields of the generated kickstart. */
    user: text(32).optional(),
    /** A path to a public key file, or the key line itself (sshKey). */
    sshKeyFile: text(4096).optional(),
    sshKey: text(CUSTOMISE_LIMITS.sshKeyBytes).optional(),
    hostname: text(253).optional(),
    kernelArgs: z.array(text(CUSTOMISE_LIMITS.kernelArgLength)).max(CUSTOMISE_LIMITS.kernelArgs).default([])
  })
  .strict()

export type CustomiseOptions = z.output<typeof customiseOptions>
export type CustomiseOptionsInput = z.input<typeof customiseOptions>

/** What the customised copy is, recorded in a sidecar JSON next to it. */
export interface CustomiseRecord {
  /** The customised image (in the download folder). */
  path: string
  sha256: string
  size: number
  /** The verified original it was made from and that original's SHA-256. */
  source: string
  sourceSha256: string
  volumeId: string
  /** Kernel arguments added to every boot entry. */
  addedArgs: string[]
  /** Name of the kickstart on the image (root of the ISO), when one was placed. */
  kickstart?: string
  persist?: { label: string; sizeBytes: number }
  /** Boot configurations that were changed, as paths inside the image ("efiboot.img:/EFI/BOOT/grub.cfg"). */
  editedConfigs: string[]
  createdAt: string
}

export interface PersistResult {
  device: string
  label: string
  offset: number
  size: number
}

export const customiseMethods = {
  /**
   * Makes a customised copy of a verified ISO in the download folder (never touching the
   * original) and returns its record. The original must be verified: its SHA-256 is given
   * (sourceSha256) and checked against the file.
   */
  'customise.run': method<CustomiseRecord>()(
    z
      .object({
        image: text(4096),
        sourceSha256: z.string().regex(/^[0-9a-fA-F]{64}$/),
        options: customiseOptions
      })
      .strict()
  ),
  /**
   * After a customised image with persistence was written to a drive: the ext4 partition
   * with the recorded label in the free space after the image (UDisks2; polkit may ask).
   */
  'customise.persist': method<PersistResult>()(
    z
      .object({
        image: text(4096),
        device: z.string().regex(/^\/dev\/[A-Za-z0-9._-]{1,64}$/),
        token: text(512)
      })
      .strict()
  ),
  /** The record of a customised image (its sidecar), or null when the file has none. */
  'customise.record': method<CustomiseRecord | null>()(z.object({ image: text(4096) }).strict())
}
