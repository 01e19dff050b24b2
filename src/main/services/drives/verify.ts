import { read as fsRead } from 'node:fs'
import { AppError } from '../../../shared/contract/errors'
import { alignedBuffers, roundUp } from './aligned'
import { loadDriveIo, type CompareAt, type CompareResult, type DriveIo, type HashAt } from './drive-io'
import { LEAF, leavesBytes, leavesFrom, treeOf } from '../system/fingerprint'
import { cancelled, DriveIoError, ioError } from './errors'
import { MiB } from './pipeline'
import { openFileReader, type ImageReader } from './source'

export interface ReadBackOptions {
  fd: number
  device: string
  imageSize: number
  blockSize: number
  signal: AbortSignal
  chunkSize?: number
  readsInFlight?: number
  onProgress?(bytesRead: number): void
  /** The pool-thread comparison; default the drive-io addon's (a plain image file only). */
  compareAt?: CompareAt
  /** The pool-thread read and hash of the drive; default the drive-io addon's. */
  hashAt?: HashAt
  /** Bytes each pool-thread comparison covers, in chunks of chunkSize (default POOL_SPAN). */
  poolSpan?: number
}

/**
 * 4 MiB per pool call, compared 1 MiB at a time: four times fewer hand-offs between the pool
 * and the JavaScript thread than one call per chunk, which left a RAM-backed drive's read-back
 * waiting on the busy main thread (1 GiB: 218-237 ms; this way 183-212 ms; the same reads in C
 * with 4 threads ~172 ms). 16 MiB per call was no faster.
 */
export const POOL_SPAN = 4 * MiB

/** Bytes each read-and-hash of the drive covers: one read, the size a drive reads fastest. */
export const HASH_SPAN = 4 * MiB

/** Reads exactly `length` bytes at `position` (fewer only at the end of the device); errors carry the offset. */
export function readAt(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0
    const step = (): void => {
      fsRead(fd, buf, done, length - done, position + done, (err, n) => {
        if (err) return reject(Object.assign(err, { offset: position + done }))
        if (n === 0) return resolve(done)
        done += n
        if (done < length) step()
        else resolve(done)
      })
    }
    step()
  })
}

function shortRead(device: string, offset: number): DriveIoError {
  return new DriveIoError('DriveRemoved', `${device} ended at byte ${offset} while reading it back: the drive was removed or changed size.`, offset, {
    stage: 'verify',
    hint: 'Plug the drive in again and write it again.'
  })
}

export interface ImageCheck {
  imagePath: string
  /** The image's bytes (default: the file at imagePath); a function is called only when the image must be read. */
  source?: ImageReader | (() => Promise<ImageReader>)
  /**
   * The image's fingerprint (system/fingerprint.ts), of this very file unchanged since or of
   * the bytes just written: the drive is read and hashed, the image is not read at all (unless
   * the drive differs: then the comparison finds the first differing byte).
   */
  tree?: string
  /** Take the image's fingerprint while comparing (leaf-sized steps, the default, on the pool). */
  fingerprint?: boolean
  /**
   * The drive holds the image: proved by a byte comparison (with the image's fingerprint when
   * asked for and taken) or by the drive's hash matching the kept fingerprint.
   */
  onEqual?(by: ReadBackMethod, tree?: string): void
}

export type ReadBackMethod = 'comparison' | 'fingerprint'

/**
 * Reads the image's length back from the drive with O_DIRECT and compares it with the image
 * file, chunk by chunk; returns the first differing byte, or undefined when the drive holds
 * exactly the image. A byte comparison runs at memory speed, so verification costs one read
 * of the stick (plus a read of the image, usually from the page cache) instead of a second
 * SHA-256 pass that is CPU-bound on small machines. A few device reads stay queued ahead.
 * With the image's fingerprint kept (`tree`), it is one read of the stick and nothing else.
 */
export async function compareWithImage(opts: ReadBackOptions & ImageCheck): Promise<number | undefined> {
  const io = loadDriveIo()
  const hashAt = opts.hashAt ?? io?.hashAt
  // The drive alone, hashed: with the fingerprint matching, the image is never opened.
  const driveTree = opts.tree && hashAt && io ? await hashOnPool(hashAt, io, opts) : undefined
  if (driveTree !== undefined && driveTree === opts.tree) {
    opts.onEqual?.('fingerprint')
    return undefined
  }
  // A compressed image is decompressed again: the drive is compared with the decompressed stream.
  const image = typeof opts.source === 'function' ? await opts.source() : (opts.source ?? (await openFileReader(opts.imagePath)))
  const { differs, tree } = await compareBytes(image, io, opts)
  if (differs === undefined && driveTree !== undefined) {
    // The drive hashed differently but holds the image's bytes: the image is not what was hashed.
    throw new AppError(
      'ImageReadError',
      `The image ${opts.imagePath} does not match its fingerprint, taken when it was verified or while it was written: it changed since.`,
      {
        stage: 'verify',
        hint: 'Do not boot from this drive. Verify the image again (hsc verify, or the Verify step), then write it again.'
      }
    )
  }
  if (differs === undefined) opts.onEqual?.('comparison', tree)
  return differs
}

