import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { close as fsClose, constants as fsc, promises as fsp, type WriteStream, createWriteStream } from 'node:fs'
import { promisify } from 'node:util'
import type { DriveInfo, WriteJob, WriteStage, WriteTargetState } from '../../../shared/contract/drives'
import { AppError } from '../../../shared/contract/errors'
import type { RootFs } from '../system/rootfs'
import { alignedBuffers, roundUp } from './aligned'
import { cancelled, DriveIoError, ioError, toWriteError } from './errors'
import { findImageEnd, IMAGE_END_PROBE } from './image-end'
import { Meter } from './job'
import { watchRemoval } from './liveness'
import { MiB } from './pipeline'
import { openImageReader, openJobImage, SYSTEM_DECOMPRESSORS, type Decompressors, type ImageInfo } from './source'
import type { DigestStore } from '../system/image-digests'
import type { UDisksClient } from './udisks/client'
import { openDevice, READ_FLAGS, OPEN_FLAGS, unmountDrive } from './udisks/ops'
import type { ObjectTree } from './udisks/tree'
import { compareWithImage, readAt } from './verify'

const closeFd = promisify(fsClose)

export interface ReadTarget {
  drive: DriveInfo
  drivePath?: string
  blockSize: number
  devnum: number
}

export type ReadJobSpec =
  | { kind: 'verify'; image: string; info: ImageInfo }
  | {
      kind: 'backup'
      /** Checked final path (see backup-file.ts); written as `${file}.part` first. */
      file: string
      compress: 'none' | 'zstd'
      /** Read the whole drive even when a partition table or ISO 9660 says where the image ends. */
      whole: boolean
      overwrite: boolean
    }

export interface ReadJobDeps {
  client: UDisksClient
  fs: RootFs
  tree: ObjectTree
  emit(job: WriteJob): void
  /** After OpenDevice: why the opened device is not the confirmed one (undefined when it is). */
  recheck(target: ReadTarget, fd: number): Promise<string | undefined>
  decompressors?: Decompressors
  tuning?: { chunkSize?: number }
  /** Digests and fingerprints of plain images (system/image-digests): a kept fingerprint spares reading the image. */
  digests?: DigestStore
}

const TERMINAL: WriteStage[] = ['done', 'failed', 'cancelled']
const EMIT_INTERVAL_MS = 250

/** Writes `data` to a stream, waiting when it is full (backpressure). */
function put(out: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    out.once('error', onError)
    const ok = out.write(data, (err) => {
      out.removeListener('error', onError)
      if (err) reject(err)
      else if (ok) resolve()
    })
    if (!ok) out.once('drain', () => resolve())
  })
}

/**
 * Reads a drive and never writes it: "verify a stick" compares it with an image (compressed
 * or not) and names the first differing byte; "back up a stick" copies it (up to the end of
 * its last partition or filesystem) into a file, optionally zstd-compressed, with its SHA-256.
 */
export class ReadJobRunner {
  readonly state: WriteJob
  private readonly abort = new AbortController()
  private readonly meter = new Meter()
  private removed?: DriveIoError
  private lastEmit = 0
  private emitTimer?: NodeJS.Timeout

  constructor(
    jobId: string,
    private readonly spec: ReadJobSpec,
    private readonly target: ReadTarget,
    private readonly deps: ReadJobDeps
  ) {
    const d = target.drive
    this.state = {
      jobId,
      kind: spec.kind,
      image: spec.kind === 'verify' ? spec.image : spec.file,
      imageSize: spec.kind === 'verify' ? spec.info.estimatedSize : d.size,
      ...(spec.kind === 'verify' && spec.info.compression ? { compression: spec.info.compression, imageFileSize: spec.info.fileSize } : {}),
      verify: spec.kind === 'verify',
      after: 'none',
      stage: 'queued',
      startedAt: new Date().toISOString(),
      message: 'Starting',
      targets: [
        {
          id: d.id,
          device: d.device,
          model: [d.vendor, d.model].filter(Boolean).join(' '),
          size: d.size,
          stage: 'queued',
          bytes: 0,
          total: d.size,
          percent: 0,
          speed: 0
        }
      ]
    }
  }

  get finished(): boolean {
    return TERMINAL.includes(this.state.stage)
  }

  cancel(): void {
    this.abort.abort()
  }

  private get t(): WriteTargetState {
    return this.state.targets[0]
  }

