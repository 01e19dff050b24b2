import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { AppError, toErrorInfo } from '../../../shared/contract/errors'
import type { DownloadInfo, DownloadStatus, HashAlgorithm, VerifyResult } from '../../../shared/contract/spins'
import { isVerifiedState } from '../../../shared/contract/verification'
import { acquireDestLock, type DestLock } from './dest-lock'
import { discardPartial, runDownload, type DownloadDeps, type FetchLike } from './download'
import { publish, sameStamp, setAside, stampOf, type FileStamp } from './finalize'
import { safeLocalName } from './local-name'
import { verifyImage, type ChecksumInput } from './verify'

/** Everything needed to (re)start one download; kept across app restarts. */
export interface JobSpec {
  name: string
  dest: string
  urls: string[]
  expectedSize?: number
  algorithm: HashAlgorithm
  expectedHash?: string
  spinId?: string
  /** The checksum file on each mirror: verified (and its signature checked) after the download. */
  checksumUrls?: string[]
  /** Where expectedHash came from when there is no checksum file ("images.json", "given"). */
  hashSource?: string
  /** A local checksum file (hsc spins download --checksum FILE). */
  checksumFile?: string
  /**
   * A signature is expected for this image (a trusted key exists, or the catalogue saw a
   * signed checksum file): unsigned or foreign-signed checksums then do not verify it.
   */
  signatureExpected?: boolean
}

export interface ManagerDeps {
  fetch: FetchLike
  /** JSON file with the download records. */
  stateFile: string
  /** Armored keys trusted for signed checksum files (bundled + imported). */
  keys: () => Promise<string[]>
  /** Whether an unsigned checksum must not count as verified (the user trusts a key); default: any key. */
  signatureExpected?: () => Promise<boolean>
  emit: (info: DownloadInfo) => void
  engine?: DownloadDeps
  now?: () => number
}

interface Job {
  spec: JobSpec
  info: DownloadInfo
  /** The final file as this app created it: only that file may be replaced by a new download. */
  made?: FileStamp
  /** Refused before it began (another process holds the file): not written to the shared records. */
  refused?: boolean
  controller?: AbortController
  run?: Promise<void>
}

const ACTIVE: DownloadStatus[] = ['queued', 'checking', 'hashing-part', 'downloading', 'verifying']
const MAX_NOTES = 20

export function downloadId(dest: string): string {
  return createHash('sha256').update(path.resolve(dest)).digest('hex').slice(0, 12)
}

/**
 * Runs downloads one job per image: start, pause (keeps the .part), resume, cancel (drops
 * it), verification when done, and records that survive a restart (interrupted jobs come
 * back paused and resume from their .part).
 */
export class DownloadManager {
  private readonly jobs = new Map<string, Job>()
  /** Jobs this process changed; the records of the others are taken from disk when saving. */
  private readonly touched = new Set<string>()
  private loading?: Promise<void>
  private saving: Promise<void> = Promise.resolve()

  constructor(private readonly deps: ManagerDeps) {}

  private now(): string {
    return new Date((this.deps.now ?? Date.now)()).toISOString()
  }

  /** Loads the records once; jobs that were running when the app stopped become paused. */
  init(): Promise<void> {
    this.loading ??= (async () => {
      let data: { schema?: number; jobs?: { spec: JobSpec; info: DownloadInfo; made?: FileStamp }[] }
      try {
        data = JSON.parse(await readFile(this.deps.stateFile, 'utf8'))
      } catch {
        return
      }
      for (const { spec, info, made } of data.jobs ?? []) {
        if (!spec?.dest || !info?.id) continue
        // Records from before the name checks, or edited by hand, must not aim outside the folder.
        if (typeof spec.name !== 'string' || safeLocalName(spec.name) !== spec.name || path.basename(spec.dest) !== spec.name) continue
        if (ACTIVE.includes(info.status)) {
          info.status = 'paused'
          info.speed = undefined
          info.etaSeconds = undefined
          info.notes = [...(info.notes ?? []), 'interrupted when the app stopped; resume to continue from the partial file'].slice(-MAX_NOTES)
        }
        this.jobs.set(info.id, { spec, info, made })
      }
    })()
    return this.loading
  }

  async list(): Promise<DownloadInfo[]> {
    await this.init()
    return [...this.jobs.values()].map((j) => ({ ...j.info }))
  }

  async get(id: string): Promise<DownloadInfo> {
    return { ...(await this.job(id)).info }
  }

  private async job(id: string): Promise<Job> {
    await this.init()
    const job = this.jobs.get(id)
    if (!job) throw new AppError('UnknownDownload', `no download with id "${id}"`, { stage: 'find download', hint: 'List downloads to see their ids.' })
    return job
  }

