import type * as ChildProcesses from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, promises as fsp } from 'node:fs'
import { AppError } from '../../../shared/contract/errors'
import type { Compression } from '../../../shared/contract/drives'
import { runCommand, type CommandRunner } from '../system/command'
import type { DigestStore, KnownDigest } from '../system/image-digests'
import { lazyBuiltin } from '../system/lazy'

/** node:child_process loads with the first decompressor, not with every write of a plain image. */
const childProcess = lazyBuiltin<typeof ChildProcesses>('node:child_process')

/**
 * Where the pipeline's image bytes come from: a plain file read at offsets, or the output of
 * a decompressor. Reads are asked for in increasing, contiguous order (the pipeline and the
 * read-back both do), so a stream can serve them; several may be pending at once.
 */
export interface ImageReader {
  /** Exact size of the (decompressed) image, when known before reading it. */
  readonly size?: number
  /** Best guess for progress and the drive-size check (equals `size` when that is known). */
  readonly estimatedSize: number
  /** Fills buf[0..length) with the image bytes at `position`; fewer only at the image's end. */
  read(buf: Buffer, length: number, position: number): Promise<number>
  /** A plain file's descriptor, which writes that need not see the bytes copy from without a buffer (splice). */
  readonly fd?: number
  /** SHA-256 of the compressed file as read, once the stream reached its end. */
  containerSha256?(): string | undefined
  close(): Promise<void>
}

/** Decompressor programs, absolute paths (argv arrays only). Injected so tests and packagers can point elsewhere. */
export interface Decompressors {
  xz: string
  zstd: string
  gzip: string
}

export const SYSTEM_DECOMPRESSORS: Decompressors = { xz: '/usr/bin/xz', zstd: '/usr/bin/zstd', gzip: '/usr/bin/gzip' }

const PACKAGE: Record<Compression, string> = { xz: 'xz-utils', zstd: 'zstd', gzip: 'gzip' }

/** What the container says about itself, read without decompressing. */
export interface ImageInfo {
  compression?: Compression
  /** Size of the file on disk. */
  fileSize: number
  /** Exact decompressed size from the container's index or frame header. */
  size?: number
  /** Best guess for progress and the drive-size check. */
  estimatedSize: number
}

/** By content, not by name: "image.iso" that is really xz is still xz. */
export function sniffCompression(head: Buffer): Compression | undefined {
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz'
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd'
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip'
  return undefined
}

const safeSize = (n: number): number | undefined => (Number.isSafeInteger(n) && n > 0 ? n : undefined)

/**
 * The decompressed size where the format records it: the xz index (`xz --robot --list`),
 * the zstd frame content sizes (`zstd -lv`, which walks every frame), gzip's ISIZE trailer.
 * ISIZE is the size mod 2^32 of the last member only, so it is a hint: when the file is
 * larger than it, the image wrapped at least once and the guess is raised accordingly.
 */
export async function inspectImage(file: string, opts: { decompressors?: Decompressors; run?: CommandRunner } = {}): Promise<ImageInfo> {
  const tools = opts.decompressors ?? SYSTEM_DECOMPRESSORS
  const run = opts.run ?? runCommand
  const fh = await fsp.open(file, 'r')
  let head: Buffer
  let fileSize: number
  let trailer = Buffer.alloc(0)
  try {
    fileSize = (await fh.stat()).size
    head = Buffer.alloc(Math.min(16, fileSize))
    await fh.read(head, 0, head.length, 0)
    if (fileSize >= 18) {
      trailer = Buffer.alloc(4)
      await fh.read(trailer, 0, 4, fileSize - 4)
    }
  } finally {
    await fh.close()
  }
  const compression = sniffCompression(head)
  if (!compression) return { fileSize, size: fileSize, estimatedSize: fileSize }
  let size: number | undefined
  if (compression === 'xz') {
    const r = await run([tools.xz, '--robot', '--list', '--', file], { timeoutMs: 60_000 })
    if (r.spawnError) throw missingTool('xz', tools.xz, r.spawnError)
    const totals = r.stdout.split('\n').find((l) => l.startsWith('totals\t'))
    if (r.code !== 0 || !totals) throw corrupt(file, 'xz', r.stderr.trim() || 'xz could not read its index')
    size = safeSize(Number(totals.split('\t')[4]))
  } else if (compression === 'zstd') {
    const r = await run([tools.zstd, '-lv', '--', file], { timeoutMs: 60_000 })
    if (r.spawnError) throw missingTool('zstd', tools.zstd, r.spawnError)
    if (r.code !== 0) throw corrupt(file, 'zstd', r.stderr.trim() || 'zstd could not read its frames')
    const m = /^Decompressed Size:.*\((\d+) B\)\s*$/m.exec(r.stdout)
    size = m ? safeSize(Number(m[1])) : undefined
  }
  let estimatedSize = size ?? fileSize
  if (compression === 'gzip' && trailer.length === 4) {
    let guess = trailer.readUInt32LE(0)
    // Compression rarely makes a disk image larger: a trailer smaller than the file wrapped.
    while (guess < fileSize) guess += 2 ** 32
    estimatedSize = guess
  }
  return { compression, fileSize, size, estimatedSize }
}

