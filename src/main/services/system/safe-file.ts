import { closeSync, existsSync, fstatSync, lstatSync, openSync, promises as fsp, readSync, statSync, constants as fsc, type Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'

/**
 * One rule for every file the app reads on a person's behalf (a root tree, a checksum file,
 * an image): open without blocking, look at what was opened, read only regular files and
 * never more than a cap. Opening a FIFO O_RDONLY blocks until a writer appears, and a
 * device (/dev/urandom, /dev/zero) never ends, so the type is checked with fstat on the
 * descriptor that was opened, not with a stat beforehand (which a rename could outrun).
 */

/** Text files the app reads (configs, procfs tables) stay far below this. */
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024

export type ReadFailure = 'missing' | 'not-regular' | 'too-large' | 'permission' | 'loop' | 'error'

/** A read that did not happen, with a sentence for the report and the errno-style code. */
export class FileReadError extends Error {
  constructor(
    readonly why: ReadFailure,
    message: string,
    readonly code: string
  ) {
    super(message)
    this.name = 'FileReadError'
  }
}

export function fileTypeName(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  if (st.isDirectory()) return 'a directory'
  if (st.isSymbolicLink()) return 'a symbolic link'
  return 'not a regular file'
}

/** The one file-type rule: anything but a regular file is refused, named in the sentence. */
function assertRegular(stats: Stats, what: string): void {
  if (!stats.isFile()) throw new FileReadError('not-regular', `${what} is ${fileTypeName(stats)}, not a regular file`, 'ENOTREG')
}

/** The sentence for a file that is not there. */
export const missingSentence = (what: string): string => `${what} is missing`

/** Maps an errno from open/read to the failure vocabulary; `what` names the file in the sentence. */
export function toReadError(err: unknown, what: string): FileReadError {
  if (err instanceof FileReadError) return err
  const code = (err as NodeJS.ErrnoException)?.code ?? 'EIO'
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileReadError('missing', missingSentence(what), code)
  if (code === 'EACCES' || code === 'EPERM') return new FileReadError('permission', `${what}: permission denied`, code)
  if (code === 'ELOOP') return new FileReadError('loop', `${what}: too many levels of symbolic links`, code)
  if (code === 'EISDIR') return new FileReadError('not-regular', `${what} is a directory, not a regular file`, code)
  return new FileReadError('error', `${what}: ${(err as Error)?.message ?? code}`, code)
}

export interface OpenOptions {
  /** Refuse to follow a symbolic link in the last component (the caller resolved links itself). */
  noFollow?: boolean
  /** How the file is named in messages (a system path under a root rather than the host path). */
  label?: string
}

/** The one way files are opened for reading here: never blocking (a FIFO), never a controlling tty. */
const openFlags = (opts: OpenOptions): number => fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY | (opts.noFollow ? fsc.O_NOFOLLOW : 0)

/** The cap, checked on st_size before anything is read; returns how much to read at a time. */
function chunkSizeWithin(stats: Stats, max: number, what: string): number {
  if (stats.size > max) throw new FileReadError('too-large', `${what} is ${stats.size} bytes, more than the ${max} bytes read here`, 'EFBIG')
  // st_size is exact for a regular file on disk (one read, then EOF); procfs says 0 or 4096.
  return Math.min(Math.max(stats.size + 1, 4096), max + 1, 1 << 20)
}

/** st_size is only a hint: the read goes on until EOF and stops one byte past the cap. */
function tooLargeRead(what: string, max: number): FileReadError {
  return new FileReadError('too-large', `${what} is larger than the ${max} bytes read here`, 'EFBIG')
}

/** Opens a regular file for reading without ever blocking; anything else closes and throws FileReadError. */
export async function openRegular(hostPath: string, opts: OpenOptions = {}): Promise<{ fh: FileHandle; stats: Stats }> {
  const what = opts.label ?? hostPath
  let fh: FileHandle
  try {
    fh = await fsp.open(hostPath, openFlags(opts))
  } catch (err) {
    throw toReadError(err, what)
  }
  try {
    const stats = await fh.stat()
    assertRegular(stats, what)
    return { fh, stats }
  } catch (err) {
    await fh.close().catch(() => undefined)
    throw toReadError(err, what)
  }
}

/**
 * Reads a whole regular file, at most `maxBytes`. st_size is only a hint: procfs and sysfs
 * files report 0 or 4096, so the read goes on until EOF and stops one byte past the cap.
 */
export async function readRegular(hostPath: string, opts: OpenOptions & { maxBytes?: number } = {}): Promise<Buffer> {
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES
  const what = opts.label ?? hostPath
  const { fh, stats } = await openRegular(hostPath, opts)
  try {
    const chunkSize = chunkSizeWithin(stats, max, what)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(chunkSize, max + 1 - total))
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      chunks.push(buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > max) throw tooLargeRead(what, max)
    }
    return Buffer.concat(chunks, total)
  } catch (err) {
    throw toReadError(err, what)
  } finally {
    await fh.close().catch(() => undefined)
  }
}

/** Files up to this size are read into one buffer kept for the purpose, then copied out once. */
const SCRATCH_BYTES = 64 * 1024
let scratch: Buffer | undefined

