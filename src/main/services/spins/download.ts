import { stat, statfs } from 'node:fs/promises'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { DownloadInfo, HashAlgorithm } from '../../../shared/contract/spins'
import { runCommand, type CommandRunner } from '../system/command'
import { RingHasher } from '../system/hash-thread'
import { publish, setAside, type FileStamp } from './finalize'
import { hashInto } from './hash'
import { partPath, partSize, readPartMeta, removePart, writePartMeta, type PartMeta } from './part-file'
import { PartWriter } from './part-writer'
import { socketHttpGet } from './socket-transport'
import { SpeedMeter, etaSeconds, percentOf } from './speed'
import { stallWatch } from './stall-watch'
import type { HttpGet, HttpResponse } from './transport'
import { formatBytes } from '../../../shared/format'
import { startMachine, transition, type DownloadEvent } from './download-machine'
import { judgeResponse, parseContentRange, requestHeaders } from './download-response'
import { networkReason } from './network-reason'

export type { FetchLike } from './transport'

export interface DownloadSpec {
  /** The same file on several mirrors, preferred first. */
  urls: string[]
  /** Final path; the data goes to DEST.part (+ DEST.part.json) until complete. */
  dest: string
  expectedSize?: number
  algorithm?: HashAlgorithm
  /** When given, a different final digest is reported as a mismatch. */
  expectedHash?: string
  /**
   * Leave the completed DEST.part in place (the caller verifies it, then publishes it or sets
   * it aside: finalize.ts). Otherwise a matching (or unchecked) part is published here and a
   * mismatching one is kept aside as DEST.mismatch.
   */
  keepPart?: boolean
  /** The existing DEST is the app's own earlier download: it may be replaced. */
  own?: FileStamp
}

export interface DownloadDeps {
  /** HTTP GET for the transfer (default: socketHttpGet; fetchTransport(fetch) and nodeHttpGet are the alternatives). */
  get?: HttpGet
  /** No byte for this long (before headers or mid-body) counts as a stall: next mirror. */
  stallMs?: number
  progressIntervalMs?: number
  /** Free bytes of the filesystem holding a directory (default: fs.statfs). */
  freeSpace?: (dir: string) => Promise<number>
  /**
   * Reserves the file's blocks up front without changing its size (fallocate --keep-size):
   * on ext4, allocating blocks while writing dominated the kernel time of a 2 GiB download.
   * Failure (no fallocate, a filesystem without it) is ignored; the free-space check stands.
   */
  preallocate?: (path: string, size: number) => Promise<void>
  /** Full passes over the mirror list while at least one pass makes progress. */
  maxRounds?: number
  now?: () => number
}

export type Phase = 'checking' | 'hashing-part' | 'downloading'

/** The progress fields of a DownloadInfo, plus which phase produced them. */
export type ProgressSample = Pick<DownloadInfo, 'bytes' | 'total' | 'percent' | 'speed' | 'etaSeconds' | 'mirror'> & { phase: Phase }

export interface DownloadHooks {
  /** Abort to pause or cancel; the .part and its sidecar are kept either way. */
  signal?: AbortSignal
  onProgress?: (p: ProgressSample) => void
  /** Failover and restart notes, for the user ("mirror X: HTTP 404"). */
  onNote?: (note: string) => void
}

export type DownloadOutcome =
  /** `path`: DEST, DEST.part (keepPart) or the DEST.mismatch the data was set aside as. */
  | { status: 'done'; path: string; size: number; algorithm: HashAlgorithm; hash: string; hashMatches?: boolean; mirror: string }
  | { status: 'aborted'; bytes: number; total?: number }

export const DEFAULT_STALL_MS = 15_000
const SPACE_MARGIN = 16 * 1024 * 1024

/** The default reservation: util-linux fallocate through the command runner (argv, no shell). */
export function fallocateWith(run: CommandRunner): (file: string, size: number) => Promise<void> {
  return async (file, size) => {
    await run(['fallocate', '--keep-size', '--length', String(size), file], { timeoutMs: 30_000 })
  }
}

export const fallocateKeepSize = fallocateWith(runCommand)

export { parseContentRange }

export async function defaultFreeSpace(dir: string): Promise<number> {
  const s = await statfs(dir)
  return Number(s.bavail) * Number(s.bsize)
}

/** Why a mirror attempt ended early, as the machine's event. */
class AttemptEnd extends Error {
  constructor(readonly event: DownloadEvent) {
    super(event.type)
  }
}