  private setStage(stage: WriteStage, total = this.t.total): void {
    Object.assign(this.t, { stage, bytes: 0, total, percent: 0, speed: 0, etaSeconds: undefined })
    this.state.stage = stage
    this.meter.reset()
    this.flush()
  }

  private progress(bytes: number): void {
    const t = this.t
    this.meter.update(bytes)
    t.bytes = bytes
    t.percent = t.total ? Math.min(100, Math.floor((bytes / t.total) * 1000) / 10) : 100
    t.speed = Math.round(this.meter.speed)
    t.etaSeconds = this.meter.speed > 0 ? Math.max(0, Math.round((t.total - bytes) / this.meter.speed)) : undefined
    const wait = this.lastEmit + EMIT_INTERVAL_MS - Date.now()
    if (wait <= 0) this.flush()
    else this.emitTimer ??= setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    if (this.emitTimer) clearTimeout(this.emitTimer)
    this.emitTimer = undefined
    this.lastEmit = Date.now()
    this.deps.emit(structuredClone(this.state))
  }

  async run(): Promise<WriteJob> {
    const { drive } = this.target
    let stopWatch: (() => Promise<void>) | undefined
    let fd: number | undefined
    try {
      stopWatch = await watchRemoval(
        this.deps.client,
        this.deps.fs,
        [{ id: drive.id, device: drive.device, drivePath: this.target.drivePath, loop: drive.loop }],
        (_id, why) => {
          this.removed ??= new DriveIoError('DriveRemoved', `${drive.device} was removed while it was read: ${why}.`, this.t.bytes, {
            stage: this.t.stage,
            hint: 'Plug it in again and start again.'
          })
          this.abort.abort()
        }
      )
      if (this.spec.kind === 'backup') {
        // Nothing may change the stick while it is copied: its filesystems are unmounted and the open is exclusive.
        this.setStage('unmount')
        await unmountDrive(this.deps.client, this.deps.tree, drive.id, drive.device)
      }
      this.setStage('open')
      fd = await openDevice(this.deps.client, drive.id, 'r', drive.device, this.spec.kind === 'backup' ? OPEN_FLAGS : READ_FLAGS)
      const changed = await this.deps.recheck(this.target, fd).catch((err: Error) => `it could not be checked again (${err.message})`)
      if (changed) {
        throw new AppError('DriveChanged', `${drive.device} changed after it was confirmed: ${changed}. Nothing was read.`, {
          stage: 'open',
          hint: 'Check the drive list and choose the drive again.'
        })
      }
      if (this.spec.kind === 'verify') await this.verify(fd, this.spec)
      else await this.backup(fd, this.spec)
      if (this.removed) throw this.removed
      this.t.stage = 'done'
      this.t.percent = 100
      this.t.etaSeconds = 0
    } catch (err) {
      const e =
        this.removed ?? (this.abort.signal.aborted && !(err instanceof AppError && err.name === 'Cancelled') ? cancelled(this.t.stage, drive.device) : err)
      this.t.error = toWriteError(e)
      this.t.stage = this.t.error.name === 'Cancelled' ? 'cancelled' : 'failed'
      // Reading never changes the drive: whatever it held, it still holds.
      this.t.error.hint ??= 'The drive was not changed.'
    } finally {
      if (fd !== undefined) await closeFd(fd).catch(() => undefined)
      if (stopWatch) await stopWatch().catch(() => undefined)
    }
    this.finish()
    return this.state
  }

