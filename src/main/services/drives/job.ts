import { close as fsClose, fsync as fsFsync } from 'node:fs'
import { promisify } from 'node:util'
import type { DriveInfo, WriteJob, WriteStage, WriteTargetState } from '../../../shared/contract/drives'
import { AppError } from '../../../shared/contract/errors'
import type { RootFs } from '../system/rootfs'
import type { DigestStore } from '../system/image-digests'
import { answerTimer } from '../system/deadline'
import { cancelled, DriveIoError, ioError, NOT_BOOTABLE, toWriteError } from './errors'
import { watchRemoval } from './liveness'
import { writeImage, type PipelineControl, type WriteEvent } from './pipeline'
import type { UDisksClient } from './udisks/client'
import { ejectDrive, openDevice, unmountDrive } from './udisks/ops'
import type { ObjectTree } from './udisks/tree'
import { compareWithImage } from './verify'
import { openDecompressingReader, openJobImage, type Decompressors, type ImageInfo, type JobImage } from './source'

const fsync = promisify(fsFsync)
const closeFd = promisify(fsClose)

export interface JobTarget {
  drive: DriveInfo
  /** UDisks2 drive object (absent for loop devices). */
  drivePath?: string
  blockSize: number
  /** The token the user confirmed and the device number it had then. */
  token: string
  devnum: number
}

export interface JobOptions {
  jobId: string
  image: string
  imageSize: number
  verify: boolean
  expectedSha256?: string
  after: 'none' | 'eject' | 'poweroff'
  /** Set for a compressed image: it is decompressed while writing and again to verify. */
  imageInfo?: ImageInfo
  decompressors?: Decompressors
}

export interface JobDeps {
  client: UDisksClient
  fs: RootFs
  tree: ObjectTree
  /** Receives the job state (throttled here to 4 per second, plus every stage change). */
  emit(job: WriteJob): void
  onWrite?(ev: WriteEvent & { device: string }): void
  /**
   * After OpenDevice, before the first byte: re-reads UDisks2, re-runs the whole filter and
   * compares token and fstat(fd).st_rdev. Returns why the opened device is not the confirmed one.
   */
  recheck(target: JobTarget, fd: number): Promise<string | undefined>
  /** Test hook: runs where the polkit prompt would sit (a stand-in delay). */
  beforeOpen?(device: string): Promise<void>
  tuning?: { chunkSize?: number; buffers?: number; writesInFlight?: number; zeroCopy?: boolean }
  /** SHA-256 digests of plain images taken before, kept with the file's identity. */
  digests?: DigestStore
}

const EMIT_INTERVAL_MS = 250
const TERMINAL: WriteStage[] = ['done', 'failed', 'cancelled']

/** Bytes-per-second over the current stage, smoothed so the ETA does not jump. */
export class Meter {
  private t0 = Date.now()
  private lastT = this.t0
  private lastBytes = 0
  speed = 0
  reset(): void {
    this.t0 = this.lastT = Date.now()
    this.lastBytes = 0
    this.speed = 0
  }
  update(bytes: number): void {
    const now = Date.now()
    const dt = (now - this.lastT) / 1000
    if (dt < 0.2) return
    const inst = (bytes - this.lastBytes) / dt
    this.speed = this.speed === 0 ? inst : 0.7 * this.speed + 0.3 * inst
    this.lastT = now
    this.lastBytes = bytes
  }
}

/** How long an I/O error waits for UDisks2 to report the drive gone (it usually is within ms). */
const REMOVAL_GRACE_MS = 2000

/** One write of one image to one or more drives: unmount, open, write, sync, verify, eject. */
export class WriteJobRunner {
  readonly state: WriteJob
  private readonly abort = new AbortController()
  private readonly verifyAborts = new Map<string, AbortController>()
  private removalWaiter?: () => void
  private readonly removed = new Map<string, DriveIoError>()
  private readonly meters = new Map<string, Meter>()
  private readonly fds = new Map<string, number>()
  private readonly control: PipelineControl = {}
  private lastEmit = 0
  /** Bytes of image written (the decompressed size, known exactly only after the write). */
  private writtenSize: number
  /**
   * The image's read-back fingerprint (system/fingerprint.ts): of the bytes written, taken from
   * the write's buffers (none when they were spliced), else from a comparison that found a drive equal.
   */
  private tree?: string
  private emitTimer?: NodeJS.Timeout
  /** A plain image, open for the whole job (the write and the read-back read this one descriptor). */
  private image?: JobImage

