import { createHash, type Hash } from 'node:crypto'
import type * as WorkerThreads from 'node:worker_threads'
import { lazyBuiltin } from '../system/lazy'

/**
 * SHA-256 of a stream of chunks, computed on a worker thread so the thread issuing the I/O
 * never stalls behind the hash (SHA-256 is ~2 GB/s per core, slower than a page-cache loop
 * device). Chunks living in a SharedArrayBuffer (see `alignedBuffers(..., { shared: true })`)
 * cross without a copy; `update` resolves when the worker is done with the chunk, and only
 * then may the caller reuse the buffer. Chunks are hashed in the order they were given.
 */
export interface StreamHasher {
  update(chunk: Buffer): Promise<void>
  digest(): Promise<string>
  /** Stops the worker; pending updates and digest reject. Safe to call more than once. */
  close(): Promise<void>
}

/** node:worker_threads loads with the first hash taken, not with every write (most need none). */
const workerThreads = lazyBuiltin<typeof WorkerThreads>('node:worker_threads')

// Inline source: no separate worker file to bundle for electron-vite, the CLI and the bench.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
let h = createHash('sha256')
parentPort.on('message', (m) => {
  if (m.sab) h.update(new Uint8Array(m.sab, m.offset, m.length))
  else { const hex = h.digest('hex'); h = createHash('sha256'); return parentPort.postMessage(hex) }
  parentPort.postMessage(0)
})`

class WorkerHasher implements StreamHasher {
  private readonly worker: WorkerThreads.Worker = new (workerThreads().Worker)(WORKER_SOURCE, { eval: true })
  // Replies arrive in request order (one thread, one queue), so a FIFO of settlers suffices.
  private readonly pending: Array<{ resolve(v: unknown): void; reject(e: Error): void }> = []
  private failure?: Error

  constructor() {
    this.worker.on('message', (m: unknown) => this.pending.shift()?.resolve(m))
    this.worker.on('error', (err) => this.stop(err))
    this.worker.on('exit', () => this.stop(new Error('the hashing thread stopped')))
  }

  private call<T>(msg: object): Promise<T> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (v: unknown) => void, reject })
      this.worker.postMessage(msg)
    })
  }

  private stop(err: Error): void {
    this.failure ??= err
    for (const p of this.pending.splice(0)) p.reject(this.failure)
  }

  update(chunk: Buffer): Promise<void> {
    // A plain ArrayBuffer would be cloned whole (it may be a large pool): refuse it.
    if (!(chunk.buffer instanceof SharedArrayBuffer)) return Promise.reject(new TypeError('off-thread hashing needs a chunk in shared memory'))
    return this.call<void>({ sab: chunk.buffer, offset: chunk.byteOffset, length: chunk.byteLength })
  }

  digest(): Promise<string> {
    return this.call<string>({})
  }

  async close(): Promise<void> {
    this.stop(new Error('the hashing thread was closed'))
    await this.worker.terminate()
  }
}

/** Fallback for chunks that are not in shared memory (hashing them off-thread would copy). */
class InlineHasher implements StreamHasher {
  private h: Hash = createHash('sha256')
  update(chunk: Buffer): Promise<void> {
    this.h.update(chunk)
    return Promise.resolve()
  }
  digest(): Promise<string> {
    const hex = this.h.digest('hex')
    this.h = createHash('sha256')
    return Promise.resolve(hex)
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

/** Starts the worker at once, so its start-up (tens of ms) overlaps with the caller's I/O. */
export function startHasher(offThread = true): StreamHasher {
  return offThread ? new WorkerHasher() : new InlineHasher()
}