  private async verify(fd: number, spec: Extract<ReadJobSpec, { kind: 'verify' }>): Promise<void> {
    const { drive } = this.target
    let size = spec.info.size
    if (size === undefined) {
      // gzip records its size only mod 2^32: count the decompressed bytes once first.
      this.setStage('verify', spec.info.estimatedSize)
      size = await this.countImage(spec)
    }
    this.state.imageSize = size
    if (size > drive.size) {
      throw new AppError('DriveTooSmall', `${drive.device} (${drive.size} bytes) is smaller than the image (${size} bytes): it cannot hold it.`, {
        stage: 'verify'
      })
    }
    this.setStage('verify', size)
    // A plain image is opened with its identity: a fingerprint kept for this very file spares
    // reading it (the stick alone is read and hashed), and a file changed meanwhile fails the check.
    const image = spec.info.compression ? undefined : await openJobImage(spec.image, this.deps.digests)
    let offset: number | undefined
    try {
      offset = await compareWithImage({
        fd,
        device: drive.device,
        imagePath: spec.image,
        source: image?.reader ?? (await openImageReader(spec.image, { info: spec.info, decompressors: this.deps.decompressors })),
        imageSize: size,
        blockSize: this.target.blockSize,
        signal: this.abort.signal,
        chunkSize: this.deps.tuning?.chunkSize,
        tree: image?.known?.tree,
        onEqual: (by) => (this.t.verifiedBy = by),
        onProgress: (b) => this.progress(b)
      })
      const changed = await image?.changed()
      if (changed) {
        throw new AppError('ImageReadError', `The image ${spec.image} changed while the stick was checked against it (${changed}).`, {
          stage: 'verify',
          hint: 'Make sure nothing else writes the image, then check the stick again.'
        })
      }
    } finally {
      await image?.close()
    }
    if (offset !== undefined) {
      throw new DriveIoError('VerificationMismatch', `${drive.device} differs from the image at byte ${offset}.`, offset, {
        stage: 'verify',
        hint: 'The stick does not hold this image (or no longer stores it reliably). Write it again, or try another stick.'
      })
    }
    this.t.verified = true
  }

  private async countImage(spec: Extract<ReadJobSpec, { kind: 'verify' }>): Promise<number> {
    const r = await openImageReader(spec.image, { info: spec.info, decompressors: this.deps.decompressors })
    const buf = Buffer.allocUnsafe(4 * MiB)
    let total = 0
    try {
      for (;;) {
        if (this.abort.signal.aborted) throw cancelled('verify', this.target.drive.device)
        const n = await r.read(buf, buf.length, total)
        total += n
        // A decompression bomb is not counted to its end: past the drive it cannot match anyway.
        if (total > this.target.drive.size) return total
        if (n < buf.length) return total
      }
    } finally {
      await r.close()
    }
  }

