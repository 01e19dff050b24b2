import { createHash, type Hash } from 'node:crypto'
import type * as WorkerThreads from 'node:worker_threads'
import { AppError } from '../../../shared/contract/errors'
import type { HashAlgorithm } from '../../../shared/contract/spins'
import { lazyBuiltin } from './lazy'

/**
 * A digest of a stream of chunks, computed on a worker thread so the thread issuing the I/O
 * never stalls behind the hash (SHA-256 is ~1-2 GB/s per core, slower than a page-cache loop
 * device or a loopback mirror). Chunks living in a SharedArrayBuffer (see
 * `alignedBuffers(..., { shared: true })`) cross without a copy; `update` resolves when the
 * worker is done with the chunk, and only then may the caller reuse the buffer. Chunks are
 * hashed in the order they were given. Failures reject with an AppError named HashError.
 */
export interface StreamHasher {
  update(chunk: Uint8Array): Promise<void>
  /** The digest of everything given so far (hex); the next update starts a new stream. */
  digest(): Promise<string>
  /** Stops the worker; pending updates and digest reject. Safe to call more than once. */
  close(): Promise<void>
}

/** node:worker_threads loads with the first hash taken, not with every write (most need none). */
const workerThreads = lazyBuiltin<typeof WorkerThreads>('node:worker_threads')

// Inline source: no separate worker file to bundle for electron-vite, the CLI and the bench.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
let h = createHash(workerData)
parentPort.on('message', (m) => {
  if (m.sab) h.update(new Uint8Array(m.sab, m.offset, m.length))
  else { const hex = h.digest('hex'); h = createHash(workerData); return parentPort.postMessage(hex) }
  parentPort.postMessage(0)
})`

function hashError(err: Error): AppError {
  return err instanceof AppError ? err : new AppError('HashError', `the hashing thread stopped: ${err.message}`, { stage: 'hash', cause: err })
}

class WorkerHasher implements StreamHasher {
  private readonly worker: WorkerThreads.Worker
  // Replies arrive in request order (one thread, one queue), so a FIFO of settlers suffices.
  private readonly pending: Array<{ resolve(v: unknown): void; reject(e: Error): void }> = []
  private failure?: AppError

  constructor(algorithm: HashAlgorithm) {
    this.worker = new (workerThreads().Worker)(WORKER_SOURCE, { eval: true, workerData: algorithm })
    this.worker.on('message', (m: unknown) => this.pending.shift()?.resolve(m))
    this.worker.on('error', (err) => this.stop(hashError(err)))
    this.worker.on('exit', () => this.stop(hashError(new Error('it exited'))))
  }

  private call<T>(msg: object): Promise<T> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject })
      this.worker.postMessage(msg)
    })
  }

  private stop(err: AppError): void {
    this.failure ??= err
    for (const p of this.pending.splice(0)) p.reject(this.failure)
  }

  update(chunk: Uint8Array): Promise<void> {
    // A plain ArrayBuffer would be cloned whole (it may be a large pool): refuse it.
    if (!(chunk.buffer instanceof SharedArrayBuffer)) return Promise.reject(new TypeError('off-thread hashing needs a chunk in shared memory'))
    return this.call<void>({ sab: chunk.buffer, offset: chunk.byteOffset, length: chunk.byteLength })
  }

  digest(): Promise<string> {
    return this.call<string>({})
  }

  async close(): Promise<void> {
    this.stop(new AppError('HashError', 'the hashing thread was closed', { stage: 'hash' }))
    await this.worker.terminate()
  }
}

/** Fallback for chunks that are not in shared memory (hashing them off-thread would copy). */
class InlineHasher implements StreamHasher {
  private h: Hash
  constructor(private readonly algorithm: HashAlgorithm) {
    this.h = createHash(algorithm)
  }
  update(chunk: Uint8Array): Promise<void> {
    this.h.update(chunk)
    return Promise.resolve()
  }
  digest(): Promise<string> {
    const hex = this.h.digest('hex')
    this.h = createHash(this.algorithm)
    return Promise.resolve(hex)
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

/** Starts the worker at once, so its start-up (tens of ms) overlaps with the caller's I/O. */
export function startHasher(offThread = true, algorithm: HashAlgorithm = 'sha256'): StreamHasher {
  return offThread ? new WorkerHasher(algorithm) : new InlineHasher(algorithm)
}

export interface RingOptions {
  slots?: number
  slotSize?: number
  algorithm?: HashAlgorithm
}

/**
 * Off-thread hashing for chunks the caller reuses at once, such as a socket's receive buffer:
 * chunks are copied one after another into the slots of a shared ring, and each full slot is
 * hashed on the worker. The copy is cheap next to the hash (the chunk was just received and is
 * still in this core's cache), and the thread that receives and writes never waits for SHA-256
 * unless the worker falls a whole ring behind. Full slots, not chunks, cross to the worker:
 * a 1 GiB download is ~1000 hand-offs, whatever sizes the socket delivers.
 */
export class RingHasher {
  private readonly thread: StreamHasher
  private readonly ring: SharedArrayBuffer
  private readonly slotSize: number
  /** The worker's reply for each slot still being hashed. */
  private readonly busy: Array<Promise<void> | undefined>
  /** The slot being filled, and how many bytes it holds. */
  private slot = 0
  private filled = 0

  constructor(opts: RingOptions = {}) {
    this.slotSize = opts.slotSize ?? 1024 * 1024
    this.busy = new Array<Promise<void> | undefined>(opts.slots ?? 6).fill(undefined)
    this.ring = new SharedArrayBuffer(this.busy.length * this.slotSize)
    this.thread = startHasher(true, opts.algorithm)
  }

  /**
   * Copies the chunk into the ring. Returns undefined when it is copied; a promise when the
   * ring was full: then the chunk must stay unchanged until the promise resolves.
   */
  update(chunk: Uint8Array): Promise<void> | undefined {
    for (let at = 0; at < chunk.byteLength;) {
      const waiting = this.filled === 0 ? this.busy[this.slot] : undefined
      if (waiting) return waiting.then(() => this.update(chunk.subarray(at)))
      const n = Math.min(this.slotSize - this.filled, chunk.byteLength - at)
      new Uint8Array(this.ring, this.slot * this.slotSize + this.filled, n).set(chunk.subarray(at, at + n))
      this.filled += n
      at += n
      if (this.filled === this.slotSize) this.send()
    }
    return undefined
  }

  /** Hands the filled part of the current slot to the worker and moves to the next slot. */
  private send(): void {
    const slot = this.slot
    const done = this.thread.update(new Uint8Array(this.ring, slot * this.slotSize, this.filled))
    this.busy[slot] = done
    // A failure surfaces where the slot is next needed, or at the digest; never unhandled.
    done.then(
      () => {
        if (this.busy[slot] === done) this.busy[slot] = undefined
      },
      () => undefined
    )
    this.slot = (slot + 1) % this.busy.length
    this.filled = 0
  }

  /** The digest of everything copied in so far; the ring then starts a new stream. */
  digest(): Promise<string> {
    if (this.filled > 0) this.send()
    return this.thread.digest()
  }

  /** Drops what was hashed so far (a download that starts over). */
  reset(): void {
    this.filled = 0
    this.thread.digest().catch(() => undefined)
  }

  close(): Promise<void> {
    return this.thread.close()
  }
}
