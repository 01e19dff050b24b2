import { AppError } from '../../../shared/contract/errors'
import type { SpliceCopy } from './drive-io'
import { imageChanged, ioError } from './errors'

/**
 * Zero-copy writes: image bytes this process need not see (no SHA-256 to take while writing)
 * go from the image's page cache to the drive through a pipe (splice(2), the drive-io addon's
 * spliceCopy) instead of being read into a buffer and written from it. Only the drive's own
 * transfer copies them: on a 2-core machine writing to a fast drive, the read copy is a third
 * of the CPU the write costs.
 */

/**
 * 1 MiB: each O_DIRECT write the kernel issues from the pipe is then a USB stick's largest
 * transfer, and it is the default pipe-max-size, so any user may ask for it.
 */
const PIPE_SIZE = 1024 * 1024

interface SpliceFailure extends NodeJS.ErrnoException {
  /** Bytes that reached the drive before the failure. */
  copied?: number
}

/**
 * Copies image bytes [offset, offset + length) to the same offset of the drive. A failure
 * says which side failed: the drive (an I/O error at the byte it reached) or the image (a
 * read error, or a file that ended early because it changed).
 */
export async function spliceRange(
  copy: SpliceCopy,
  image: { fd: number; path: string },
  drive: { fd: number; device: string },
  offset: number,
  length: number
): Promise<void> {
  let copied: number
  try {
    copied = await copy(image.fd, drive.fd, offset, offset, length, PIPE_SIZE)
  } catch (err) {
    const e = err as SpliceFailure
    const at = offset + (e.copied ?? 0)
    if (e.syscall === 'splice (write)') throw ioError(e, 'write', drive.device, at)
    throw new AppError('ImageReadError', `Cannot read the image ${image.path} at byte ${at}: ${e.message}`, { stage: 'read image', cause: err })
  }
  if (copied < length) throw imageChanged(image.path, offset + copied)
}

/**
 * Whether splicing from this image to these drives works: one block, before anything is
 * queued. A kernel or file system without splice for them refuses with EINVAL and nothing
 * written; then the buffered path writes, as before. Other failures are left to the write
 * itself, which reports them at their offset.
 */
export async function spliceWorks(copy: SpliceCopy, imageFd: number, driveFds: number[], offset: number): Promise<boolean> {
  const probes = await Promise.all(
    driveFds.map((fd) =>
      copy(imageFd, fd, offset, offset, 4096, PIPE_SIZE).then(
        () => true,
        (err: SpliceFailure) => !(err.code === 'EINVAL' && !err.copied)
      )
    )
  )
  return probes.every(Boolean)
}
