import { createHash } from 'node:crypto'
import { promises as fsp, read as fsRead } from 'node:fs'
import { alignedBuffers, roundUp } from './aligned'
import { cancelled, DriveIoError, ioError } from './errors'
import { MiB } from './pipeline'

export interface ReadBackOptions {
  fd: number
  device: string
  imageSize: number
  blockSize: number
  signal: AbortSignal
  chunkSize?: number
  readsInFlight?: number
  onProgress?(bytesRead: number): void
}

function readAt(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
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

/**
 * Reads the image's length back from the drive with O_DIRECT and returns its SHA-256. Hashing
 * (~2 GB/s per core) is the bottleneck on fast drives: a few reads stay queued ahead so the
 * hash never waits for the drive (one read ahead measured ~30% slower on a loop device).
 */
export async function readBackSha256(opts: ReadBackOptions): Promise<string> {
  const chunkSize = opts.chunkSize ?? 4 * MiB
  const depth = Math.max(1, opts.readsInFlight ?? 3)
  // One more buffer than reads in flight: the one being hashed.
  const bufs = alignedBuffers(depth + 1, chunkSize)
  const hash = createHash('sha256')
  const len = (offset: number): number => Math.min(chunkSize, opts.imageSize - offset)
  const queue: Array<{ offset: number; buf: Buffer; read: Promise<number> }> = []
  let nextOffset = 0
  let slot = 0
  const fill = (): void => {
    while (queue.length < depth && nextOffset < opts.imageSize) {
      const buf = bufs[slot++ % bufs.length]
      const read = readAt(opts.fd, buf, roundUp(len(nextOffset), opts.blockSize), nextOffset)
      read.catch(() => undefined) // awaited in order below
      queue.push({ offset: nextOffset, buf, read })
      nextOffset += chunkSize
    }
  }
  try {
    fill()
    while (queue.length) {
      const { offset, buf, read } = queue[0]
      if (opts.signal.aborted) throw cancelled('verify', opts.device, offset)
      let got: number
      try {
        got = await read
      } catch (err) {
        throw ioError(err, 'verify', opts.device, (err as { offset?: number }).offset ?? offset)
      }
      const want = len(offset)
      if (got < want) throw shortRead(opts.device, offset + got)
      queue.shift()
      // Queue the next reads before hashing this chunk: the drive works while the CPU hashes.
      fill()
      hash.update(buf.subarray(0, want))
      opts.onProgress?.(offset + want)
    }
    return hash.digest('hex')
  } finally {
    // No read may still be running when the caller closes (and the OS reuses) the descriptor.
    await Promise.all(queue.map((q) => q.read.catch(() => undefined)))
  }
}

/**
 * After a hash mismatch: the first byte where the drive differs from the image, for the
 * error message. Undefined when they are equal now (the image itself changed meanwhile).
 */
export async function firstDifference(imagePath: string, fd: number, imageSize: number, blockSize: number, chunkSize = 4 * MiB): Promise<number | undefined> {
  const [dev, img] = alignedBuffers(2, chunkSize)
  const image = await fsp.open(imagePath, 'r')
  try {
    for (let offset = 0; offset < imageSize; offset += chunkSize) {
      const want = Math.min(chunkSize, imageSize - offset)
      const got = await readAt(fd, dev, roundUp(want, blockSize), offset)
      const { bytesRead } = await image.read(img, 0, want, offset)
      const n = Math.min(want, got, bytesRead)
      if (n === want && dev.subarray(0, n).equals(img.subarray(0, n))) continue
      for (let i = 0; i < n; i++) if (dev[i] !== img[i]) return offset + i
      if (n < want) return offset + n
    }
    return undefined
  } finally {
    await image.close()
  }
}
