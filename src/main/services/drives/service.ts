import { randomUUID } from 'node:crypto'
import { fstatSync, promises as fsp } from 'node:fs'
import path from 'node:path'
import type { MessageBus } from 'dbus-next'
import type { DriveInfo, DriveList, ImageFile, RestoreResult, WriteJob } from '../../../shared/contract/drives'
import { AppError } from '../../../shared/contract/errors'
import type { RootFs } from '../system/rootfs'
import { findSystemDisks, readHostBlocks, type HostBlocks } from './holders'
import type { JobTarget, WriteJobRunner } from './job'
import type { JobJournal } from './journal'
import type { DigestStore } from '../system/image-digests'
import { buildDrives } from './model'
import type { WriteEvent } from './pipeline'
import type { Decompressors, ImageInfo } from './source'
import { backupDestination } from './backup-file'
import type { ReadJobRunner, ReadJobSpec, ReadTarget } from './read-job'
import { connectFdBus, setBusRef } from './udisks/bus'
import { UDisksClient } from './udisks/client'
import { ejectDrive } from './udisks/ops'
import { IFACE, num, str, type ObjectTree } from './udisks/tree'

export interface DrivesServiceOptions {
  /** The live system (mountinfo, swaps, sysfs); never a --root fixture for writing. */
  fs: RootFs
  /** $DBUS_SYSTEM_BUS_ADDRESS lives here. */
  env: Readonly<Record<string, string | undefined>>
  /** Test-only: loop devices are offered (the context's allowLoopDevices switch). */
  allowLoop?: boolean
  connect?: () => Promise<MessageBus>
  /** Close the bus connection after this long without use (0 in the CLI, so it can exit). */
  idleMs?: number
  onProgress?(job: WriteJob): void
  /** Test hook: every write the pipeline issues, in order. */
  onWrite?(ev: WriteEvent & { device: string }): void
  /** Test hook: a stand-in for the time a polkit prompt sits on screen before each OpenDevice. */
  beforeOpen?(device: string): Promise<void>
  tuning?: { chunkSize?: number; buffers?: number; writesInFlight?: number; zeroCopy?: boolean }
  /** Where each job's last state is kept, so a restarted service still knows an interrupted write. */
  journal?: JobJournal
  /** SHA-256 digests of plain images taken before: a verified, unchanged image is not hashed again. */
  digests?: DigestStore
  /** xz / zstd / gzip programs for compressed images (default: /usr/bin). */
  decompressors?: Decompressors
}

export interface WriteRequest {
  image: string
  /** Each drive with the token from the list the user confirmed (required: no token, no write). */
  targets: Array<{ device: string; token: string }>
  verify: boolean
  expectedSha256?: string
  allowUnverified: boolean
  after: 'none' | 'eject' | 'poweroff'
}

/** Kept finished jobs (for drives.jobs after a reload of the view). */
const KEEP_FINISHED = 20

/**
 * How long write() may take the UDisks2 tree of the list the user just confirmed from, when
 * UDisks2 sent no change signal since: the CLI lists and writes within milliseconds, and the
 * tree is the largest D-Bus reply there is. The check after OpenDevice always asks afresh.
 */
const TREE_REUSE_MS = 2000

export class DrivesService {
  private conn?: Promise<UDisksClient>
  private refs = 0
  private idleTimer?: NodeJS.Timeout
  private readonly jobsById = new Map<string, { runner: WriteJobRunner | ReadJobRunner; done: Promise<WriteJob> }>()
  readonly allowLoop: boolean
  /** UDisks2 signals (objects added/removed, properties changed) seen on the current connection. */
  private changes = 0
  private lastTree?: { client: UDisksClient; tree: ObjectTree; at: number; changes: number }
  /** False when the change signals could not be subscribed to: then no tree is reused. */
  private treeWatch = true
  /** Settles when the bus has answered the change subscription (never rejects). */
  private watching: Promise<void> = Promise.resolve()