/** The drive compared with the image's bytes: the first differing byte, and the image's fingerprint when asked for and taken. */
async function compareBytes(image: ImageReader, io: DriveIo | undefined, opts: ReadBackOptions & ImageCheck): Promise<{ differs?: number; tree?: string }> {
  // 1 MiB reads, 4 queued (the size of a USB stick's largest transfer, still a deep queue):
  // the image chunk is compared while it is still in the CPU's cache. A RAM-backed drive read
  // back 1 GiB in 205-215 ms this way (4 to 8 queued) against 250 ms with 4 MiB x 3 (11 alternating runs).
  const chunkSize = opts.chunkSize ?? MiB
  const depth = Math.max(1, opts.readsInFlight ?? 4)
  const compareAt = image.fd !== undefined && (opts.compareAt ?? io?.compareAt)
  if (compareAt && image.fd !== undefined) {
    try {
      // Leaf hashes in steps of whole leaves (the default); a tuned step size just compares.
      const leaves = io && opts.fingerprint && !opts.tree && chunkSize % LEAF === 0 ? Buffer.alloc(leavesBytes(opts.imageSize)) : undefined
      const differs = await compareOnPool(compareAt, image.fd, { ...opts, chunkSize, readsInFlight: depth }, leaves)
      return { differs, tree: differs === undefined && leaves && io ? treeOf(io.xxh3, leaves, opts.imageSize) : undefined }
    } finally {
      await image.close()
    }
  }
  const len = (offset: number): number => Math.min(chunkSize, opts.imageSize - offset)
  const devBufs = alignedBuffers(depth + 1, chunkSize)
  const imgBufs = Array.from({ length: depth + 1 }, () => Buffer.allocUnsafe(chunkSize))
  const queue: Array<{ offset: number; dev: Buffer; img: Buffer; read: Promise<number>; imgRead: Promise<number> }> = []
  let nextOffset = 0
  let slot = 0
  const fill = (): void => {
    while (queue.length < depth && nextOffset < opts.imageSize) {
      const i = slot++ % devBufs.length
      const dev = devBufs[i]
      const img = imgBufs[i]
      const read = readAt(opts.fd, dev, roundUp(len(nextOffset), opts.blockSize), nextOffset)
      const imgRead = image.read(img, len(nextOffset), nextOffset)
      read.catch(() => undefined) // awaited in order below
      imgRead.catch(() => undefined)
      queue.push({ offset: nextOffset, dev, img, read, imgRead })
      nextOffset += chunkSize
    }
  }
  try {
    fill()
    while (queue.length) {
      const { offset, dev, img, read, imgRead } = queue[0]
      if (opts.signal.aborted) throw cancelled('verify', opts.device, offset)
      let got: number
      try {
        got = await read
      } catch (err) {
        throw ioError(err, 'verify', opts.device, (err as { offset?: number }).offset ?? offset)
      }
      const want = len(offset)
      if (got < want) throw shortRead(opts.device, offset + got)
      const imgGot = await imgRead
      queue.shift()
      fill()
      const a = dev.subarray(0, want)
      const b = img.subarray(0, Math.min(want, imgGot))
      if (imgGot < want || !a.equals(b)) {
        for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return { differs: offset + i }
        return { differs: offset + b.length }
      }
      opts.onProgress?.(offset + want)
    }
    return {}
  } finally {
    // No read may still be running when the caller closes (and the OS reuses) the descriptor.
    await Promise.all(queue.map((q) => Promise.all([q.read.catch(() => undefined), q.imgRead.catch(() => undefined)])))
    await image.close()
  }
}

/** One pool call over a range: compareAt's or hashAt's, through the queue's buffer `slot`. */
type PoolCall = (slot: number, offset: number, length: number, stop: Int32Array) => Promise<CompareResult>

/**
 * Runs `call` over the image's length, `span` bytes per call, `depth` calls in flight, and
 * reads their answers in order: the first differing byte, or undefined when every range was
 * equal. The JavaScript thread only keeps the queue.
 */