  constructor(
    private readonly opts: JobOptions,
    private readonly targets: JobTarget[],
    private readonly deps: JobDeps
  ) {
    this.state = {
      jobId: opts.jobId,
      image: opts.image,
      imageSize: opts.imageSize,
      expectedSha256: opts.expectedSha256,
      compression: opts.imageInfo?.compression,
      imageFileSize: opts.imageInfo?.fileSize,
      verify: opts.verify,
      after: opts.after,
      stage: 'queued',
      startedAt: new Date().toISOString(),
      message: 'Starting',
      targets: targets.map((t) => ({
        id: t.drive.id,
        device: t.drive.device,
        model: [t.drive.vendor, t.drive.model].filter(Boolean).join(' '),
        size: t.drive.size,
        stage: 'queued',
        bytes: 0,
        total: opts.imageSize,
        percent: 0,
        speed: 0
      }))
    }
    for (const t of targets) this.meters.set(t.drive.id, new Meter())
    this.writtenSize = opts.imageSize
  }

  get finished(): boolean {
    return TERMINAL.includes(this.state.stage)
  }

  cancel(): void {
    if (!this.finished) this.abort.abort()
    for (const a of this.verifyAborts.values()) a.abort()
  }

  private ts(id: string): WriteTargetState {
    return this.state.targets.find((t) => t.id === id) as WriteTargetState
  }

  private active(): WriteTargetState[] {
    return this.state.targets.filter((t) => !TERMINAL.includes(t.stage))
  }

  private setStage(t: WriteTargetState, stage: WriteStage, total = this.opts.imageSize): void {
    t.stage = stage
    t.bytes = 0
    t.total = total
    t.percent = 0
    t.speed = 0
    t.etaSeconds = undefined
    this.meters.get(t.id)?.reset()
    this.flush()
  }

  private progress(id: string, bytes: number): void {
    const t = this.ts(id)
    if (TERMINAL.includes(t.stage)) return
    const m = this.meters.get(id) as Meter
    m.update(bytes)
    t.bytes = bytes
    t.percent = t.total ? Math.min(100, Math.floor((bytes / t.total) * 1000) / 10) : 100
    t.speed = Math.round(m.speed)
    t.etaSeconds = m.speed > 0 ? Math.max(0, Math.round((t.total - bytes) / m.speed)) : undefined
    this.schedule()
  }

  private fail(id: string, err: unknown, wroteData: boolean): void {
    const t = this.ts(id)
    if (TERMINAL.includes(t.stage)) return
    const e = this.removed.get(id) ?? err
    const info = toWriteError(e)
    t.error = info
    t.stage = info.name === 'Cancelled' ? 'cancelled' : 'failed'
    t.notBootable = wroteData && (t.stage === 'failed' || info.stage === 'write')
    if (!wroteData && !info.hint) info.hint = 'Nothing was written to this drive.'
    this.flush()
  }

  private schedule(): void {
    const wait = this.lastEmit + EMIT_INTERVAL_MS - Date.now()
    if (wait <= 0) return this.flush()
    this.emitTimer ??= setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    if (this.emitTimer) clearTimeout(this.emitTimer)
    this.emitTimer = undefined
    this.lastEmit = Date.now()
    const order: WriteStage[] = ['queued', 'unmount', 'open', 'write', 'sync', 'verify', 'eject']
    const running = this.active()
    if (running.length) this.state.stage = running.map((t) => t.stage).sort((a, b) => order.indexOf(a) - order.indexOf(b))[0]
    this.deps.emit(structuredClone(this.state))
  }

  async run(): Promise<WriteJob> {
    let stopWatch: (() => Promise<void>) | undefined
    try {
      if (!this.opts.imageInfo?.compression) {
        this.image = await openJobImage(this.opts.image, this.deps.digests)
        // A digest taken before that is not the verified one: refused before any drive is touched.
        const known = this.image.known?.sha256
        if (known && this.opts.expectedSha256 && known !== this.opts.expectedSha256.toLowerCase()) throw this.imageMismatch(known, 'validate')
      }
      // Watching starts before the first prompt: a drive pulled while another is authorised counts.
      stopWatch = await watchRemoval(
        this.deps.client,
        this.deps.fs,
        this.targets.map((t) => ({ id: t.drive.id, device: t.drive.device, drivePath: t.drivePath, loop: t.drive.loop })),
        (id, why) => this.onRemoved(id, why)
      )
      await this.prepare()
      if (this.active().length) await this.writeAndVerify()
    } catch (err) {
      for (const t of this.active()) this.fail(t.id, err, t.stage !== 'unmount' && t.stage !== 'open' && t.stage !== 'queued')
    } finally {
      if (stopWatch) await stopWatch().catch(() => undefined)
      // A removal reported by the final look still turns success into failure.
      for (const [id, err] of this.removed)
        this.fail(id, err, this.ts(id).stage !== 'open' && this.ts(id).stage !== 'unmount' && this.ts(id).stage !== 'queued')
      await Promise.all([...this.fds.values()].map((fd) => closeFd(fd).catch(() => undefined)))
      this.fds.clear()
      await this.image?.close().catch(() => undefined)
    }
    await this.afterSuccess()
    this.finish()
    return this.state
  }