function missingTool(what: Compression, path: string, code: string): AppError {
  return new AppError('DecompressorMissing', `Cannot decompress the ${what} image: ${path} could not be started (${code}).`, {
    stage: 'validate',
    hint: `Install the ${PACKAGE[what]} package.`
  })
}

function corrupt(file: string, what: Compression, detail: string): AppError {
  return new AppError('ImageCorrupt', `The compressed image ${file} is damaged: ${what} cannot decompress it (${detail.slice(0, 300)}).`, {
    stage: 'read image',
    hint: 'Download the image again and check its checksum.'
  })
}

/** A plain file, read at offsets (several reads may run at once). */
export async function openFileReader(file: string): Promise<ImageReader> {
  const fh = await openImageFile(file)
  return { ...fileReader(fh, file, (await fh.stat()).size), close: () => fh.close() }
}

function openImageFile(file: string): Promise<fsp.FileHandle> {
  return fsp.open(file, 'r').catch((err: Error) => {
    throw new AppError('ImageReadError', `Cannot open the image ${file}: ${err.message}`, { stage: 'read image', cause: err })
  })
}

function fileReader(fh: fsp.FileHandle, file: string, size: number): Omit<ImageReader, 'close'> {
  return {
    size,
    estimatedSize: size,
    fd: fh.fd,
    async read(buf, length, position) {
      let done = 0
      while (done < length) {
        let n: number
        try {
          ;({ bytesRead: n } = await fh.read(buf, done, length - done, position + done))
        } catch (err) {
          throw new AppError('ImageReadError', `Cannot read the image ${file} at byte ${position + done}: ${(err as Error).message}`, {
            stage: 'read image',
            cause: err
          })
        }
        if (n === 0) break
        done += n
      }
      return done
    }
  }
}

/**
 * A plain image opened once for a whole job: the write (whose buffers the SHA-256 thread
 * hashes) and the read-back comparison both read this one descriptor, so they read the same
 * file even if its path is replaced meanwhile. `reader.close()` does nothing; `close()` closes the file.
 */
export interface JobImage {
  reader: ImageReader
  /** Why the file is not as it was when opened (size, modification or change time), if it is not. */
  changed(): Promise<string | undefined>
  /** The SHA-256 taken of this file before (system/image-digests), when it is unchanged since. */
  known?: KnownDigest
  /** Keeps the SHA-256 of the bytes this job read (and its read-back fingerprint), for the next job, when the file is unchanged since it was opened. */
  remember(sha256: string, tree?: string): Promise<void>
  /** Adds the read-back fingerprint to the SHA-256 kept for this file, when it is unchanged since it was opened. */
  keepTree(tree: string): Promise<void>
  close(): Promise<void>
}

export async function openJobImage(file: string, digests?: DigestStore): Promise<JobImage> {
  const fh = await openImageFile(file)
  try {
    // The wall clock before the identity is taken: a change after it gets a later ctime.
    const openedAt = Date.now()
    const first = await fh.stat({ bigint: true })
    return {
      reader: { ...fileReader(fh, file, Number(first.size)), close: () => Promise.resolve() },
      async changed() {
        const now = await fh.stat({ bigint: true })
        if (now.size !== first.size) return `its size changed from ${first.size} to ${now.size} bytes`
        // ctime cannot be set back from user space: any write through the filesystem moves it.
        if (now.mtimeNs !== first.mtimeNs || now.ctimeNs !== first.ctimeNs) return 'it was modified'
        return undefined
      },
      known: digests?.lookup(first),
      async remember(sha256, tree) {
        digests?.remember(file, first, openedAt, await fh.stat({ bigint: true }), sha256, tree)
      },
      async keepTree(tree) {
        digests?.keepTree(first, await fh.stat({ bigint: true }), tree)
      },
      close: () => fh.close()
    }
  } catch (err) {
    await fh.close()
    throw err
  }
}

/** Above this much decompressed output waiting to be consumed, the decompressor is paused. */
const HIGH_WATER = 16 * 1024 * 1024

/**
 * A decompressor child process: Node reads the compressed file (hashing it on the way, for
 * checksum files that list the compressed file) and feeds it to `xz -dc` / `zstd -dc` /
 * `gzip -dc`, whose output is served in order. The decompression runs in its own process,
 * on another core, never on the main thread.
 */