async function overPool(opts: ReadBackOptions & { imagePath: string }, span: number, depth: number, call: PoolCall): Promise<number | undefined> {
  const len = (offset: number): number => Math.min(span, opts.imageSize - offset)
  const queue: Array<{ offset: number; done: Promise<CompareResult> }> = []
  // A cancel stops the queued calls after their current step, not after their whole span.
  const stop = new Int32Array(1)
  const onAbort = (): void => void Atomics.store(stop, 0, 1)
  opts.signal.addEventListener('abort', onAbort, { once: true })
  let nextOffset = 0
  let slot = 0
  const fill = (): void => {
    // A slot is taken again only after the call that used it was shifted off the queue.
    while (queue.length < depth && nextOffset < opts.imageSize) {
      const done = call(slot++ % depth, nextOffset, len(nextOffset), stop)
      done.catch(() => undefined) // awaited in order below
      queue.push({ offset: nextOffset, done })
      nextOffset += span
    }
  }
  try {
    fill()
    while (queue.length) {
      const { offset, done } = queue[0]
      if (opts.signal.aborted) throw cancelled('verify', opts.device, offset)
      let r: CompareResult
      try {
        r = await done
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { offset?: number }
        const at = e.offset ?? offset
        if (e.syscall === 'pread (image)')
          throw new AppError('ImageReadError', `Cannot read the image ${opts.imagePath} at byte ${at}: ${e.message}`, { stage: 'read image', cause: err })
        throw ioError(err, 'verify', opts.device, at)
      }
      if (r.stopped) throw cancelled('verify', opts.device, offset)
      if (r.driveEnd >= 0) throw shortRead(opts.device, offset + r.driveEnd)
      if (r.firstDifference >= 0) return offset + r.firstDifference
      if (r.imageEnd >= 0) return offset + r.imageEnd
      queue.shift()
      // Nothing is queued after a cancel.
      if (opts.signal.aborted) throw cancelled('verify', opts.device, offset + len(offset))
      fill()
      opts.onProgress?.(offset + len(offset))
    }
    return undefined
  } finally {
    // No read may still be running when the caller closes (and the OS reuses) the descriptor:
    // the calls still queued are stopped at their next step and waited for.
    Atomics.store(stop, 0, 1)
    await Promise.all(queue.map((q) => q.done.catch(() => undefined)))
    opts.signal.removeEventListener('abort', onAbort)
  }
}

/**
 * compareWithImage for a plain image file: each chunk is read from the drive and the image
 * and compared on one pool thread (the drive-io addon), so the JavaScript thread only keeps
 * the queue; on a 2-core machine its memcmp and two round trips per chunk were a third of a
 * fast drive's read-back. Same results and failures as the JavaScript comparison. With
 * `leaves`, the image's leaf hashes are written there (system/fingerprint.ts).
 */
function compareOnPool(
  compareAt: CompareAt,
  imageFd: number,
  opts: ReadBackOptions & { imagePath: string; chunkSize: number; readsInFlight: number },
  leaves?: Buffer
): Promise<number | undefined> {
  const { chunkSize, readsInFlight: depth } = opts
  const span = Math.max(1, Math.floor((opts.poolSpan ?? POOL_SPAN) / chunkSize)) * chunkSize
  const devBufs = alignedBuffers(depth, chunkSize)
  const imgBufs = Array.from({ length: depth }, () => Buffer.allocUnsafe(chunkSize))
  return overPool(opts, span, depth, (i, offset, want, stop) =>
    compareAt(
      opts.fd,
      devBufs[i],
      imageFd,
      imgBufs[i],
      offset,
      want,
      roundUp(want, opts.blockSize),
      chunkSize,
      stop,
      leaves ? leavesFrom(leaves, offset) : undefined,
      LEAF
    )
  )
}

/**
 * The drive's fingerprint over the image's length (system/fingerprint.ts): HASH_SPAN per read, hashed on the
 * pool thread that read it. Two calls in flight: on 2 cores a RAM-backed drive read back
 * fastest so, as fast as reading it without hashing (C, 1 GiB: 108-130 ms; 4 threads 123-134).
 */
async function hashOnPool(hashAt: HashAt, io: Pick<DriveIo, 'xxh3'>, opts: ReadBackOptions & { imagePath: string }): Promise<string> {
  const depth = 2
  const bufs = alignedBuffers(depth, HASH_SPAN)
  const leaves = Buffer.alloc(leavesBytes(opts.imageSize))
  // A read-and-hash reports no differing byte: every failure (drive ended, cancel) throws.
  await overPool(opts, HASH_SPAN, depth, (i, offset, want, stop) =>
    hashAt(opts.fd, bufs[i], offset, want, roundUp(want, opts.blockSize), LEAF, stop, leavesFrom(leaves, offset))
  )
  return treeOf(io.xxh3, leaves, opts.imageSize)
}
