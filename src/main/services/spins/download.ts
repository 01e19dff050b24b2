import { createHash, type Hash } from 'node:crypto'
import { stat, statfs } from 'node:fs/promises'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { DownloadInfo, HashAlgorithm } from '../../../shared/contract/spins'
import { runCommand, type CommandRunner } from '../system/command'
import { publish, setAside, type FileStamp } from './finalize'
import { hashInto } from './hash'
import { partPath, partSize, readPartMeta, removePart, writePartMeta, type PartMeta } from './part-file'
import { PartWriter } from './part-writer'
import { socketHttpGet } from './socket-transport'
import { SpeedMeter, etaSeconds, percentOf } from './speed'
import type { HttpGet, HttpResponse } from './transport'
import { formatBytes } from '../../../shared/format'

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

/** Why one mirror attempt ended early; decides between "next mirror" and "give up". */
class MirrorFailure extends Error {
  constructor(
    message: string,
    /** 4xx: this mirror will not have it on a retry either. */
    readonly permanent = false
  ) {
    super(message)
  }
}
class StallFailure extends MirrorFailure {}
/** The part on disk does not belong to what the server now sends: start from byte 0. */
class RestartNeeded extends Error {}
/** The caller paused or cancelled. */
class Aborted extends Error {}

/** The default reservation: util-linux fallocate through the command runner (argv, no shell). */
export function fallocateWith(run: CommandRunner): (file: string, size: number) => Promise<void> {
  return async (file, size) => {
    await run(['fallocate', '--keep-size', '--length', String(size), file], { timeoutMs: 30_000 })
  }
}

export const fallocateKeepSize = fallocateWith(runCommand)

export function parseContentRange(value: string | null): { start: number; end: number; total?: number } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? '')
  if (!m) return undefined
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) }
}

export async function defaultFreeSpace(dir: string): Promise<number> {
  const s = await statfs(dir)
  return Number(s.bavail) * Number(s.bsize)
}

function describe(err: unknown): string {
  if (err instanceof MirrorFailure) return err.message
  const e = err as { message?: string; cause?: { code?: string; message?: string } }
  const cause = e.cause?.code ?? e.cause?.message
  return cause ? `${e.message ?? String(err)} (${cause})` : (e.message ?? String(err))
}

function isAbort(signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted)
}

/**
 * Downloads one file into DEST.part with resume, failover and on-the-fly hashing, then
 * (unless keepPart) links it to DEST, never over a file the app did not make. Safe to call
 * again after an abort or a crash: the existing part is hashed first and the transfer
 * continues with a Range request.
 */
