import { createHash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { AppError } from '../../../shared/contract/errors'
import type { HashAlgorithm } from '../../../shared/contract/spins'
import type { DigestStore } from '../system/image-digests'
import { openRegular } from '../system/safe-file'
import { loadDriveIo, type DriveIo } from '../drives/drive-io'
import { LEAF, leavesBytes, leavesFrom, treeOf } from '../system/fingerprint'

/**
 * 256 KiB reads: the chunk the pool thread copies out of the page cache is still in the CPU's
 * cache when SHA-256 reads it; with 8 MiB chunks the hash re-read each chunk from memory and
 * ran at 0.7x openssl (bench:hash). Two buffers, so the next read overlaps the hash.
 */
export const READ_CHUNK = 256 * 1024

export interface HashOptions {
  signal?: AbortSignal
  /** Called after each chunk with the bytes hashed so far. */
  onProgress?: (bytes: number) => void
  chunkSize?: number
  /** A whole file's SHA-256 is kept here with the file's identity (system/image-digests), so a write need not hash it again. */
  digests?: DigestStore
  /**
   * hashFile takes the digest kept for this very file, unchanged since, instead of reading it
   * (a check before work; never for `hsc verify`, which is asked to read the file).
   */
  reuse?: boolean
}

/**
 * Where a file's bytes go: a node:crypto Hash, or a hasher that may ask the reader to wait
 * before it reuses the chunk (system/hash-thread's RingHasher returns a promise then).
 */
export interface HashSink {
  update(chunk: Uint8Array): unknown
}

/**
 * The file's leaf hashes (system/fingerprint.ts), taken by the pool thread that reads each
 * chunk (the drive-io addon's hashAt), for a file of `size` bytes; `whole` turns false when the
 * file turned out another size, and then no fingerprint is made.
 */
interface LeafReader {
  io: Pick<DriveIo, 'hashAt' | 'xxh3'>
  size: number
  bytes: Buffer
  whole: boolean
}

/**
 * Feeds the first `length` bytes of a file (all of it when undefined) into `hash`.
 * The next read runs on the libuv thread pool while this thread hashes the previous
 * chunk, so reading and hashing overlap. Returns the bytes hashed.
 */
export async function hashInto(path: string, hash: HashSink, length?: number, opts: HashOptions = {}): Promise<number> {
  // The one regular-file rule: a FIFO swapped in at the path never blocks the open.
  const { fh } = await openRegular(path)
  try {
    return await hashOpen(fh, path, hash, length, opts)
  } finally {
    await fh.close()
  }
}

async function hashOpen(fh: FileHandle, path: string, hash: HashSink, length: number | undefined, opts: HashOptions, leaves?: LeafReader): Promise<number> {
  const size = opts.chunkSize ?? READ_CHUNK
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)]
  // With leaf hashes, reads stop at the file's size (the last leaf is read whole), then one more looks past it.
  const want = (pos: number): number =>
    length !== undefined ? Math.min(size, length - pos) : leaves && pos < leaves.size ? Math.min(size, leaves.size - pos) : size
  const read = async (buf: Buffer, n: number, pos: number): Promise<{ bytesRead: number }> => {
    if (n <= 0) return { bytesRead: 0 }
    if (!leaves?.whole || pos >= leaves.size) {
      const r = await fh.read(buf, 0, n, pos)
      if (leaves && r.bytesRead > 0) leaves.whole = false
      return r
    }
    const r = await leaves.io.hashAt(fh.fd, buf, pos, n, n, LEAF, undefined, leavesFrom(leaves.bytes, pos)).catch((err: NodeJS.ErrnoException) => {
      // An error names the file's read, not the drive side the addon calls it.
      throw Object.assign(new Error(`read: ${err.message.replace(/^pread \(drive\): /, '')}`), { code: err.code, errno: err.errno, syscall: 'read' })
    })
    if (r.driveEnd < 0) return { bytesRead: n }
    leaves.whole = false
    return { bytesRead: r.driveEnd }
  }
  let pos = 0
  let cur = 0
  let pending = read(bufs[0], want(0), 0)
  for (;;) {
    const { bytesRead } = await pending
    if (bytesRead === 0) break
    const buf = bufs[cur]
    pos += bytesRead
    cur ^= 1
    pending = read(bufs[cur], want(pos), pos)
    const wait = hash.update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))
    if (wait instanceof Promise) await wait
    opts.onProgress?.(pos)
    if (opts.signal?.aborted) {
      await pending.catch(() => undefined)
      throw opts.signal.reason ?? new AppError('Aborted', 'hashing was cancelled')
    }
  }
  if (length !== undefined && pos !== length) {
    throw new AppError('ShortRead', `${path} has ${pos} bytes, expected at least ${length}`, { stage: 'hash' })
  }
  return pos
}

/**
 * Hex digest of a whole file. With `digests`, a SHA-256 is kept with the identity of the
 * descriptor read (fstat before the first read and after the last); with `reuse` as well, a
 * digest kept for that identity is returned without reading.
 */
export async function hashFile(path: string, algorithm: HashAlgorithm = 'sha256', opts: HashOptions = {}): Promise<string> {
  const keep = opts.digests && algorithm === 'sha256' ? opts.digests : undefined
  const { fh } = await openRegular(path)
  try {
    // The wall clock before the identity is taken: a change after it gets a later ctime.
    const beforeMs = Date.now()
    const before = keep ? await fh.stat({ bigint: true }) : undefined
    const known = keep && before && opts.reuse ? keep.lookup(before) : undefined
    if (known) return known.sha256
    const hash = createHash(algorithm)
    // A digest to keep gets the image's read-back fingerprint too, from the same reads.
    const io = keep && before && (opts.chunkSize ?? READ_CHUNK) === LEAF ? loadDriveIo() : undefined
    const leaves = io && before ? { io, size: Number(before.size), bytes: Buffer.alloc(leavesBytes(Number(before.size))), whole: true } : undefined
    await hashOpen(fh, path, hash, undefined, opts, leaves)
    const hex = hash.digest('hex')
    const tree = leaves?.whole ? treeOf(leaves.io.xxh3, leaves.bytes, leaves.size) : undefined
    if (keep && before) keep.remember(path, before, beforeMs, await fh.stat({ bigint: true }), hex, tree)
    return hex
  } finally {
    await fh.close()
  }
}