export function openDecompressingReader(file: string, info: ImageInfo, opts: { decompressors?: Decompressors; hashContainer?: boolean } = {}): ImageReader {
  const what = info.compression as Compression
  const tool = (opts.decompressors ?? SYSTEM_DECOMPRESSORS)[what]
  const hash = opts.hashContainer ? createHash('sha256') : undefined
  let containerHex: string | undefined
  const chunks: Buffer[] = []
  let queued = 0
  let consumed = 0
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  /** Bytes the waiting read still needs: it is woken once, not for every 64 KiB pipe chunk. */
  let need = 0
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  let stderr = ''
  // Without a hash to take, the decompressor reads the file itself: one process less in the data path.
  const feed = Boolean(hash)
  // xz 5.4 decompresses a multi-block file (what `xz -T` writes) on every core with -T0; the
  // decompressor was the slowest part of a compressed write. zstd and gzip have no such mode.
  const threads = what === 'xz' ? ['-T0'] : []
  const child: ChildProcesses.ChildProcess = childProcess().spawn(tool, feed ? [...threads, '-dc'] : [...threads, '-dc', '--', file], {
    stdio: [feed ? 'pipe' : 'ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      failure ??= err.code === 'ENOENT' || err.code === 'EACCES' ? missingTool(what, tool, err.code) : err
      notify()
      resolve(null)
    })
    child.on('close', (code) => resolve(code))
  })
  const input = feed ? createReadStream(file, { highWaterMark: 1024 * 1024 }) : undefined
  if (input) {
    input.on('data', (b) => hash?.update(b as Buffer))
    input.on('end', () => (containerHex = hash?.digest('hex')))
    input.on('error', (err) => {
      failure ??= new AppError('ImageReadError', `Cannot read the image ${file}: ${err.message}`, { stage: 'read image', cause: err })
      child.kill()
      notify()
    })
    // EPIPE when the decompressor stops early (corrupt data): the exit status says why.
    child.stdin?.on('error', () => undefined)
    input.pipe(child.stdin!)
  }
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-2000)))
  child.stdout?.on('data', (b: Buffer) => {
    chunks.push(b)
    queued += b.length
    if (queued > HIGH_WATER) child.stdout?.pause()
    if (queued >= need) notify()
  })
  child.stdout?.on('end', () => {
    void exited.then((code) => {
      if (code !== 0 && !failure) failure = corrupt(file, what, stderr.trim().split('\n').pop() || `${what} exited with status ${code}`)
      ended = true
      notify()
    })
  })

  let tail: Promise<unknown> = Promise.resolve()
  const take = async (buf: Buffer, length: number, position: number): Promise<number> => {
    // Read-ahead beyond the end of a stream of unknown size finds nothing there.
    if (position > consumed && ended && chunks.length === 0 && !failure) return 0
    if (position !== consumed) throw new Error(`decompressed images are read in order (asked for ${position}, at ${consumed})`)
    let done = 0
    while (done < length) {
      if (failure) throw failure
      const want = Math.min(length - done, HIGH_WATER / 2)
      if (queued < want && !ended) {
        need = want
        await new Promise<void>((resolve) => (wake = resolve))
        need = 0
        continue
      }
      if (chunks.length === 0) break
      const c = chunks[0]
      const n = Math.min(c.length, length - done)
      c.copy(buf, done, 0, n)
      done += n
      queued -= n
      if (n === c.length) chunks.shift()
      else chunks[0] = c.subarray(n)
      if (queued <= HIGH_WATER / 2) child.stdout?.resume()
    }
    if (failure) throw failure
    consumed += done
    if (info.size !== undefined && (consumed > info.size || (done < length && consumed !== info.size))) {
      throw new AppError('ImageCorrupt', `The compressed image ${file} decompresses to a different size than its header says (${info.size} bytes).`, {
        stage: 'read image',
        hint: 'Download the image again and check its checksum.'
      })
    }
    return done
  }
  return {
    size: info.size,
    estimatedSize: info.estimatedSize,
    read(buf, length, position) {
      // One at a time, in the order asked: the pipeline queues its read-ahead this way.
      const p = tail.then(() => take(buf, length, position))
      tail = p.catch(() => undefined)
      return p
    },
    containerSha256: () => containerHex,
    async close() {
      input?.destroy()
      if (child.exitCode === null && child.signalCode === null) child.kill()
      child.stdout?.resume()
      await exited
    }
  }
}

/** The right reader for a file: decompressing when its content is xz, zstd or gzip. */
export async function openImageReader(
  file: string,
  opts: { decompressors?: Decompressors; hashContainer?: boolean; info?: ImageInfo } = {}
): Promise<ImageReader> {
  const info = opts.info ?? (await inspectImage(file, opts))
  return info.compression ? openDecompressingReader(file, info, opts) : openFileReader(file)
}