  constructor(private readonly opts: DrivesServiceOptions) {
    this.allowLoop = opts.allowLoop === true
  }

  /** Runs fn with a connected client; the connection is shared and closed when idle. */
  private async use<T>(fn: (c: UDisksClient) => Promise<T>): Promise<T> {
    const client = await this.acquire()
    try {
      return await fn(client)
    } finally {
      this.release()
    }
  }

  private acquire(): Promise<UDisksClient> {
    this.refs++
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    if (!this.conn) {
      const connect = this.opts.connect ?? (() => connectFdBus({ env: this.opts.env }))
      this.conn = connect().then((bus) => {
        // A dropped connection (bus restart) is replaced on next use.
        bus.on('error', () => (this.conn = undefined))
        const client = new UDisksClient(bus)
        // Counted from before the first tree is asked for, so a kept tree knows it is current.
        // The job's removal watch shares these match rules (no further round trips). The bus
        // applies a connection's messages in order, so a tree asked for after this call is
        // already watched: only the tree's own wait needs the rules' answers (snapshot()).
        this.watching = client
          .watch(() => this.changes++)
          .then(
            () => undefined,
            () => {
              this.treeWatch = false
            }
          )
        return client
      })
      this.conn.catch(() => (this.conn = undefined))
    }
    return this.conn.then(
      (client) => {
        if (this.refs > 0) setBusRef(client.bus, true)
        return client
      },
      (err) => {
        this.refs--
        throw err
      }
    )
  }

  private release(): void {
    if (--this.refs > 0) return
    const idle = this.opts.idleMs ?? 30_000
    const close = (): void => {
      const c = this.conn
      this.conn = undefined
      void c?.then((client) => client.bus.disconnect()).catch(() => undefined)
    }
    if (idle <= 0) return close()
    // Idle: neither the connection nor its timer keeps the process alive.
    void this.conn?.then((client) => this.refs === 0 && setBusRef(client.bus, false)).catch(() => undefined)
    this.idleTimer = setTimeout(close, idle)
    this.idleTimer.unref()
  }

  private async snapshot(
    client: UDisksClient,
    imageSize?: number,
    paths: string[] = [],
    reuseMs = 0
  ): Promise<{ tree: ObjectTree; drives: DriveInfo[]; pathDisks: Map<string, number[]> }> {
    const kept = this.lastTree
    let tree: ObjectTree
    let host: Promise<HostBlocks> | undefined
    if (reuseMs > 0 && this.treeWatch && kept?.client === client && kept.changes === this.changes && Date.now() - kept.at < reuseMs) tree = kept.tree
    else {
      // A signal that arrives while the tree is on its way makes it stale at once.
      const changes = this.changes
      const asked = client.getManagedObjects()
      // Read while UDisks2 composes its reply: the request is already on its way.
      host = readHostBlocks(this.opts.fs)
      host.catch(() => undefined) // awaited below, unless the tree fails first
      tree = (await Promise.all([asked, this.watching, host]))[0]
      this.lastTree = { client, tree, at: Date.now(), changes }
    }
    // /proc and /sys (mounts, swap, stacked devices) are always read afresh.
    const system = await findSystemDisks(this.opts.fs, tree, paths, host)
    return { tree, drives: buildDrives(tree, system, { allowLoop: this.allowLoop, imageSize }), pathDisks: system.paths }
  }

  list(imageSize?: number): Promise<DriveList> {
    return this.use(async (client) => {
      const [{ drives }, version] = await Promise.all([this.snapshot(client, imageSize), client.version()])
      return { drives, udisksVersion: version, loopDevicesAllowed: this.allowLoop }
    })
  }