function describe(err: unknown): string {
  if (err instanceof AttemptEnd && err.event.type === 'mirror-failed') return err.event.message
  return networkReason(err)
}

/** Trust what is on disk only if its sidecar describes the same download. */
export function partBelongs(
  meta: PartMeta | undefined,
  partBytes: number,
  spec: Pick<DownloadSpec, 'expectedSize' | 'expectedHash'>,
  algorithm: HashAlgorithm
): boolean {
  return (
    meta !== undefined &&
    meta.algorithm === algorithm &&
    (spec.expectedSize === undefined || meta.total === undefined || meta.total === spec.expectedSize) &&
    (spec.expectedHash === undefined || meta.expectedHash === undefined || meta.expectedHash === spec.expectedHash) &&
    (meta.total === undefined || partBytes <= meta.total)
  )
}

/** The transfer's data: what the states act on. */
interface Transfer {
  bytes: number
  total?: number
  /** On a worker thread: receiving and writing never wait for the hash (system/hash-thread.ts). */
  hasher: RingHasher
  writer?: PartWriter
  meta: PartMeta
  mirror?: string
  phase: Phase
  reserved: number
}

/**
 * Downloads one file into DEST.part with resume, failover and on-the-fly hashing, then
 * (unless keepPart) links it to DEST, never over a file the app did not make. Safe to call
 * again after an abort or a crash: the existing part is hashed first and the transfer
 * continues with a Range request. Which step comes next is decided by download-machine.ts;
 * this function performs the steps.
 */