  /** Starts (or returns the running / finished) download of spec.dest. */
  async start(spec: JobSpec): Promise<DownloadInfo> {
    await this.init()
    const id = downloadId(spec.dest)
    const existing = this.jobs.get(id)
    if (existing?.controller) return { ...existing.info }
    // Only a verified result of the same file, still untouched on disk, is returned as is;
    // anything else (a failure, a mismatch, an unverified file) is a fresh attempt.
    if (
      existing?.info.status === 'done' &&
      isVerifiedState(existing.info.verification?.state) &&
      sameCheck(existing.spec, spec) &&
      sameStamp(existing.made, await stampOf(spec.dest))
    ) {
      return { ...existing.info }
    }
    const at = this.now()
    const job: Job = {
      made: existing?.made,
      spec,
      info: {
        id,
        name: spec.name,
        path: spec.dest,
        spinId: spec.spinId,
        status: 'queued',
        bytes: 0,
        total: spec.expectedSize,
        notes: [],
        startedAt: at,
        updatedAt: at
      }
    }
    this.jobs.set(id, job)
    this.launch(job)
    return { ...job.info }
  }

  async pause(id: string): Promise<DownloadInfo> {
    const job = await this.job(id)
    if (job.controller) {
      job.controller.abort('pause')
      await job.run
    }
    return { ...job.info }
  }

  async resume(id: string): Promise<DownloadInfo> {
    const job = await this.job(id)
    if (!job.controller && (job.info.status === 'paused' || job.info.status === 'failed' || job.info.status === 'cancelled')) this.launch(job)
    return { ...job.info }
  }

  /** Stops and deletes the partial file. A finished image is never deleted from here. */
  async cancel(id: string): Promise<DownloadInfo> {
    const job = await this.job(id)
    if (job.info.status === 'done') {
      throw new AppError('AlreadyFinished', `${job.info.name} is already downloaded; delete the file itself if you do not want it`, {
        stage: 'cancel download'
      })
    }
    if (job.controller) {
      job.controller.abort('cancel')
      await job.run
    } else {
      // Another process may be downloading into this part right now.
      const lock = await acquireDestLock(job.spec.dest)
      try {
        await discardPartial(job.spec.dest)
      } finally {
        await lock.release()
      }
      this.update(job, { status: 'cancelled', bytes: 0, percent: undefined, speed: undefined, etaSeconds: undefined })
      await this.persist()
    }
    return { ...job.info }
  }

  /** Resolves when the job's current run has ended (for the CLI and tests). */
  async wait(id: string): Promise<DownloadInfo> {
    const job = await this.job(id)
    await job.run
    return { ...job.info }
  }