export async function runDownload(spec: DownloadSpec, deps: DownloadDeps, hooks: DownloadHooks = {}): Promise<DownloadOutcome> {
  if (spec.urls.length === 0) throw new AppError('NoMirror', 'no download URL was given', { stage: 'download' })
  const algorithm = spec.algorithm ?? 'sha256'
  const stallMs = deps.stallMs ?? DEFAULT_STALL_MS
  const get = deps.get ?? socketHttpGet
  const now = deps.now ?? Date.now
  const freeSpace = deps.freeSpace ?? defaultFreeSpace
  const dir = path.dirname(spec.dest)
  const part = partPath(spec.dest)
  const signal = hooks.signal
  const note = (n: string): void => hooks.onNote?.(n)

  // --- Trust what is on disk only if its sidecar describes the same download.
  let meta = await readPartMeta(spec.dest)
  let bytes = await partSize(spec.dest)
  const fresh = (): PartMeta => ({
    schema: 1,
    name: path.basename(spec.dest),
    urls: spec.urls,
    total: spec.expectedSize,
    algorithm,
    expectedHash: spec.expectedHash,
    validators: {},
    createdAt: new Date(now()).toISOString()
  })
  const sameFile =
    meta !== undefined &&
    meta.algorithm === algorithm &&
    (spec.expectedSize === undefined || meta.total === undefined || meta.total === spec.expectedSize) &&
    (spec.expectedHash === undefined || meta.expectedHash === undefined || meta.expectedHash === spec.expectedHash) &&
    (meta.total === undefined || bytes <= meta.total)
  if (bytes > 0 && !sameFile) {
    note(meta ? 'the partial download belongs to another file version; starting over' : 'partial download without its record; starting over')
    bytes = 0
  }
  if (!meta || !sameFile) meta = fresh()
  meta.urls = spec.urls
  meta.expectedHash ??= spec.expectedHash
  let total = meta.total ?? spec.expectedSize

  let phase: Phase = 'checking'
  let mirror: string | undefined
  const speed = new SpeedMeter()
  let lastEmit = -Infinity
  const emit = (): void => {
    // Timers can bunch up under load; never more than one sample per interval.
    const at = now()
    if (at - lastEmit < (deps.progressIntervalMs ?? 250) * 0.8) return
    lastEmit = at
    const s = phase === 'downloading' ? speed.sample(bytes, now()) : undefined
    hooks.onProgress?.({ phase, bytes, total, percent: percentOf(bytes, total), speed: s, etaSeconds: etaSeconds(bytes, total, s), mirror })
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

  await ensureSpace((total ?? 0) - bytes)
  // Progress goes out on this timer only, which caps it at one sample per interval.
  const ticker = setInterval(emit, deps.progressIntervalMs ?? 250)
  ticker.unref?.()
  let writer: PartWriter
  let hasher: Hash = createHash(algorithm)
  try {
    // Hash what is already there so the digest covers the whole file without a second pass.
    if (bytes > 0) {
      phase = 'hashing-part'
      const partBytes = bytes
      bytes = 0
      try {
        await hashInto(part, hasher, partBytes, { signal, onProgress: (n) => (bytes = n) })
      } catch (err) {
        if (isAbort(signal)) return { status: 'aborted', bytes: partBytes, total }
        throw new AppError('ReadError', `could not read the partial download ${part}: ${describe(err)}`, { stage: 'hash partial download' })
      }
    }
    if (isAbort(signal)) return { status: 'aborted', bytes, total }
    try {
      await writePartMeta(spec.dest, meta)
      writer = await PartWriter.open(part, bytes)
    } catch (err) {
      throw localError(err)
    }
  } catch (err) {
    clearInterval(ticker)
    throw err
  }

  /** Set when the file is assembled from more than one transfer. */
  let stitched = bytes > 0
  const preallocate = deps.preallocate ?? fallocateKeepSize
  let reserved = 0
  const reserve = async (): Promise<void> => {
    if (total === undefined || total <= reserved || total <= bytes) return
    reserved = total
    await preallocate(part, total).catch(() => undefined)
  }

  const restart = async (why: string): Promise<void> => {
    note(why)
    reserved = 0
    await writer.reset()
    hasher = createHash(algorithm)
    bytes = 0
    speed.reset()
    meta!.validators = {}
  }

  /** One attempt against one mirror; resolves when the file is complete. */
  const attempt = async (url: string): Promise<void> => {
    const ac = new AbortController()
    const onAbort = (): void => ac.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    const stall = setTimeout(() => ac.abort(new StallFailure(`stalled (no data for ${Math.round(stallMs / 100) / 10} s)`)), stallMs)
    try {
      const headers: Record<string, string> = { 'accept-encoding': 'identity' }
      const known = meta!.validators[url]
      if (bytes > 0) {
        headers.range = `bytes=${bytes}-`
        // If-Range makes the server send the whole new file when it changed since the part began.
        // ETags are per server; another mirror is asked with the part's Last-Modified, which
        // mirrors synced with preserved times share (if not, it costs a restart, never a mix).
        const strongEtag = known?.etag && !known.etag.startsWith('W/') ? known.etag : undefined
        const otherDate = Object.values(meta!.validators).find((v) => v.lastModified)?.lastModified
        const ifRange = strongEtag ?? known?.lastModified ?? otherDate
        if (ifRange) headers['if-range'] = ifRange
      }
      let res: HttpResponse
      try {
        res = await get(url, { headers, signal: ac.signal })
      } catch (err) {
        throw ac.signal.reason instanceof MirrorFailure ? ac.signal.reason : err
      }
      let consumed = false
      try {
        stall.refresh()
        const etag = res.header('etag')
        const lastModified = res.header('last-modified')

        if (res.status === 416 && bytes > 0 && total !== undefined && bytes === total) return
        if (res.status >= 400) {
          throw new MirrorFailure(
            `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`,
            res.status < 500 && res.status !== 408 && res.status !== 429
          )
        }
        if (res.status === 206) {
          const range = parseContentRange(res.header('content-range') ?? null)
          const changed = (known?.etag && etag && known.etag !== etag) || (known?.lastModified && lastModified && known.lastModified !== lastModified)
          if (!range || range.start !== bytes || (total !== undefined && range.total !== undefined && range.total !== total) || changed) {
            throw new RestartNeeded(
              changed ? 'the file changed on the server; starting over' : `unexpected Content-Range "${res.header('content-range')}"; starting over`
            )
          }
          total ??= range.total
        } else if (res.status === 200) {
          if (bytes > 0) await restart(`${new URL(url).host} ignored the Range request (200 instead of 206); starting over from byte 0`)
          const length = res.header('content-length')
          if (length !== undefined && /^\d+$/.test(length) && res.header('content-encoding') === undefined) total = Number(length)
        } else {
          throw new MirrorFailure(`unexpected HTTP ${res.status}`)
        }
        if (spec.expectedSize !== undefined && total !== undefined && total !== spec.expectedSize) {
          throw new MirrorFailure(`serves ${total} bytes, the catalogue says ${spec.expectedSize}`, true)
        }
        if (meta!.total !== total || known?.etag !== etag || known?.lastModified !== lastModified) {
          meta!.total = total
          meta!.validators[url] = { etag, lastModified }
          await writePartMeta(spec.dest, meta!)
        }
        await ensureSpace((total ?? 0) - bytes)
        await reserve()

        mirror = url
        if (phase !== 'downloading') {
          phase = 'downloading'
          speed.sample(bytes, now())
        }
        // Receive, hash and write in one loop: the digest needs no second pass. A chunk may be a
        // view of the transport's reused buffer: it is hashed and written before the next one is
        // asked for (part-writer.ts says why the write is synchronous).
        try {
          for await (const value of res.body) {
            stall.refresh()
            hasher.update(value)
            writer.write(value)
            bytes += value.byteLength
            if (total !== undefined && bytes > total) throw new RestartNeeded(`the server sent more than ${total} bytes; starting over`)
          }
        } catch (err) {
          throw ac.signal.reason instanceof MirrorFailure ? ac.signal.reason : err
        }
        consumed = true
      } finally {
        if (!consumed) res.cancel()
      }
      if (total !== undefined && bytes < total) throw new MirrorFailure(`connection closed at ${bytes} of ${total} bytes`)
      total ??= bytes
    } finally {
      clearTimeout(stall)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Tries the mirrors (several rounds while they make progress) until the file is complete. */
  const fetchAll = async (): Promise<void> => {
    const maxRounds = deps.maxRounds ?? 5
    const dead = new Set<string>()
    const failures: string[] = []
    let restarts = 0
    for (let round = 0; round < maxRounds; round++) {
      const roundStart = bytes
      for (let i = 0; i < spec.urls.length; i++) {
        const url = spec.urls[i]
        if (dead.has(url)) continue
        const start = bytes
        if (start > 0) stitched = true
        try {
          await attempt(url)
          return
        } catch (err) {
          if (isAbort(signal)) throw new Aborted()
          if (err instanceof AppError) throw err
          if (isLocalError(err)) throw localError(err)
          if (err instanceof RestartNeeded) {
            if (++restarts > 3) throw new AppError('DownloadFailed', `${err.message} (gave up after 3 restarts)`, { stage: 'download' })
            await restart(err.message)
            i-- // the same mirror again, from byte 0
            continue
          }
          const message = `${safeHost(url)}: ${describe(err)}`
          failures.push(message)
          note(`${message}${bytes > start ? ` after ${formatBytes(bytes - start)}` : ''}; trying the next mirror`)
          if (err instanceof MirrorFailure && err.permanent) dead.add(url)
        }
      }
      // Another pass only helps when this one got somewhere (e.g. connections that keep dropping).
      if (bytes === roundStart) break
    }
    throw new AppError('DownloadFailed', `every mirror failed: ${failures.slice(-spec.urls.length).join('; ')}`, {
      stage: 'download',
      hint: 'Check the network or add mirrors; the partial download is kept and resumes next time.'
    })
  }

  const expected = meta.expectedHash?.toLowerCase()
  try {
    let hash: string
    for (let pass = 0; ; pass++) {
      try {
        await fetchAll()
      } catch (err) {
        if (err instanceof Aborted) return { status: 'aborted', bytes, total }
        throw err
      }
      hash = hasher.digest('hex')
      // A file assembled from a kept part and another transfer can be inconsistent in ways no
      // header reveals (a mirror that rewrote the file without changing its date): one clean retry.
      if (expected && hash !== expected && stitched && pass === 0) {
        stitched = false
        await restart('the hash does not match after resuming; downloading once more from the start')
        continue
      }
      break
    }
    await writer.close().catch((e: unknown) => {
      throw localError(e)
    })
    // The digest covers what this process wrote; the file must hold exactly that many bytes.
    const onDisk = (await stat(part)).size
    if (onDisk !== bytes) {
      throw new AppError('DownloadFailed', `${part} holds ${onDisk} bytes but ${bytes} were written: another program changed it during the download`, {
        stage: 'finish download',
        hint: 'Run the download again; it starts over.'
      })
    }
    let finalPath = part
    if (!spec.keepPart) finalPath = expected && hash !== expected ? await setAside(spec.dest, 'mismatch') : (await publish(spec.dest, spec.own), spec.dest)
    return {
      status: 'done',
      path: finalPath,
      size: bytes,
      algorithm,
      hash,
      hashMatches: expected ? expected === hash : undefined,
      mirror: mirror ?? spec.urls[0]
    }
  } finally {
    clearInterval(ticker)
    await writer.closeQuietly()
  }
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
