import { createHash, type Hash } from 'node:crypto'
import { Worker } from 'node:worker_threads'

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
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true })
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

/** SHA-256 of a file's first `size` bytes, read by a worker thread on its own. */
export interface FileHasher {
  /** Rejects when the file ends before `size` bytes, cannot be read, or the hasher was closed. */
  readonly digest: Promise<string>
  /** Stops the thread; resolves once it no longer reads the descriptor. Safe to call more than once. */
  close(): Promise<void>
}

// The thread reads with pread on the caller's descriptor (threads share the descriptor table),
// so it hashes the very file the pipeline writes, not whatever the path names by then. Chunks
// of 256 KiB stay in the CPU cache between the copy from the page cache and the hash.
const FILE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { readSync } = require('node:fs')
const { createHash } = require('node:crypto')
const { fd, size, chunk } = workerData
const h = createHash('sha256')
const buf = Buffer.allocUnsafe(chunk)
let pos = 0
try {
  while (pos < size) {
    const n = readSync(fd, buf, 0, Math.min(chunk, size - pos), pos)
    if (n === 0) throw Object.assign(new Error('short'), { end: pos })
    h.update(n === chunk ? buf : buf.subarray(0, n))
    pos += n
  }
  parentPort.postMessage({ hex: h.digest('hex') })
} catch (err) {
  parentPort.postMessage({ end: err.end, message: err.message })
}`

/**
 * Hashes `size` bytes of the open file `fd` on a worker thread, in parallel with whatever the
 * caller does with the same file. Writing no longer waits for SHA-256 (slower per core than a
 * fast drive), and the hash keeps running while the drive is synced and read back. The caller
 * keeps `fd` open until `digest` settled or `close()` resolved.
 */
export function hashFileOffThread(fd: number, size: number, chunk = 256 * 1024): FileHasher {
  const worker = new Worker(FILE_WORKER_SOURCE, { eval: true, workerData: { fd, size, chunk } })
  let closed = false
  const digest = new Promise<string>((resolve, reject) => {
    worker.once('message', (m: { hex?: string; end?: number; message?: string }) => {
      if (m.hex) resolve(m.hex)
      else if (m.end !== undefined) reject(new Error(`the image ended at byte ${m.end}, before its size when the write started: it changed during the write`))
      else reject(new Error(m.message ?? 'the hashing thread failed'))
    })
    worker.once('error', reject)
    worker.once('exit', () => reject(new Error(closed ? 'the hashing thread was closed' : 'the hashing thread stopped')))
  })
  digest.catch(() => undefined) // the caller may never ask (a job that failed before writing)
  return {
    digest,
    async close() {
      closed = true
      await worker.terminate()
    }
  }
}