  /** Unmount and open each drive in turn (one authorization prompt at a time). */
  private async prepare(): Promise<void> {
    for (const target of this.targets) {
      const t = this.ts(target.drive.id)
      if (this.abort.signal.aborted) {
        this.fail(t.id, cancelled('unmount', t.device), false)
        continue
      }
      try {
        this.setStage(t, 'unmount')
        await unmountDrive(this.deps.client, this.deps.tree, target.drive.id, target.drive.device)
        this.setStage(t, 'open')
        await this.deps.beforeOpen?.(target.drive.device)
        const fd = await openDevice(this.deps.client, target.drive.id, 'rw', target.drive.device)
        // Re-checked before the first byte: the prompt may have sat on screen while the device changed.
        let changed: string | undefined
        try {
          changed = this.removed.has(t.id) ? undefined : await this.deps.recheck(target, fd)
        } catch (err) {
          changed = `it could not be checked again (${(err as Error).message})`
        }
        if (changed || this.removed.has(t.id)) {
          await closeFd(fd).catch(() => undefined)
          throw (
            this.removed.get(t.id) ??
            new AppError('DriveChanged', `${t.device} changed after it was confirmed: ${changed}. Nothing was written to it.`, {
              stage: 'open',
              hint: 'Check the drive list and confirm the drive again.'
            })
          )
        }
        this.fds.set(t.id, fd)
        if (this.abort.signal.aborted) throw cancelled('open', t.device)
      } catch (err) {
        this.fail(t.id, err, false)
      }
    }
  }

  private async writeAndVerify(): Promise<void> {
    const live = this.targets.filter((t) => this.fds.has(t.drive.id) && !TERMINAL.includes(this.ts(t.drive.id).stage))
    {
      for (const t of live) this.setStage(this.ts(t.drive.id), 'write')
      const info = this.opts.imageInfo
      const compressed = Boolean(info?.compression)
      // A plain image hashed before and unchanged since (system/image-digests) is not hashed
      // again: its bytes are written and compared with the drive, its SHA-256 is known.
      const known = this.image?.known
      const result = await writeImage({
        imagePath: this.opts.image,
        // A checksum file lists the compressed file: its hash is taken from the bytes fed to the decompressor.
        source: compressed
          ? openDecompressingReader(this.opts.image, info as ImageInfo, {
              decompressors: this.opts.decompressors,
              hashContainer: Boolean(this.opts.expectedSha256)
            })
          : this.image?.reader,
        targets: live.map((t) => ({
          id: t.drive.id,
          device: t.drive.device,
          fd: this.fds.get(t.drive.id) as number,
          size: t.drive.size,
          blockSize: t.blockSize
        })),
        signal: this.abort.signal,
        // The bytes written are hashed (one read of the image for both); a checksum file lists
        // a compressed file, whose hash the reader takes, so the stream's is only for show.
        hash: !known && (this.opts.verify || (Boolean(this.opts.expectedSha256) && !compressed)),
        // The bytes written get their fingerprint on the way: the read-back then hashes the drive.
        fingerprint: this.opts.verify,
        control: this.control,
        chunkSize: this.deps.tuning?.chunkSize,
        buffers: this.deps.tuning?.buffers,
        writesInFlight: this.deps.tuning?.writesInFlight,
        zeroCopy: this.deps.tuning?.zeroCopy,
        onProgress: (id, bytes) => this.progress(id, bytes),
        onWrite: this.deps.onWrite ? (ev) => this.deps.onWrite?.({ ...ev, device: this.ts(ev.target).device }) : undefined
      })
      // A stick pulled out mid-write often fails as ENOSPC or EIO a moment before UDisks2 says
      // it is gone: give the removal signal a short while, so the error says what happened.
      const ioFailures = [...result.failures].filter(([id, err]) => err.name === 'IOError' && !this.removed.has(id)).map(([id]) => id)
      if (ioFailures.length > 0) await this.removalGrace(ioFailures, REMOVAL_GRACE_MS)
      for (const [id, err] of result.failures) this.fail(id, err, true)
      this.state.sha256 = known?.sha256 ?? result.sha256
      if (known) this.state.sha256TakenAt = known.at
      this.state.compressedSha256 = result.containerSha256
      this.writtenSize = result.imageSize
      this.tree = result.tree
      if (compressed) this.state.imageSize = result.imageSize

      await Promise.all(
        this.active().map(async (t) => {
          this.setStage(t, 'sync')
          try {
            await fsync(this.fds.get(t.id) as number)
          } catch (err) {
            this.fail(t.id, ioError(err, 'sync', t.device), true)
          }
          if (this.abort.signal.aborted) this.fail(t.id, cancelled('sync', t.device), true)
        })
      )

      if (compressed && this.opts.expectedSha256 && this.active().length && result.containerSha256 !== this.opts.expectedSha256.toLowerCase())
        for (const t of this.active()) this.fail(t.id, this.imageMismatch(result.containerSha256), true)

      const sha = compressed ? result.sha256 : this.checkImageHash(known?.sha256 ?? result.sha256)
      if (this.opts.verify) await Promise.all(this.active().map((t) => this.verifyOne(t, sha)))
      const changed = this.active().length ? await this.image?.changed() : undefined
      if (changed) {
        const err = new AppError('ImageReadError', `The image ${this.opts.image} changed while it was written (${changed}): the drive may not hold it.`, {
          stage: 'write',
          hint: 'Do not boot from this drive. Make sure nothing else writes the image, then write it again.'
        })
        for (const t of this.active()) this.fail(t.id, err, true)
      } else if (sha && !known && !compressed) await this.image?.remember(sha, this.tree)
      else if (known && !known.tree && this.tree) await this.image?.keepTree(this.tree)
    }
  }

