import { write as fsWrite } from 'node:fs'
import { alignedBuffers, roundUp } from './aligned'
import { cancelled, imageChanged, ioError, DriveIoError, NOT_BOOTABLE } from './errors'
import { startHasher, type StreamHasher } from '../system/hash-thread'
import { loadDriveIo, type DriveIo, type SpliceCopy } from './drive-io'
import { LEAF, leavesBytes, treeOf } from '../system/fingerprint'
import { spliceRange, spliceWorks } from './splice-body'
import { openFileReader, type ImageReader } from './source'
import { AppError } from '../../../shared/contract/errors'

export const MiB = 1024 * 1024

export interface PipelineTarget {
  id: string
  device: string
  /** Descriptor opened with O_DIRECT (from UDisks2 OpenDevice, or a file in unit use). */
  fd: number
  size: number
  /** Logical block size: O_DIRECT lengths and offsets must be multiples of it. */
  blockSize: number
}

export type WriteKind = 'wipe' | 'data' | 'head'

export interface WriteEvent {
  target: string
  offset: number
  length: number
  kind: WriteKind
  phase: 'start' | 'done'
  /** A data write that went from the image file to the drive without a buffer (splice). */
  zeroCopy?: boolean
}

export interface PipelineOptions {
  imagePath: string
  /** Where the image bytes come from (a decompressor); default: the file at imagePath. Closed by writeImage. */
  source?: ImageReader
  targets: PipelineTarget[]
  signal: AbortSignal
  /** Compute the SHA-256 of the image while writing (needed for verify or an expected hash). */
  hash: boolean
  /**
   * Take the fingerprint of the bytes written (system/fingerprint.ts) from the buffers that
   * carry them, so the read-back can hash the drive instead of reading the image again. Only
   * when every byte passes through a buffer (nothing spliced) and the drive-io addon is built.
   */
  fingerprint?: boolean
  chunkSize?: number
  /** Buffers shared by reading and all targets: reads run ahead of writes by up to this many. */
  buffers?: number
  /** Held back and written last, so an interrupted write never leaves a bootable drive. */
  headSize?: number
  /** Writes in flight per target. */
  writesInFlight?: number
  /**
   * Image bytes not hashed here go from the file to the drives without a buffer (splice),
   * when the image is a plain file and the addon is built (default). False: always buffers.
   */
  zeroCopy?: boolean
  /** The splice implementation; default the addon's (tests stand in a kernel that refuses it). */
  spliceCopy?: SpliceCopy
  onProgress?(target: string, bytesWritten: number): void
  /** Observer of every write (tests assert the first MiB is written last). */
  onWrite?(ev: WriteEvent): void
  /** Filled in by writeImage: fails one target from outside (the drive was removed). */
  control?: PipelineControl
}

export interface PipelineControl {
  /** `make` receives the byte offset on the drive the target had reached. */
  fail?(targetId: string, make: (offset: number) => DriveIoError): void
}

export interface PipelineResult {
  imageSize: number
  sha256?: string
  /** SHA-256 of the compressed file as read (when the source decompressed one). */
  containerSha256?: string
  /** The fingerprint of the image's bytes as written (with `fingerprint`, when taken). */
  tree?: string
  /** Targets that failed (the others were written and synced). */
  failures: Map<string, DriveIoError>
}

interface Chunk {
  /** The bytes, when they pass through a buffer (a spliced chunk has none). */
  buf?: Buffer
  /** Writes the chunk to one target. */
  write(t: PipelineTarget): Promise<void>
  offset: number
  /** Image bytes in this chunk. */
  length: number
  /** Bytes written: length rounded up to the block size, zero-padded. */
  padded: number
  refs: number
}