  /** Pauses everything (app shutdown); the .part files resume next time. */
  async close(): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.controller)
    for (const j of running) j.controller!.abort('pause')
    await Promise.all(running.map((j) => j.run))
    await this.saving
  }

  private update(job: Job, patch: Partial<DownloadInfo>, emit = true): void {
    Object.assign(job.info, patch, { updatedAt: this.now() })
    if (!job.refused) this.touched.add(job.info.id)
    if (emit) this.deps.emit({ ...job.info, notes: [...job.info.notes] })
  }

  private launch(job: Job): void {
    const controller = new AbortController()
    job.controller = controller
    this.update(job, { status: 'checking', error: undefined, speed: undefined, etaSeconds: undefined })
    job.run = (async () => {
      let lock: DestLock | undefined
      try {
        job.refused = false
        try {
          lock = await acquireDestLock(job.spec.dest)
        } catch (err) {
          job.refused = true
          throw err
        }
        void this.persist()
        const out = await runDownload(
          {
            urls: job.spec.urls,
            dest: job.spec.dest,
            expectedSize: job.spec.expectedSize,
            algorithm: job.spec.algorithm,
            expectedHash: job.spec.expectedHash,
            keepPart: true
          },
          { ...this.deps.engine },
          {
            signal: controller.signal,
            onProgress: (p) =>
              this.update(job, {
                status: p.phase,
                bytes: p.bytes,
                total: p.total,
                percent: p.percent,
                speed: p.speed,
                etaSeconds: p.etaSeconds,
                mirror: p.mirror
              }),
            onNote: (n) => {
              job.info.notes = [...job.info.notes, n].slice(-MAX_NOTES)
            }
          }
        )
        if (out.status === 'aborted') {
          if (controller.signal.reason === 'cancel') {
            await discardPartial(job.spec.dest)
            this.update(job, { status: 'cancelled', bytes: 0, percent: undefined, speed: undefined, etaSeconds: undefined }, false)
          } else {
            this.update(job, { status: 'paused', bytes: out.bytes, total: out.total, speed: undefined, etaSeconds: undefined }, false)
          }
          return
        }
        this.update(job, {
          status: 'verifying',
          bytes: out.size,
          total: out.size,
          percent: 100,
          speed: undefined,
          etaSeconds: undefined,
          mirror: out.mirror,
          sha256: out.algorithm === 'sha256' ? out.hash : undefined
        })
        // The completed data is still DEST.part: it gets the final name only once checked.
        const verification = await this.verify(job, out.path, { algorithm: out.algorithm, hash: out.hash }, out.hashMatches)
        if (verification.state === 'mismatch' || verification.state === 'bad-signature') {
          const aside = await setAside(job.spec.dest, verification.state)
          verification.file = aside
          const why = verification.state === 'mismatch' ? 'does not match the published hash' : 'comes with a checksum file whose signature is bad'
          this.update(
            job,
            {
              status: 'failed',
              verification,
              error: {
                name: verification.state === 'mismatch' ? 'HashMismatch' : 'BadSignature',
                message: `the downloaded ${job.spec.name} ${why}; the data was kept aside as ${aside} and must not be used`,
                stage: 'verify download',
                hint: 'Run the download again (it starts over), or try another mirror.'
              }
            },
            false
          )
          return
        }
        job.made = await publish(job.spec.dest, job.made)
        verification.file = job.spec.dest
        this.update(job, { status: 'done', verification }, false)
      } catch (err) {
        this.update(job, { status: 'failed', error: toErrorInfo(err), speed: undefined, etaSeconds: undefined }, false)
      } finally {
        await lock?.release()
        job.controller = undefined
        this.update(job, {})
        await this.persist()
      }
    })()
  }

  private async verify(job: Job, file: string, actual: { algorithm: HashAlgorithm; hash: string }, hashMatches?: boolean): Promise<VerifyResult> {
    const { spec } = job
    // The engine already compared with the catalogue's (or the given) hash: a difference there
    // is a mismatch whatever a checksum file says or whether it can be fetched at all.
    if (hashMatches === false && spec.expectedHash) {
      return {
        state: 'mismatch',
        file,
        algorithm: actual.algorithm,
        actual: actual.hash,
        expected: spec.expectedHash.toLowerCase(),
        checksumSource: spec.hashSource ?? 'the catalogue',
        signature: { status: 'unsigned', keyIds: [], message: 'not checked' },
        message: `HASH MISMATCH: ${actual.algorithm.toUpperCase()} differs from the hash in ${spec.hashSource ?? 'the catalogue'}`,
        warnings: []
      }
    }
    let checksum: ChecksumInput | undefined
    if (spec.checksumFile) checksum = { kind: 'path', path: spec.checksumFile }
    else if (spec.checksumUrls?.length) checksum = { kind: 'url', urls: spec.checksumUrls }
    else if (spec.expectedHash) checksum = { kind: 'hash', hash: spec.expectedHash, source: spec.hashSource, origin: spec.spinId ? 'metadata' : 'user' }
    const keys = await this.deps.keys()
    const signatureExpected = Boolean(spec.signatureExpected) || (this.deps.signatureExpected ? await this.deps.signatureExpected() : keys.length > 0)
    try {
      return await verifyImage({ file, entryName: spec.name, checksum, actual, keys, signatureExpected, fetch: this.deps.fetch })
    } catch (err) {
      const info = toErrorInfo(err)
      return {
        state: 'not-checked',
        file,
        algorithm: actual.algorithm,
        actual: actual.hash,
        signature: { status: 'unsigned', keyIds: [], message: 'not checked' },
        message: `could not verify: ${info.message}`,
        warnings: [info.hint ?? 'Verify the image by hand with a checksum file or hash.']
      }
    }
  }

  /** Writes the records (serialised, atomic). */
  private persist(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const mine = [...this.jobs.values()].filter((j) => this.touched.has(j.info.id) && !j.refused).map((j) => ({ spec: j.spec, info: j.info, made: j.made }))
      const ids = new Set(mine.map((j) => j.info.id))
      // Several processes (the app, hsc runs) share this file: records this process did not
      // change are kept as the others last wrote them.
      let others: unknown[] = []
      try {
        const onDisk = JSON.parse(await readFile(this.deps.stateFile, 'utf8')) as { jobs?: { info?: { id?: unknown } }[] }
        others = (onDisk.jobs ?? []).filter((j) => typeof j?.info?.id === 'string' && !ids.has(j.info.id))
      } catch {
        // No file yet, or unreadable: ours alone.
      }
      const data = { schema: 1, jobs: [...others, ...mine] }
      const tmp = `${this.deps.stateFile}.${process.pid}.tmp`
      try {
        await mkdir(path.dirname(this.deps.stateFile), { recursive: true })
        await writeFile(tmp, JSON.stringify(data, null, 2))
        await rename(tmp, this.deps.stateFile)
      } catch {
        // The records are a convenience; a read-only cache dir must not break downloads.
      }
    })
    return this.saving
  }
}

/** The same file checked the same way: only then may an earlier verified result stand for this run. */
function sameCheck(a: JobSpec, b: JobSpec): boolean {
  const key = (s: JobSpec): string =>
    JSON.stringify([s.urls, s.expectedHash?.toLowerCase(), s.checksumUrls ?? [], s.checksumFile ?? '', Boolean(s.signatureExpected), s.expectedSize ?? null])
  return key(a) === key(b)
}