  /** Calls listener with the full list whenever UDisks2 reports a change (debounced). */
  /** Calls listener with a fresh list after UDisks2 changes; `onWatching` once the signal match is in place. */
  watch(listener: (list: DriveList) => void, onError?: (err: unknown) => void, onWatching?: () => void): () => void {
    let stopped = false
    let timer: NodeJS.Timeout | undefined
    let unwatch: (() => Promise<void>) | undefined
    const refresh = (): void => {
      timer = undefined
      this.list().then((l) => !stopped && listener(l), onError)
    }
    this.acquire()
      .then(async (client) => {
        if (stopped) return this.release()
        unwatch = await client.watch(() => {
          if (!timer) timer = setTimeout(refresh, 200)
        })
        onWatching?.()
      })
      .catch((err) => onError?.(err))
    return () => {
      stopped = true
      if (timer) clearTimeout(timer)
      if (unwatch) void unwatch().finally(() => this.release())
    }
  }

  private async resolveTargets(
    drives: DriveInfo[],
    targets: ReadonlyArray<{ device: string; token?: string }>,
    imageSize?: number,
    verb = 'written'
  ): Promise<DriveInfo[]> {
    const chosen: DriveInfo[] = []
    for (const t of targets) {
      const d = drives.find((x) => x.device === t.device || x.id === t.device)
      if (!d) {
        throw new AppError('DriveNotFound', `No drive ${t.device}.`, {
          stage: 'validate',
          hint: this.allowLoop ? 'See hsc drives list.' : 'See hsc drives list (loop devices are never offered).'
        })
      }
      if (!d.offered) throw new AppError('DriveNotOffered', `${d.device} (${d.model}) cannot be ${verb}: ${d.reasons.join('; ')}.`, { stage: 'validate' })
      if (!t.token) {
        throw new AppError('DriveNotConfirmed', `${d.device} was not confirmed from a drive list (no token given).`, {
          stage: 'validate',
          hint: 'List the drives, check the one you mean and pass its token.'
        })
      }
      if (t.token !== d.token) {
        throw new AppError('DriveChanged', `${d.device} is not the drive that was confirmed (it was replaced or its medium changed).`, {
          stage: 'validate',
          hint: 'Check the drive list and confirm again.'
        })
      }
      if (chosen.some((c) => c.id === d.id)) throw new AppError('ValidationError', `${d.device} is listed twice.`, { stage: 'validate' })
      if (imageSize !== undefined && d.size < imageSize) {
        throw new AppError('DriveTooSmall', `${d.device} (${d.size} bytes) is smaller than the image (${imageSize} bytes).`, { stage: 'validate' })
      }
      chosen.push(d)
    }
    return chosen
  }

  private async blockSize(device: string): Promise<number> {
    const text = await this.opts.fs.tryReadText(`/sys/class/block/${path.basename(device)}/queue/logical_block_size`)
    const n = Number(text?.trim())
    return Number.isInteger(n) && n >= 512 && n <= 65536 ? n : 512
  }

  async image(file: string): Promise<ImageFile> {
    return (await this.inspect(file)).file
  }

  /** Checks a local image and reads what its container says about its size. */
  private async inspect(file: string): Promise<{ file: ImageFile; info: ImageInfo }> {
    // The modules that only jobs use load with the first job: `hsc drives list` needs none.
    const { inspectImage } = await import('./source')
    let real: string
    try {
      real = await fsp.realpath(file)
      const st = await fsp.stat(real)
      if (!st.isFile()) throw new Error('not a regular file')
      if (st.size === 0) throw new Error('the file is empty')
    } catch (err) {
      throw new AppError('ImageReadError', `Cannot use ${file} as an image: ${(err as Error).message}.`, { stage: 'validate' })
    }
    const info = await inspectImage(real, { decompressors: this.opts.decompressors }).catch((err: unknown) => {
      if (err instanceof AppError) throw err
      throw new AppError('ImageReadError', `Cannot use ${file} as an image: ${(err as Error).message}.`, { stage: 'validate' })
    })
    return {
      info,
      file: {
        path: real,
        name: path.basename(real),
        size: info.estimatedSize,
        fileSize: info.fileSize,
        sizeExact: info.size !== undefined,
        ...(info.compression ? { compression: info.compression } : {})
      }
    }
  }