/** A pool of aligned buffers; acquire waits until one is free. */
class BufferPool {
  private readonly free: Buffer[]
  private readonly waiters: Array<(b: Buffer) => void> = []
  constructor(buffers: Buffer[]) {
    this.free = [...buffers]
  }
  acquire(): Promise<Buffer> {
    const b = this.free.pop()
    return b ? Promise.resolve(b) : new Promise((resolve) => this.waiters.push(resolve))
  }
  release(b: Buffer): void {
    const w = this.waiters.shift()
    if (w) w(b)
    else this.free.push(b)
  }
}

/**
 * Reads `length` bytes at `position`. With a known size, an early end means the file changed;
 * a stream of unknown size (gzip) just ends, and the short count says where.
 */
async function readFully(src: ImageReader, buf: Buffer, length: number, position: number, imagePath: string): Promise<number> {
  const n = await src.read(buf, length, position)
  if (n < length && src.size !== undefined) throw imageChanged(imagePath, position + n)
  return n
}

function tooSmall(t: PipelineTarget, imageSize: number | string): DriveIoError {
  return new DriveIoError('DriveTooSmall', `${t.device} (${t.size} bytes) is smaller than the image (${imageSize} bytes).`, t.size, {
    stage: 'write',
    hint: NOT_BOOTABLE
  })
}

/** pwrite loop: O_DIRECT writes may be short at the end of a device. */
function writeAll(fd: number, buf: Buffer, length: number, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0
    const step = (): void => {
      // fs.write with a raw descriptor: the one UDisks2 passed us is not a FileHandle.
      fsWrite(fd, buf, done, length - done, position + done, (err, n) => {
        if (err) return reject(Object.assign(err, { offset: position + done }))
        if (n === 0) return reject(Object.assign(new Error('the device accepted no more data'), { code: 'ENOSPC', offset: position + done }))
        done += n
        if (done < length) step()
        else resolve()
      })
    }
    step()
  })
}

/** Per-target state: its own queue of chunks, written in order with a few writes in flight. */
class TargetWriter {
  failure?: DriveIoError
  written = 0
  private readonly queue: Chunk[] = []
  private readonly issued = new Set<number>()
  /** End of the highest completed write: where the target is when nothing is pending. */
  private reached = 0
  private inFlight = 0
  private idleWaiters: Array<() => void> = []

  constructor(
    readonly t: PipelineTarget,
    private readonly depth: number,
    private readonly release: (c: Chunk) => void,
    private readonly opts: PipelineOptions,
    /** A failure on the image's side (a spliced chunk could not be read): it ends every target. */
    private readonly imageFailed: (err: AppError) => void
  ) {}

  push(c: Chunk): void {
    if (this.failure) return this.release(c)
    this.queue.push(c)
    this.pump()
  }

  fail(err: DriveIoError): void {
    if (this.failure) return
    this.failure = err
    for (const c of this.queue.splice(0)) this.release(c)
    this.wakeIdle()
  }

  /** Byte offset on the drive of the first chunk not yet completely written. */
  position(): number {
    const pending = [...this.issued]
    if (this.queue.length) pending.push(this.queue[0].offset)
    return pending.length ? Math.min(...pending) : this.reached
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private wakeIdle(): void {
    if (this.inFlight === 0 && (this.queue.length === 0 || this.failure)) for (const w of this.idleWaiters.splice(0)) w()
  }

  private pump(): void {
    while (!this.failure && this.inFlight < this.depth && this.queue.length) {
      const c = this.queue.shift() as Chunk
      this.inFlight++
      this.issued.add(c.offset)
      const zeroCopy = !c.buf
      this.opts.onWrite?.({ target: this.t.id, offset: c.offset, length: c.padded, kind: 'data', phase: 'start', zeroCopy })
      c.write(this.t).then(
        () => {
          this.opts.onWrite?.({ target: this.t.id, offset: c.offset, length: c.padded, kind: 'data', phase: 'done', zeroCopy })
          this.written += c.length
          this.reached = Math.max(this.reached, c.offset + c.length)
          this.opts.onProgress?.(this.t.id, this.written)
          this.done(c)
        },
        (err: Error & { offset?: number }) => {
          if (err instanceof AppError && !(err instanceof DriveIoError)) this.imageFailed(err)
          else this.fail(ioError(err, 'write', this.t.device, err.offset ?? c.offset))
          this.done(c)
        }
      )
    }
    this.wakeIdle()
  }

  private done(c: Chunk): void {
    this.inFlight--
    this.issued.delete(c.offset)
    this.release(c)
    this.pump()
  }
}

/**
 * The leaf hashes of the bytes written, chunk by chunk in order (chunks are whole leaves but
 * the last): their fingerprint covers exactly what went to the drives.
 */
class WrittenLeaves {
  private readonly parts: Buffer[] = []
  private covered = 0