  private imageMismatch(actual: string | undefined, stage: 'validate' | 'write' = 'write'): AppError {
    return stage === 'validate'
      ? new AppError(
          'ImageMismatch',
          `The image has SHA-256 ${actual} (taken earlier; the file is unchanged since), not the verified ${this.opts.expectedSha256?.toLowerCase()}: it is another image, or a damaged one. No drive was touched.`,
          { stage, hint: 'Download and verify the image again, or give the checksum that belongs to this file.' }
        )
      : new AppError(
          'ImageMismatch',
          `The image read while writing has SHA-256 ${actual}, not the verified ${this.opts.expectedSha256?.toLowerCase()}: the file changed or is damaged.`,
          { stage, hint: 'Do not boot from this drive. Download and verify the image again, then write it again.' }
        )
  }

  /** The plain image's SHA-256 (of the bytes written); every target fails when it is not the expected one. */
  private checkImageHash(written: string | undefined): string | undefined {
    if (!this.active().length || !written) return undefined
    if (this.opts.expectedSha256 && written !== this.opts.expectedSha256.toLowerCase()) {
      const err = this.imageMismatch(written)
      for (const t of this.active()) this.fail(t.id, err, true)
      return undefined
    }
    return written
  }

  private async verifyOne(t: WriteTargetState, sha256: string | undefined): Promise<void> {
    const target = this.targets.find((x) => x.drive.id === t.id) as JobTarget
    const fd = this.fds.get(t.id) as number
    const abort = new AbortController()
    this.verifyAborts.set(t.id, abort)
    if (this.abort.signal.aborted) abort.abort()
    this.setStage(t, 'verify', this.writtenSize)
    const info = this.opts.imageInfo
    try {
      const offset = await compareWithImage({
        fd,
        device: t.device,
        imagePath: this.opts.image,
        // Decompressed again only when the drive must be compared with it.
        source: info?.compression
          ? () => Promise.resolve(openDecompressingReader(this.opts.image, info, { decompressors: this.opts.decompressors }))
          : this.image?.reader,
        imageSize: this.writtenSize,
        blockSize: target.blockSize,
        signal: abort.signal,
        chunkSize: this.deps.tuning?.chunkSize,
        // The fingerprint of the bytes just written, or kept for this unchanged plain image: the
        // drive is read and hashed, the image not read. Otherwise the comparison takes the
        // fingerprint, for the next write of the unchanged file.
        tree: this.tree ?? (info?.compression ? undefined : this.image?.known?.tree),
        fingerprint: !info?.compression && Boolean(this.image),
        onEqual: (by, tree) => {
          t.verifiedBy = by
          this.tree ??= tree
        },
        onProgress: (bytes) => this.progress(t.id, bytes)
      })
      if (offset !== undefined) {
        throw new DriveIoError('VerificationMismatch', `Verification failed on ${t.device}: the drive differs from the image at byte ${offset}.`, offset, {
          stage: 'verify',
          hint: 'The drive does not store data reliably (or is counterfeit). Do not boot from it; try another drive.'
        })
      }
      // Byte-for-byte equal to the image whose SHA-256 the write computed (and checked).
      t.readBackSha256 = sha256
      t.verified = true
    } catch (err) {
      const e = err as AppError
      if (e.name === 'Cancelled' && !this.removed.has(t.id)) {
        // Cancelled after the whole image (head last) was written and synced: say exactly that.
        this.fail(
          t.id,
          new DriveIoError(
            'Cancelled',
            `Verification of ${t.device} cancelled: the image was written completely but not verified.`,
            (err as DriveIoError).offset,
            { stage: 'verify', hint: 'Write it again with verification to be sure it boots.' }
          ),
          false
        )
      } else this.fail(t.id, err, true)
    } finally {
      this.verifyAborts.delete(t.id)
    }
  }