  /** Validates, then starts the job; resolves with its first state (progress follows as events). */
  async write(req: WriteRequest): Promise<WriteJob> {
    if (!req.expectedSha256 && !req.allowUnverified) {
      throw new AppError('UnverifiedImage', 'This image has no verified SHA-256.', {
        stage: 'validate',
        hint: 'Verify it first (downloaded spins are verified automatically), or confirm writing an unverified image explicitly (--allow-unverified / the override checkbox).'
      })
    }
    const {
      file: { path: real, size, sizeExact },
      info
    } = await this.inspect(req.image)
    // Before any check: from the busy check to track() nothing may wait, or two jobs could pass it.
    const jobs = await import('./job')

    const client = await this.acquire()
    let started = false
    try {
      const { tree, drives, pathDisks } = await this.snapshot(client, size, [real], TREE_REUSE_MS)
      // An estimated size (gzip) is checked as the stream goes, not refused up front.
      const chosen = await this.resolveTargets(drives, req.targets, sizeExact ? size : undefined)
      const holding = pathDisks.get(real) ?? []
      for (const d of chosen) {
        const devnum = tree[d.id]?.[IFACE.block]?.DeviceNumber
        if (holding.includes(devnum as number)) {
          throw new AppError('ImageOnTarget', `The image ${req.image} is stored on ${d.device}, the drive it would overwrite.`, {
            stage: 'validate',
            hint: 'Copy the image to another disk first.'
          })
        }
      }
      const targets: JobTarget[] = await Promise.all(
        chosen.map(async (d) => {
          const drivePath = str(tree[d.id]?.[IFACE.block], 'Drive')
          return {
            drive: d,
            drivePath: drivePath && drivePath !== '/' ? drivePath : undefined,
            blockSize: await this.blockSize(d.device),
            token: d.token,
            devnum: num(tree[d.id]?.[IFACE.block], 'DeviceNumber')
          }
        })
      )
      const jobId = randomUUID()
      const runner = new jobs.WriteJobRunner(
        {
          jobId,
          image: real,
          imageSize: size,
          verify: req.verify,
          expectedSha256: req.expectedSha256?.toLowerCase(),
          after: req.after,
          imageInfo: info.compression ? info : undefined,
          decompressors: this.opts.decompressors
        },
        targets,
        {
          client,
          fs: this.opts.fs,
          tree,
          emit: (job) => this.emitJob(job),
          onWrite: this.opts.onWrite,
          tuning: this.opts.tuning,
          digests: this.opts.digests,
          beforeOpen: this.opts.beforeOpen,
          recheck: (target, fd) => this.confirmAgain(client, target, fd, real, sizeExact ? size : 0)
        }
      )
      this.track(jobId, runner)
      started = true
      return structuredClone(runner.state)
    } finally {
      if (!started) this.release()
    }
  }

  /** The whole check of write() again, for one opened drive; returns why it is not the confirmed drive. */
  private async confirmAgain(client: UDisksClient, target: JobTarget, fd: number, image: string, imageSize: number): Promise<string | undefined> {
    const { tree, drives, pathDisks } = await this.snapshot(client, imageSize, [image])
    const d = drives.find((x) => x.id === target.drive.id)
    if (!d) return 'UDisks2 no longer lists it'
    if (!d.offered) return `it may no longer be written (${d.reasons.join('; ')})`
    if (d.token !== target.token) return 'it is not the drive that was confirmed (it was replaced, re-attached or its medium changed)'
    if (d.size < imageSize) return 'it is now smaller than the image'
    const devnum = num(tree[d.id]?.[IFACE.block], 'DeviceNumber')
    if ((pathDisks.get(image) ?? []).includes(devnum)) return 'the image is now stored on it'
    const rdev = fstatSync(fd).rdev
    if (devnum !== target.devnum || rdev !== target.devnum) return `the opened device number ${rdev} is not the confirmed ${target.devnum}`
    return undefined
  }