export async function runDownload(spec: DownloadSpec, deps: DownloadDeps, hooks: DownloadHooks = {}): Promise<DownloadOutcome> {
  if (spec.urls.length === 0) throw new AppError('NoMirror', 'no download URL was given', { stage: 'download' })
  const algorithm = spec.algorithm ?? 'sha256'
  const stallMs = deps.stallMs ?? DEFAULT_STALL_MS
  const get = deps.get ?? socketHttpGet
  const now = deps.now ?? Date.now
  const freeSpace = deps.freeSpace ?? defaultFreeSpace
  const preallocate = deps.preallocate ?? fallocateKeepSize
  const dir = path.dirname(spec.dest)
  const part = partPath(spec.dest)
  const signal = hooks.signal
  const note = (n: string): void => hooks.onNote?.(n)

  const stored = await readPartMeta(spec.dest)
  let partBytes = await partSize(spec.dest)
  const trusted = partBelongs(stored, partBytes, spec, algorithm)
  if (partBytes > 0 && !trusted) {
    note(stored ? 'the partial download belongs to another file version; starting over' : 'partial download without its record; starting over')
    partBytes = 0
  }
  const meta: PartMeta =
    stored && trusted
      ? stored
      : {
          schema: 1,
          name: path.basename(spec.dest),
          urls: spec.urls,
          total: spec.expectedSize,
          algorithm,
          expectedHash: spec.expectedHash,
          validators: {},
          createdAt: new Date(now()).toISOString()
        }
  meta.urls = spec.urls
  meta.expectedHash ??= spec.expectedHash
  const t: Transfer = { bytes: partBytes, total: meta.total ?? spec.expectedSize, hasher: new RingHasher({ algorithm }), meta, phase: 'checking', reserved: 0 }

  const speed = new SpeedMeter()
  let lastEmit = -Infinity
  const emit = (): void => {
    // Timers can bunch up under load; never more than one sample per interval.
    const at = now()
    if (at - lastEmit < (deps.progressIntervalMs ?? 250) * 0.8) return
    lastEmit = at
    const s = t.phase === 'downloading' ? speed.sample(t.bytes, now()) : undefined
    hooks.onProgress?.({
      phase: t.phase,
      bytes: t.bytes,
      total: t.total,
      percent: percentOf(t.bytes, t.total),
      speed: s,
      etaSeconds: etaSeconds(t.bytes, t.total, s),
      mirror: t.mirror
    })
  }

  const ensureSpace = async (need: number): Promise<void> => {
    if (need <= 0) return
    const free = await freeSpace(dir)
    if (free < need + SPACE_MARGIN) {
      throw new AppError('NotEnoughSpace', `${formatBytes(need)} more are needed in ${dir} but only ${formatBytes(free)} are free`, {
        stage: 'check disk space',
        hint: 'Free some space or choose another download folder.'
      })
    }
  }

  const reserve = async (): Promise<void> => {
    if (t.total === undefined || t.total <= t.reserved || t.total <= t.bytes) return
    t.reserved = t.total
    await preallocate(part, t.total).catch(() => undefined)
  }

  const restart = async (why: string): Promise<void> => {
    note(why)
    t.reserved = 0
    await t.writer!.reset()
    t.hasher.reset()
    t.bytes = 0
    speed.reset()
    t.meta.validators = {}
  }

  /** hashing-part: hash what is already there so the digest covers the whole file without a second pass. */
  const hashPart = async (): Promise<DownloadEvent> => {
    t.phase = 'hashing-part'
    const have = t.bytes
    t.bytes = 0
    try {
      await hashInto(part, t.hasher, have, { signal, onProgress: (n) => (t.bytes = n) })
    } catch (err) {
      if (isAbort(signal)) {
        t.bytes = have
        return { type: 'aborted' }
      }
      if (err instanceof AppError && err.name === 'HashError') throw err
      throw new AppError('ReadError', `could not read the partial download ${part}: ${describe(err)}`, { stage: 'hash partial download' })
    }
    return isAbort(signal) ? { type: 'aborted' } : { type: 'part-hashed', bytes: t.bytes }
  }

  /** attempt: one mirror, until the file is complete or the mirror fails. */
  const attempt = async (url: string): Promise<DownloadEvent> => {
    const before = t.bytes
    try {
      await transfer(url)
      return { type: 'complete' }
    } catch (err) {
      if (isAbort(signal)) return { type: 'aborted' }
      if (err instanceof AppError) return { type: 'fatal', error: err }
      if (isLocalError(err)) return { type: 'fatal', error: localError(err) }
      if (err instanceof AttemptEnd) return err.event.type === 'mirror-failed' ? { ...err.event, before, after: t.bytes } : err.event
      return { type: 'mirror-failed', message: describe(err), permanent: false, before, after: t.bytes }
    }
  }

  const failMirror = (message: string, permanent = false): AttemptEnd => new AttemptEnd({ type: 'mirror-failed', message, permanent, before: 0, after: 0 })

  const transfer = async (url: string): Promise<void> => {
    const ac = new AbortController()
    const onAbort = (): void => ac.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const stall = stallWatch(stallMs, () => ac.abort(failMirror(`stalled (no data for ${Math.round(stallMs / 100) / 10} s)`)))
    const stalled = (err: unknown): unknown => (ac.signal.reason instanceof AttemptEnd ? ac.signal.reason : err)
    try {
      const known = t.meta.validators[url]
      let res: HttpResponse
      try {
        res = await get(url, { headers: requestHeaders(t.bytes, url, t.meta.validators), signal: ac.signal })
      } catch (err) {
        throw stalled(err)
      }
      let consumed = false
      try {
        // Judging the answer and reserving the file's blocks are our own work, not the mirror's.
        stall.busy()
        const judged = judgeResponse(res, { bytes: t.bytes, total: t.total, known, expectedSize: spec.expectedSize, host: new URL(url).host })
        if (judged.kind === 'already-complete') return
        if (judged.kind === 'mirror-failure') throw failMirror(judged.message, judged.permanent)
        if (judged.kind === 'restart') throw new AttemptEnd({ type: 'restart-needed', why: judged.why })
        // A server that ignores Range sends the whole file: the part starts over (not counted as a restart).
        if (judged.restartFirst) await restart(judged.restartFirst)
        t.total = judged.total
        const etag = res.header('etag')
        const lastModified = res.header('last-modified')
        if (t.meta.total !== t.total || known?.etag !== etag || known?.lastModified !== lastModified) {
          t.meta.total = t.total
          t.meta.validators[url] = { etag, lastModified }
          await writePartMeta(spec.dest, t.meta)
        }
        await ensureSpace((t.total ?? 0) - t.bytes)
        await reserve()

        t.mirror = url
        if (t.phase !== 'downloading') {
          t.phase = 'downloading'
          speed.sample(t.bytes, now())
        }
        stall.waiting()
        // Receive, hash and write in one loop: the digest needs no second pass. A chunk may be a
        // view of the transport's reused buffer: it is copied to the hashing thread and written
        // before the next one is asked for (part-writer.ts says why the write is synchronous).
        try {
          for await (const value of res.body) {
            stall.busy()
            const hashing = t.hasher.update(value)
            t.writer!.write(value)
            if (hashing) await hashing
            t.bytes += value.byteLength
            if (t.total !== undefined && t.bytes > t.total)
              throw new AttemptEnd({ type: 'restart-needed', why: `the server sent more than ${t.total} bytes; starting over` })
            stall.waiting()
          }
        } catch (err) {
          throw stalled(err)
        }
        consumed = true
      } finally {
        if (!consumed) res.cancel()
      }
      if (t.total !== undefined && t.bytes < t.total) throw failMirror(`connection closed at ${t.bytes} of ${t.total} bytes`)
      t.total ??= t.bytes
    } finally {
      stall.stop()
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /** finish: the part holds exactly what was hashed; link it to its name or set it aside. */
  const finish = async (hash: string, expected: string | undefined): Promise<DownloadOutcome> => {
    await t.writer!.close().catch((e: unknown) => {
      throw localError(e)
    })
    // The digest covers what this process wrote; the file must hold exactly that many bytes.
    const onDisk = (await stat(part)).size
    if (onDisk !== t.bytes) {
      throw new AppError('DownloadFailed', `${part} holds ${onDisk} bytes but ${t.bytes} were written: another program changed it during the download`, {
        stage: 'finish download',
        hint: 'Run the download again; it starts over.'
      })
    }
    let finalPath = part
    if (!spec.keepPart) finalPath = expected && hash !== expected ? await setAside(spec.dest, 'mismatch') : (await publish(spec.dest, spec.own), spec.dest)
    return {
      status: 'done',
      path: finalPath,
      size: t.bytes,
      algorithm,
      hash,
      hashMatches: expected ? expected === hash : undefined,
      mirror: t.mirror ?? spec.urls[0]
    }
  }

  // Progress goes out on this timer only, which caps it at one sample per interval.
  const ticker = setInterval(emit, deps.progressIntervalMs ?? 250)
  ticker.unref?.()
  let m = startMachine({ mirrors: spec.urls.map(safeHost), maxRounds: deps.maxRounds, expected: meta.expectedHash, partBytes: t.bytes })
  try {
    await ensureSpace((t.total ?? 0) - t.bytes)
    if (m.state.kind === 'hashing-part') m = transition(m, await hashPart())
    if (m.state.kind === 'aborted' || isAbort(signal)) return { status: 'aborted', bytes: partBytes, total: t.total }
    try {
      await writePartMeta(spec.dest, t.meta)
      t.writer = await PartWriter.open(part, t.bytes)
    } catch (err) {
      throw localError(err)
    }
    for (;;) {
      for (const effect of m.effects) {
        if (effect.type === 'note') note(effect.text)
        else await restart(effect.why)
      }
      const state = m.state
      switch (state.kind) {
        case 'attempt':
          m = transition(m, await attempt(spec.urls[state.mirror]))
          break
        case 'verify':
          m = transition(m, { type: 'hashed', hash: await t.hasher.digest() })
          break
        case 'finish':
          return await finish(state.hash, m.memory.expected)
        case 'aborted':
          return { status: 'aborted', bytes: t.bytes, total: t.total }
        case 'failed':
          throw state.error
        case 'hashing-part':
          throw new Error('download state machine: hashing-part after start')
      }
    }
  } finally {
    clearInterval(ticker)
    await t.writer?.closeQuietly()
    await t.hasher.close()
  }
}

function isAbort(signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted)
}

const FS_SYSCALLS = new Set(['open', 'write', 'writev', 'pwritev', 'ftruncate', 'fsync', 'fdatasync', 'close', 'rename', 'unlink', 'mkdir', 'read'])

/** File-system errors (disk full, permissions) end the download instead of trying another mirror. */
function isLocalError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null
  return typeof e === 'object' && e !== null && typeof e.syscall === 'string' && (FS_SYSCALLS.has(e.syscall) || typeof e.path === 'string')
}

function localError(err: unknown): AppError {
  const e = err as NodeJS.ErrnoException
  return new AppError('WriteError', `could not write the download: ${e.message}`, {
    stage: 'write',
    hint: e.code === 'ENOSPC' ? 'The disk is full; free some space and resume.' : undefined,
    cause: err
  })
}

function safeHost(url: string): string {
  try {
    const u = new URL(url)
    return u.host + u.pathname.replace(/\/[^/]*$/, '/')
  } catch {
    return url
  }
}

/** Deletes the partial download and its sidecar (cancel). */
export async function discardPartial(dest: string): Promise<void> {
  await removePart(dest)
}