  constructor(private readonly io: Pick<DriveIo, 'xxh3' | 'xxh3Leaves'>) {}

  take(buf: Buffer, offset: number, length: number): void {
    // Out of order or not on a leaf boundary: no fingerprint rather than a wrong one.
    if (offset !== this.covered || offset % LEAF !== 0) this.covered = NaN
    if (Number.isNaN(this.covered) || length === 0) return
    const out = Buffer.allocUnsafe(leavesBytes(length))
    this.io.xxh3Leaves(buf.subarray(0, length), LEAF, out)
    this.parts.push(out)
    this.covered += length
  }

  tree(imageSize: number): string | undefined {
    return this.covered === imageSize ? treeOf(this.io.xxh3, Buffer.concat(this.parts), imageSize) : undefined
  }
}

/**
 * Streams one read of the image to every target: the first MiB of each target is zeroed
 * first and written last; reads run ahead of writes through a small pool of page-aligned
 * buffers; the tail is zero-padded to the block size (only image bytes are hashed).
 */
export async function writeImage(opts: PipelineOptions): Promise<PipelineResult> {
  const chunkSize = opts.chunkSize ?? 4 * MiB
  const headSize = opts.headSize ?? MiB
  const nBuffers = Math.max(3, opts.buffers ?? 6)
  const readAhead = Math.min(2, nBuffers - 1)
  const depth = Math.max(1, opts.writesInFlight ?? 2)
  const blockSize = Math.max(512, ...opts.targets.map((t) => t.blockSize))
  if (chunkSize % 4096 || headSize % 4096) throw new RangeError('chunk and head sizes must be multiples of 4096')

  const image = opts.source ?? (await openFileReader(opts.imagePath))
  try {
    // Unknown for a stream that does not record its size: then the reads go on to its end.
    let imageSize = image.size
    for (const t of opts.targets) {
      if (imageSize !== undefined && roundUp(imageSize, blockSize) > t.size) {
        throw new AppError('DriveTooSmall', `${t.device} (${t.size} bytes) is smaller than the image (${imageSize} bytes).`, { stage: 'validate' })
      }
    }
    // Shared memory: the hashing thread reads the very bytes written, without a copy.
    const [head] = alignedBuffers(1, headSize, { shared: opts.hash })
    const pool = new BufferPool(alignedBuffers(nBuffers, chunkSize, { shared: opts.hash }))
    const hasher: StreamHasher | undefined = opts.hash ? startHasher() : undefined
    const io = opts.fingerprint ? loadDriveIo() : undefined
    let leaves: WrittenLeaves | undefined = io ? new WrittenLeaves(io) : undefined
    let hashFailure: Error | undefined
    let sha256: string | undefined
    const release = (c: Chunk): void => {
      if (--c.refs === 0 && c.buf) pool.release(c.buf)
    }
    // The image failing (unreadable, or shorter than it was) fails every drive where it is.
    const asTargetFailure = (err: unknown, w: TargetWriter): DriveIoError =>
      err instanceof DriveIoError
        ? err
        : new DriveIoError((err as AppError).name ?? 'IOError', (err as Error).message, w.position(), { stage: 'write', cause: err })
    let imageFailure: AppError | undefined
    const imageFailed = (err: AppError): void => {
      imageFailure ??= err
      for (const w of live()) w.fail(asTargetFailure(err, w))
    }
    const writers = opts.targets.map((t) => new TargetWriter(t, depth, release, opts, imageFailed))
    const live = (): TargetWriter[] => writers.filter((w) => !w.failure)
    // Cancel fails every target at the offset it reached; the outcome is in `failures`.
    const abortAll = (): void => {
      for (const w of live()) w.fail(cancelled('write', w.t.device, w.position()))
    }
    if (opts.signal.aborted) abortAll()
    opts.signal.addEventListener('abort', abortAll, { once: true })
    if (opts.control) {
      opts.control.fail = (id, make) => {
        const w = writers.find((x) => x.t.id === id)
        w?.fail(make(w.position()))
      }
    }

    try {
      // 1. Zero the first MiB: from here on the drive does not boot until the write completes.
      await Promise.all(
        writers.map(async (w) => {
          const len = Math.min(headSize, Math.floor(w.t.size / w.t.blockSize) * w.t.blockSize)
          opts.onWrite?.({ target: w.t.id, offset: 0, length: len, kind: 'wipe', phase: 'start' })
          try {
            await writeAll(w.t.fd, head, len, 0)
            opts.onWrite?.({ target: w.t.id, offset: 0, length: len, kind: 'wipe', phase: 'done' })
          } catch (err) {
            w.fail(ioError(err, 'write', w.t.device, 0))
          }
        })
      )

      // 2. Read the head now (it is hashed first) but keep it for the end.
      const headLen = await readFully(image, head, Math.min(headSize, imageSize ?? headSize), 0, opts.imagePath)
      if (headLen < headSize) imageSize ??= headLen
      // Never released: the head buffer is not reused, only written again at the end.
      hasher?.update(head.subarray(0, headLen)).catch((err: Error) => (hashFailure ??= err))
      leaves?.take(head, 0, headLen)
      const headPadded = roundUp(headLen, blockSize)
      let nextRead = headLen

      // 3a. Bytes not hashed here, of a plain file: every whole 4 KiB block after the head goes
      // from the page cache to the drives without a buffer; the rest (under 4 KiB, padded to
      // the block size) is read and written as in 3b.
      const copy = opts.zeroCopy !== false && !hasher && headLen === headSize ? (opts.spliceCopy ?? loadDriveIo()?.spliceCopy) : undefined
      const imageFd = image.fd
      const bodyEnd = imageSize === undefined ? headLen : headLen + Math.floor((imageSize - headLen) / 4096) * 4096
      if (
        copy &&
        imageFd !== undefined &&
        bodyEnd > headLen &&
        (await spliceWorks(
          copy,
          imageFd,
          live().map((w) => w.t.fd),
          headLen
        ))
      ) {
        const from = { fd: imageFd, path: opts.imagePath }
        for (let offset = headLen; offset < bodyEnd && live().length; offset += chunkSize) {
          const length = Math.min(chunkSize, bodyEnd - offset)
          const targets = live()
          const chunk: Chunk = { offset, length, padded: length, refs: targets.length, write: (t) => spliceRange(copy, from, t, offset, length) }
          for (const w of targets) w.push(chunk)
        }
        nextRead = bodyEnd
        // Those bytes never were in a buffer: no fingerprint of them.
        leaves = undefined
      }

      // 3b. Everything after the head (or after 3a), in order. Reads run ahead of the writes;
      // each chunk is handed to the targets before it is hashed, so the drives work while the
      // CPU hashes.
      type Filled = { buf: Buffer; offset: number; length: number }
      const readChunk = async (offset: number): Promise<Filled> => {
        const buf = await pool.acquire()
        let length: number
        try {
          length = await readFully(image, buf, Math.min(chunkSize, (imageSize ?? Infinity) - offset), offset, opts.imagePath)
        } catch (err) {
          pool.release(buf)
          throw err
        }
        // A short read of a stream of unknown size is its end: no read beyond it is issued.
        if (length < chunkSize) imageSize ??= offset + length
        return { buf, offset, length }
      }
      const ahead: Array<Promise<Filled>> = []
      const fillAhead = (): void => {
        while (ahead.length < readAhead && nextRead < (imageSize ?? Infinity) && headLen === headSize) {
          const p = readChunk(nextRead)
          p.catch(() => undefined) // awaited in order below; avoid an unhandled rejection meanwhile
          ahead.push(p)
          nextRead += chunkSize
        }
      }
      fillAhead()
      try {
        while (ahead.length && live().length && !hashFailure) {
          const { buf, offset, length } = await (ahead.shift() as Promise<Filled>)
          fillAhead()
          const padded = roundUp(length, blockSize)
          // Only a stream learns its size as it goes: a drive it outgrows fails where it ends.
          for (const w of live()) if (offset + padded > w.t.size) w.fail(tooSmall(w.t, `at least ${offset + length}`))
          const targets = live()
          if (!targets.length || length === 0) {
            pool.release(buf)
            if (!targets.length) break
            continue
          }
          if (padded > length) buf.fill(0, length, padded)
          // One reference per target plus one for the hasher: the buffer is reused only when
          // every drive has written it and the hashing thread is done with it.
          const chunk: Chunk = { buf, offset, length, padded, refs: targets.length + (hasher ? 1 : 0), write: (t) => writeAll(t.fd, buf, padded, offset) }
          for (const w of targets) w.push(chunk)
          hasher?.update(buf.subarray(0, length)).then(
            () => release(chunk),
            (err: Error) => {
              hashFailure ??= err
              release(chunk)
            }
          )
          // On this thread while the drives write the chunk and the hashing thread hashes it.
          leaves?.take(buf, offset, length)
        }
      } finally {
        // Reads still in flight after a failure or cancel give their buffers back.
        for (const p of ahead.splice(0))
          p.then(
            (f) => pool.release(f.buf),
            () => undefined
          )
      }
      await Promise.all(writers.map((w) => w.idle()))
      if (imageFailure) throw imageFailure
      if (hashFailure) throw new AppError('HashError', `Cannot compute the image's SHA-256: ${hashFailure.message}`, { stage: 'write', cause: hashFailure })

      // 4. The first MiB, last.
      await Promise.all(
        live().map(async (w) => {
          opts.onWrite?.({ target: w.t.id, offset: 0, length: headPadded, kind: 'head', phase: 'start' })
          try {
            await writeAll(w.t.fd, head, headPadded, 0)
            opts.onWrite?.({ target: w.t.id, offset: 0, length: headPadded, kind: 'head', phase: 'done' })
            w.written += headLen
            opts.onProgress?.(w.t.id, w.written)
          } catch (err) {
            w.fail(ioError(err, 'write', w.t.device, 0))
          }
        })
      )
      // The hashing thread may still be on the last chunks; the drives are done meanwhile.
      if (hasher && live().length) {
        sha256 = await hasher.digest().catch((err: Error) => {
          throw new AppError('HashError', `Cannot compute the image's SHA-256: ${err.message}`, { stage: 'write', cause: err })
        })
      }
    } catch (err) {
      // E.g. the image became unreadable. No write may still be in flight when this returns:
      // the caller closes the drive descriptors, and a reused descriptor number must never
      // receive a late write.
      for (const w of live()) w.fail(asTargetFailure(err, w))
      await Promise.all(writers.map((w) => w.idle()))
      throw err
    } finally {
      await hasher?.close()
      opts.signal.removeEventListener('abort', abortAll)
      if (opts.control) opts.control.fail = undefined
    }

    const failures = new Map<string, DriveIoError>()
    for (const w of writers) if (w.failure) failures.set(w.t.id, w.failure)
    return { imageSize: imageSize ?? 0, sha256, failures, containerSha256: image.containerSha256?.(), tree: leaves?.tree(imageSize ?? 0) }
  } finally {
    await image.close()
  }
}
