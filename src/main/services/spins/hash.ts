import { createHash, type Hash } from 'node:crypto'
import type { BigIntStats } from 'node:fs'
import { AppError } from '../../../shared/contract/errors'
import type { HashAlgorithm } from '../../../shared/contract/spins'
import type { DigestStore } from '../system/image-digests'
import { openRegular } from '../system/safe-file'

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

/** fstat of the descriptor read, before the first read (at `beforeMs`, wall clock) and after the last. */
interface ReadIdentity {
  before: BigIntStats
  beforeMs: number
  after: BigIntStats
}

/**
 * Feeds the first `length` bytes of a file (all of it when undefined) into `hash`.
 * The next read runs on the libuv thread pool while this thread hashes the previous
 * chunk, so reading and hashing overlap. Returns the bytes hashed.
 */
export async function hashInto(
  path: string,
  hash: Hash,
  length?: number,
  opts: HashOptions & { onIdentity?: (id: ReadIdentity) => void } = {}
): Promise<number> {
  const size = opts.chunkSize ?? READ_CHUNK
  // The one regular-file rule: a FIFO swapped in at the path never blocks the open.
  const { fh } = await openRegular(path)
  try {
    const beforeMs = Date.now()
    const before = opts.onIdentity ? await fh.stat({ bigint: true }) : undefined
    const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)]
    const want = (pos: number): number => (length === undefined ? size : Math.min(size, length - pos))
    let pos = 0
    let cur = 0
    let pending = want(0) > 0 ? fh.read(bufs[0], 0, want(0), 0) : Promise.resolve({ bytesRead: 0 })
    for (;;) {
      const { bytesRead } = await pending
      if (bytesRead === 0) break
      const buf = bufs[cur]
      pos += bytesRead
      cur ^= 1
      const next = want(pos)
      pending = next > 0 ? fh.read(bufs[cur], 0, next, pos) : Promise.resolve({ bytesRead: 0 })
      hash.update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))
      opts.onProgress?.(pos)
      if (opts.signal?.aborted) {
        await pending.catch(() => undefined)
        throw opts.signal.reason ?? new AppError('Aborted', 'hashing was cancelled')
      }
    }
    if (length !== undefined && pos !== length) {
      throw new AppError('ShortRead', `${path} has ${pos} bytes, expected at least ${length}`, { stage: 'hash' })
    }
    if (before) opts.onIdentity?.({ before, beforeMs, after: await fh.stat({ bigint: true }) })
    return pos
  } finally {
    await fh.close()
  }
}

/** Hex digest of a whole file. */
export async function hashFile(path: string, algorithm: HashAlgorithm = 'sha256', opts: HashOptions = {}): Promise<string> {
  const hash = createHash(algorithm)
  const keep = opts.digests && algorithm === 'sha256' ? opts.digests : undefined
  if (keep && opts.reuse) {
    const { fh } = await openRegular(path)
    try {
      const known = keep.lookup(await fh.stat({ bigint: true }))
      if (known) return known.sha256
    } finally {
      await fh.close()
    }
  }
  let seen: ReadIdentity | undefined
  await hashInto(path, hash, undefined, keep ? { ...opts, onIdentity: (id) => (seen = id) } : opts)
  const hex = hash.digest('hex')
  if (keep && seen) keep.remember(path, seen.before, seen.beforeMs, seen.after, hex)
  return hex
}