  private async backup(fd: number, spec: Extract<ReadJobSpec, { kind: 'backup' }>): Promise<void> {
    const { drive, blockSize } = this.target
    const chunkSize = this.deps.tuning?.chunkSize ?? 4 * MiB
    const [probe] = alignedBuffers(1, IMAGE_END_PROBE)
    const probeLen = Math.min(IMAGE_END_PROBE, Math.floor(drive.size / blockSize) * blockSize)
    await readAt(fd, probe, probeLen, 0).catch((err: Error & { offset?: number }) => {
      throw ioError(err, 'read', drive.device, err.offset ?? 0)
    })
    const found = spec.whole ? undefined : findImageEnd(probe.subarray(0, probeLen), blockSize, drive.size)
    const end = found?.end ?? drive.size
    this.state.imageSize = end
    this.state.backup = { file: spec.file, compress: spec.compress, bytes: end, endsAt: found?.from ?? 'drive' }
    this.setStage('read', end)

    const part = `${spec.file}.part`
    // O_NOFOLLOW: a symlink planted at the .part name is not followed somewhere else.
    const handle = await fsp.open(part, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, 0o644).catch((err: Error) => {
      throw new AppError('BackupWriteError', `Cannot create ${part}: ${err.message}`, { stage: 'read', cause: err })
    })
    const out = createWriteStream('', { fd: handle, autoClose: true })
    const imageHash = createHash('sha256')
    const fileHash = spec.compress === 'zstd' ? createHash('sha256') : undefined
    let sink: NodeJS.WritableStream = out
    let zstdDone: Promise<void> | undefined
    let ok = false
    try {
      if (spec.compress === 'zstd') {
        const zstd = (this.deps.decompressors ?? SYSTEM_DECOMPRESSORS).zstd
        // --stream-size records the exact size in the frame header, so writing it back shows real progress.
        const child = spawn(zstd, ['-q', '-c', '-3', `--stream-size=${end}`], { stdio: ['pipe', 'pipe', 'pipe'] })
        let stderr = ''
        child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-1000)))
        child.stdout.on('data', (b: Buffer) => fileHash?.update(b))
        child.stdout.pipe(out)
        child.stdin.on('error', () => undefined)
        zstdDone = new Promise<void>((resolve, reject) => {
          child.on('error', (err: NodeJS.ErrnoException) =>
            reject(
              new AppError('CompressorMissing', `Cannot start ${zstd} (${err.code ?? err.message}).`, { stage: 'read', hint: 'Install the zstd package.' })
            )
          )
          child.on('close', (code) =>
            code === 0 ? resolve() : reject(new AppError('BackupWriteError', `zstd failed (status ${code}): ${stderr.trim()}`, { stage: 'read' }))
          )
        })
        zstdDone.catch(() => undefined)
        sink = child.stdin
      }
      const depth = 3
      const bufs = alignedBuffers(depth + 1, chunkSize)
      const queue: Array<{ offset: number; buf: Buffer; read: Promise<number> }> = []
      let next = 0
      let slot = 0
      const fill = (): void => {
        while (queue.length < depth && next < end) {
          const buf = bufs[slot++ % bufs.length]
          const read = readAt(fd, buf, roundUp(Math.min(chunkSize, end - next), blockSize), next)
          read.catch(() => undefined)
          queue.push({ offset: next, buf, read })
          next += chunkSize
        }
      }
      try {
        fill()
        while (queue.length) {
          const { offset, buf, read } = queue[0]
          if (this.abort.signal.aborted) throw this.removed ?? cancelled('read', drive.device, offset)
          const want = Math.min(chunkSize, end - offset)
          let got: number
          try {
            got = await read
          } catch (err) {
            throw ioError(err, 'read', drive.device, (err as { offset?: number }).offset ?? offset)
          }
          if (got < want)
            throw new DriveIoError('DriveRemoved', `${drive.device} ended at byte ${offset + got} while it was read.`, offset + got, { stage: 'read' })
          const data = buf.subarray(0, want)
          imageHash.update(data)
          // Copied: the aligned buffer is reused for a read while the stream may still hold it.
          await put(sink, Buffer.from(data)).catch((err: Error) => {
            throw new AppError('BackupWriteError', `Cannot write ${part}: ${err.message}`, { stage: 'read', cause: err })
          })
          queue.shift()
          fill()
          this.progress(offset + want)
        }
      } finally {
        await Promise.all(queue.map((q) => q.read.catch(() => undefined)))
      }
      await new Promise<void>((resolve) => sink.end(resolve))
      if (zstdDone) await zstdDone
      if (out !== sink)
        await new Promise<void>((resolve, reject) => (out.writableFinished ? resolve() : (out.once('finish', resolve), out.once('error', reject))))
      const fh = await fsp.open(part, 'r')
      await fh.sync().finally(() => fh.close())
      await this.publish(part, spec)
      this.state.backup.sha256 = imageHash.digest('hex')
      if (fileHash) this.state.backup.fileSha256 = fileHash.digest('hex')
      ok = true
    } finally {
      if (!ok) {
        ;(out as WriteStream).destroy()
        await fsp.rm(part, { force: true }).catch(() => undefined)
        this.partRemoved = true
      }
    }
  }

  private partRemoved = false

  /** FILE.part becomes FILE; an existing FILE is replaced only when the caller said so. */
  private async publish(part: string, spec: Extract<ReadJobSpec, { kind: 'backup' }>): Promise<void> {
    if (spec.overwrite) return fsp.rename(part, spec.file)
    // link() fails when FILE appeared meanwhile: never replace a file nobody agreed to lose.
    try {
      await fsp.link(part, spec.file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new AppError('FileExists', `${spec.file} appeared while the stick was read; it was not replaced.`, { stage: 'read' })
      }
      throw new AppError('BackupWriteError', `Cannot create ${spec.file}: ${(err as Error).message}`, { stage: 'read', cause: err })
    }
    await fsp.rm(part, { force: true })
  }

  private finish(): void {
    const t = this.t
    this.state.stage = t.stage === 'done' ? 'done' : t.stage
    this.state.finishedAt = new Date().toISOString()
    if (t.stage === 'done') {
      this.state.message =
        this.spec.kind === 'verify'
          ? `${t.device} holds exactly the image (${this.state.imageSize} bytes compared)`
          : `Backed up ${this.state.imageSize} bytes of ${t.device} to ${this.spec.file}`
    } else {
      const removedNote = this.spec.kind === 'backup' && this.partRemoved ? ' The partial file was removed.' : ''
      this.state.message = `${t.stage === 'failed' ? 'Failed' : 'Cancelled'} on ${t.device}: ${t.error?.message ?? ''}${removedNote}`
      if (removedNote && t.error) t.error.message += removedNote
    }
    this.flush()
  }
}