  /** Keeps a started job; when it ends, the D-Bus client is released. A bug in a job is a failure, never a success. */
  private track(jobId: string, runner: WriteJobRunner | ReadJobRunner): void {
    const done = runner
      .run()
      .catch((err: unknown) => {
        runner.state.stage = 'failed'
        runner.state.message = `Internal error: ${(err as Error)?.message ?? String(err)}`
        return runner.state
      })
      .finally(() => {
        this.release()
        this.prune()
      })
    this.jobsById.set(jobId, { runner, done })
  }

  private prune(): void {
    const finished = [...this.jobsById].filter(([, j]) => j.runner.finished)
    for (const [id] of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobsById.delete(id)
  }

  /** Resolves when the job has finished (CLI and tests). */
  wait(jobId: string): Promise<WriteJob> {
    const j = this.jobsById.get(jobId)
    if (!j) return Promise.reject(new AppError('NotFound', `No write job ${jobId}.`))
    return j.done
  }

  private emitJob(job: WriteJob): void {
    this.opts.journal?.record(job)
    this.opts.onProgress?.(job)
  }

  /** This process's jobs, then the ones other (or earlier, crashed) service processes recorded. */
  jobs(): WriteJob[] {
    const own = [...this.jobsById.values()].map((j) => structuredClone(j.runner.state))
    const ids = new Set(own.map((j) => j.jobId))
    return [...own, ...(this.opts.journal?.load() ?? []).filter((j) => !ids.has(j.jobId))]
  }

  cancel(jobId: string): WriteJob {
    const j = this.jobsById.get(jobId)
    if (!j) throw new AppError('NotFound', `No write job ${jobId}.`, { stage: 'cancel' })
    j.runner.cancel()
    return structuredClone(j.runner.state)
  }

  private busy(id: string): boolean {
    return [...this.jobsById.values()].some((j) => !j.runner.finished && j.runner.state.targets.some((t) => t.id === id))
  }

  /** Only a drive the list offers, named with its token, is ejected or powered off. */
  eject(device: string, powerOff: boolean, token?: string): Promise<{ device: string; poweredOff: boolean }> {
    return this.use(async (client) => {
      const { tree, drives } = await this.snapshot(client)
      const [d] = await this.resolveTargets(drives, [{ device, token }], undefined, powerOff ? 'powered off' : 'ejected')
      if (this.busy(d.id)) throw new AppError('DeviceBusy', `${d.device} is being written.`, { stage: 'eject' })
      const drivePath = str(tree[d.id]?.[IFACE.block], 'Drive')
      if (!drivePath || drivePath === '/') throw new AppError('NotEjectable', `${d.device} is not a removable drive that can be ejected.`, { stage: 'eject' })
      await ejectDrive(client, drivePath, powerOff, d.device)
      return { device: d.device, poweredOff: powerOff }
    })
  }

  restore(device: string, token?: string, label?: string): Promise<RestoreResult> {
    return this.use(async (client) => {
      const { restoreDrive } = await import('./restore')
      const { tree, drives } = await this.snapshot(client)
      const [d] = await this.resolveTargets(drives, [{ device, token }])
      if (this.busy(d.id)) throw new AppError('DeviceBusy', `${d.device} is being written.`, { stage: 'restore' })
      return restoreDrive(client, this.opts.fs, tree, d, { label, blockSize: await this.blockSize(d.device) })
    })
  }

  /**
   * For another capability's action on one offered, idle drive (the customise capability's
   * persistence partition): UDisks2, the drive as the list shows it, and the object tree.
   */
  withDrive<T>(device: string, token: string | undefined, stage: string, fn: (client: UDisksClient, d: DriveInfo, tree: ObjectTree) => Promise<T>): Promise<T> {
    return this.use(async (client) => {
      const { tree, drives } = await this.snapshot(client)
      const [d] = await this.resolveTargets(drives, [{ device, token }])
      if (this.busy(d.id)) throw new AppError('DeviceBusy', `${d.device} is being written.`, { stage })
      return fn(client, d, tree)
    })
  }

  /** Starts comparing a drive with an image; progress and the outcome come as drives.progress (kind verify). */
  async verifyDrive(req: { device: string; token: string; image: string }): Promise<WriteJob> {
    const { file, info } = await this.inspect(req.image)
    return this.startRead(req, { kind: 'verify', image: file.path, info }, 'verified')
  }

  /** Starts copying a drive into a file; progress and the outcome come as drives.progress (kind backup). */
  async backup(req: { device: string; token: string; file: string; compress: 'none' | 'zstd'; whole: boolean; overwrite: boolean }): Promise<WriteJob> {
    const file = await backupDestination(req.file, req.overwrite)
    return this.startRead(req, { kind: 'backup', file, compress: req.compress, whole: req.whole, overwrite: req.overwrite }, 'backed up', file)
  }

  private async startRead(req: { device: string; token: string }, spec: ReadJobSpec, verb: string, output?: string): Promise<WriteJob> {
    const { ReadJobRunner } = await import('./read-job')
    const client = await this.acquire()
    let started = false
    try {
      const { tree, drives, pathDisks } = await this.snapshot(client, undefined, output ? [path.dirname(output)] : [])
      // Reading needs no write access: a write-protected stick may be verified or backed up.
      const readable = drives.map((d) =>
        !d.offered && d.reasons.length > 0 && d.reasons.every((r) => r.startsWith('read-only')) ? { ...d, offered: true } : d
      )
      const [d] = await this.resolveTargets(readable, [req], undefined, verb)
      if (this.busy(d.id)) throw new AppError('DeviceBusy', `${d.device} is being written or read by another job.`, { stage: 'validate' })
      const devnum = num(tree[d.id]?.[IFACE.block], 'DeviceNumber')
      if (output && (pathDisks.get(path.dirname(output)) ?? []).includes(devnum)) {
        throw new AppError('ImageOnTarget', `The backup file ${output} would be stored on ${d.device}, the drive being backed up.`, {
          stage: 'validate',
          hint: 'Save it on another disk.'
        })
      }
      const drivePath = str(tree[d.id]?.[IFACE.block], 'Drive')
      const target: ReadTarget = {
        drive: d,
        drivePath: drivePath && drivePath !== '/' ? drivePath : undefined,
        blockSize: await this.blockSize(d.device),
        devnum
      }
      const jobId = randomUUID()
      const runner = new ReadJobRunner(jobId, spec, target, {
        client,
        fs: this.opts.fs,
        tree,
        emit: (job) => this.opts.onProgress?.(job),
        decompressors: this.opts.decompressors,
        tuning: this.opts.tuning,
        digests: this.opts.digests,
        recheck: async (t, fd) => {
          const list = (await this.snapshot(client)).drives
          const now = list.find((x) => x.id === t.drive.id)
          if (!now) return 'UDisks2 no longer lists it'
          if (now.token !== t.drive.token) return 'it is not the drive that was chosen (it was replaced or its medium changed)'
          const rdev = fstatSync(fd).rdev
          return rdev === t.devnum ? undefined : `the opened device number ${rdev} is not the chosen ${t.devnum}`
        }
      })
      this.track(jobId, runner)
      started = true
      return structuredClone(runner.state)
    } finally {
      if (!started) this.release()
    }
  }

  /** Cancels running jobs and closes the bus (app quit, test teardown). */
  async close(): Promise<void> {
    for (const j of this.jobsById.values()) j.runner.cancel()
    await Promise.all([...this.jobsById.values()].map((j) => j.done.catch(() => undefined)))
    if (this.idleTimer) clearTimeout(this.idleTimer)
    const c = this.conn
    this.conn = undefined
    await c?.then((client) => client.bus.disconnect()).catch(() => undefined)
  }
}