  /** Resolves when each of `ids` was reported removed, or after `ms`. */
  private removalGrace(ids: string[], ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      // A removal signal already waiting on the bus counts: the grace ends after that round of I/O.
      const timer = answerTimer(ms, done)
      this.removalWaiter = () => {
        if (ids.every((id) => this.removed.has(id))) done()
      }
      function done(): void {
        timer.cancel()
        resolve()
      }
    }).finally(() => (this.removalWaiter = undefined))
  }

  private onRemoved(id: string, why: string): void {
    try {
      this.recordRemoval(id, why)
    } finally {
      this.removalWaiter?.()
    }
  }

  private recordRemoval(id: string, why: string): void {
    const t = this.ts(id)
    if (TERMINAL.includes(t.stage)) return
    const make = (offset: number | undefined): DriveIoError =>
      new DriveIoError('DriveRemoved', `${t.device} was removed during ${t.stage}${offset === undefined ? '' : ` at byte ${offset}`}: ${why}.`, offset, {
        stage: t.stage,
        hint: NOT_BOOTABLE
      })
    if (t.stage === 'write' && this.control.fail) {
      this.control.fail(id, (offset) => {
        const err = make(offset)
        this.removed.set(id, err)
        return err
      })
    } else {
      // The pipeline may have ended already (its own write error, which this one replaces):
      // keep the offset reached, so the error still says where the write stopped.
      this.removed.set(id, make(t.stage === 'verify' || t.stage === 'write' ? t.bytes : undefined))
      this.verifyAborts.get(id)?.abort()
    }
  }

  private async afterSuccess(): Promise<void> {
    for (const t of this.active()) {
      const target = this.targets.find((x) => x.drive.id === t.id) as JobTarget
      if (this.opts.after === 'none' || this.abort.signal.aborted) continue
      if (!target.drivePath) {
        t.note = 'Loop devices cannot be ejected.'
        continue
      }
      this.setStage(t, 'eject')
      try {
        await ejectDrive(this.deps.client, target.drivePath, this.opts.after === 'poweroff', t.device)
        t.ejected = true
      } catch (err) {
        t.note = `Written successfully, but ${(err as Error).message}`
      }
    }
  }

  private finish(): void {
    for (const t of this.active()) {
      t.stage = 'done'
      t.percent = 100
      t.etaSeconds = 0
    }
    const s = this.state.targets
    const ok = s.filter((t) => t.stage === 'done')
    const failed = s.filter((t) => t.stage === 'failed')
    const cancelledT = s.filter((t) => t.stage === 'cancelled')
    this.state.stage = failed.length ? 'failed' : cancelledT.length ? 'cancelled' : 'done'
    this.state.finishedAt = new Date().toISOString()
    const what = this.opts.verify ? 'Written and verified' : 'Written (not verified)'
    const parts: string[] = []
    if (ok.length) parts.push(`${what} on ${ok.map((t) => t.device).join(', ')}`)
    for (const t of [...failed, ...cancelledT]) parts.push(`${t.stage === 'failed' ? 'Failed' : 'Cancelled'} on ${t.device}: ${t.error?.message ?? ''}`)
    this.state.message = parts.join('. ')
    this.flush()
  }
}