/**
 * Reads `fd` to its end, at most `max` bytes, and hands the bytes to `take` (which must copy
 * what it keeps). A small file (every config and procfs file) is read into one reused buffer:
 * a new buffer per read, an EOF read and a concat cost three allocations a file, which for 303
 * .repo files were more than their parsing, and their external memory kept waking the
 * collector (#15). Synchronous from start to end, so the buffer is never shared.
 */
function readToEnd<T>(fd: number, size: number, firstChunk: number, max: number, what: string, take: (bytes: Buffer, length: number, own: boolean) => T): T {
  let buf = firstChunk <= SCRATCH_BYTES ? (scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES)) : Buffer.allocUnsafe(firstChunk)
  let total = 0
  for (;;) {
    if (total === buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, max + 1))
      buf.copy(bigger, 0, 0, total)
      buf = bigger
    }
    const want = Math.min(buf.length, max + 1) - total
    const n = readSync(fd, buf, total, want, null)
    if (n === 0) break
    total += n
    if (total > max) throw tooLargeRead(what, max)
    // A read of a regular file stops short only at its end: one that stops at exactly the size
    // fstat gave has read it all, without a read more to see EOF (Node's readFileSync stops
    // there too). procfs says 0 and sysfs 4096 whatever they hold: those are read to EOF.
    if (n < want && total === size && size > 0) break
  }
  return take(buf, total, buf !== scratch)
}

/** The bytes as a Buffer of their own: copied out of the shared buffer at their exact size (from Node's pool when tiny). */
const asBuffer = (buf: Buffer, length: number, own: boolean): Buffer => (own ? buf.subarray(0, length) : Buffer.from(buf.subarray(0, length)))
/**
 * The bytes as UTF-8 text, decoded where they were read: no Buffer of their own is made for a
 * text read (#15). No encoding named is Node's shortest way to UTF-8 (no encoding look-up).
 */
const asText = (buf: Buffer, length: number): string => buf.toString(undefined, 0, length)

type SyncReadOptions = OpenOptions & {
  maxBytes?: number
  /** A further rule on the opened file (owner, mode, links): a reason to refuse it, or undefined. */
  refuse?: (stats: Stats) => string | undefined
}

/**
 * readRegular without the thread pool, for files that answer at once: the live /proc and
 * /sys (kernel memory) and many small config files of one directory. Five thread-pool hops
 * per file (open, fstat, read, read, close) were most of an inspection's time, and seconds
 * for hundreds of .repo files. The same rules hold: O_NONBLOCK (a FIFO never blocks the
 * open), fstat on the opened descriptor, a cap.
 */
export function readRegularSync(hostPath: string, opts: SyncReadOptions = {}): Buffer {
  return readRegularSyncAs(hostPath, opts, asBuffer)
}

/** readRegularSync as UTF-8 text. */
export function readRegularTextSync(hostPath: string, opts: SyncReadOptions = {}): string {
  return readRegularSyncAs(hostPath, opts, asText)
}

function readRegularSyncAs<T>(hostPath: string, opts: SyncReadOptions, take: (bytes: Buffer, length: number, own: boolean) => T): T {
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES
  const what = opts.label ?? hostPath
  let fd: number
  try {
    fd = openSync(hostPath, openFlags(opts))
  } catch (err) {
    throw toReadError(err, what)
  }
  try {
    const stats = fstatSync(fd)
    assertRegular(stats, what)
    const refused = opts.refuse?.(stats)
    if (refused) throw new FileReadError('permission', `${what} ${refused}`, 'EPERM')
    return readToEnd(fd, stats.size, chunkSizeWithin(stats, max, what), max, what, take)
  } catch (err) {
    throw toReadError(err, what)
  } finally {
    closeSync(fd)
  }
}

/**
 * Whether anything is at the path, for the IfPresent reads. Missing is a common answer (the
 * drop-in folders of every unit directory, /sys attributes a device lacks), and a failed open
 * builds two errors on the way out, ~20 µs: 160 of them were a fifth of a cold
 * `hsc oomd status` (#15). access(2) answers "there" without the Stats object (and its four
 * Dates) a stat builds; only a path it does not find is asked again, by a stat that tells
 * "missing" (no error built) from a real error (EACCES, ELOOP), which it throws. A file that
 * goes between this and the open still fails as missing, through the open.
 */
function isPresent(hostPath: string, opts: OpenOptions): boolean {
  try {
    if (opts.noFollow) return lstatSync(hostPath, { throwIfNoEntry: false }) !== undefined
    return existsSync(hostPath) || statSync(hostPath, { throwIfNoEntry: false }) !== undefined
  } catch (err) {
    throw toReadError(err, opts.label ?? hostPath)
  }
}

/** readRegularSync, or undefined when nothing is at the path. */
export function readRegularSyncIfPresent(hostPath: string, opts: SyncReadOptions = {}): Buffer | undefined {
  return isPresent(hostPath, opts) ? readRegularSync(hostPath, opts) : undefined
}

/** readRegularTextSync, or undefined when nothing is at the path. */
export function readRegularTextSyncIfPresent(hostPath: string, opts: SyncReadOptions = {}): string | undefined {
  return isPresent(hostPath, opts) ? readRegularTextSync(hostPath, opts) : undefined
}
