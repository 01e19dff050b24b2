import { AppError } from '../../../shared/contract/errors'
import { formatBytes } from '../../../shared/format'

/**
 * The states of one download run and the transitions between them, without I/O: runDownload
 * (download.ts) performs what a state asks for (hash the part, try a mirror, compare the
 * digest) and feeds the outcome back as an event. Each transition is a pure function of
 * (state, memory, event), so every rule below has its own unit test.
 *
 *   hashing-part ─part-hashed→ attempt(round, mirror)
 *   attempt ─complete→ verify
 *   attempt ─restart-needed→ attempt (same mirror, from byte 0; at most 3 times) | failed
 *   attempt ─mirror-failed→ attempt (next live mirror; another round only if this one made progress) | failed
 *   attempt ─aborted→ aborted          attempt ─fatal→ failed
 *   verify ─hashed→ finish | attempt (once from byte 0 when a resumed file does not match)
 */
export type DownloadState =
  | { kind: 'hashing-part' }
  | { kind: 'attempt'; round: number; mirror: number; roundStart: number }
  | { kind: 'verify'; pass: number }
  | { kind: 'finish'; hash: string }
  | { kind: 'aborted' }
  | { kind: 'failed'; error: AppError }

export type DownloadEvent =
  | { type: 'part-hashed'; bytes: number }
  /** The mirror delivered the rest of the file. */
  | { type: 'complete' }
  /** The part does not belong to what the server sends now (changed file, bad Content-Range). */
  | { type: 'restart-needed'; why: string }
  /** This mirror failed; `before`/`after`: bytes when the attempt began / ended. */
  | { type: 'mirror-failed'; message: string; permanent: boolean; before: number; after: number }
  | { type: 'aborted' }
  /** Local trouble (disk full) or a refusal that another mirror cannot fix. */
  | { type: 'fatal'; error: AppError }
  | { type: 'hashed'; hash: string }

/** What the run remembers across transitions. */
export interface DownloadMemory {
  /** Display names of the mirrors (host + folder), preferred first. */
  mirrors: readonly string[]
  maxRounds: number
  /** The digest the file must have, when known (lower case). */
  expected?: string
  /** Mirrors that answered 4xx: they will not have it on a retry either. */
  dead: ReadonlySet<number>
  failures: readonly string[]
  restarts: number
  /** The file is assembled from more than one transfer. */
  stitched: boolean
  /** Pass over the mirrors (a second one after a resumed file did not match). */
  pass: number
}

/** Side effects the driver performs after a transition. */
export type DownloadEffect = { type: 'note'; text: string } | { type: 'restart'; why: string }

export interface Machine {
  state: DownloadState
  memory: DownloadMemory
  effects: DownloadEffect[]
}

export const MAX_RESTARTS = 3

export function startMachine(opts: { mirrors: readonly string[]; maxRounds?: number; expected?: string; partBytes: number }): Machine {
  const memory: DownloadMemory = {
    mirrors: opts.mirrors,
    maxRounds: opts.maxRounds ?? 5,
    expected: opts.expected?.toLowerCase(),
    dead: new Set(),
    failures: [],
    restarts: 0,
    stitched: opts.partBytes > 0,
    pass: 0
  }
  return { state: opts.partBytes > 0 ? { kind: 'hashing-part' } : firstAttempt(memory, 0), memory, effects: [] }
}

function firstAttempt(memory: DownloadMemory, bytes: number): DownloadState {
  const mirror = nextLive(memory, -1)
  return mirror === undefined ? { kind: 'failed', error: everyMirrorFailed(memory) } : { kind: 'attempt', round: 0, mirror, roundStart: bytes }
}

function nextLive(memory: DownloadMemory, after: number): number | undefined {
  for (let i = after + 1; i < memory.mirrors.length; i++) if (!memory.dead.has(i)) return i
  return undefined
}

function everyMirrorFailed(memory: DownloadMemory): AppError {
  return new AppError('DownloadFailed', `every mirror failed: ${memory.failures.slice(-memory.mirrors.length).join('; ')}`, {
    stage: 'download',
    hint: 'Check the network or add mirrors; the partial download is kept and resumes next time.'
  })
}

const unexpected = (state: DownloadState, event: DownloadEvent): never => {
  throw new Error(`download state machine: event ${event.type} in state ${state.kind}`)
}

export function transition(m: Machine, event: DownloadEvent): Machine {
  const { state, memory } = m
  switch (state.kind) {
    case 'hashing-part':
      if (event.type === 'part-hashed') return { state: firstAttempt(memory, event.bytes), memory, effects: [] }
      if (event.type === 'aborted') return { state: { kind: 'aborted' }, memory, effects: [] }
      if (event.type === 'fatal') return { state: { kind: 'failed', error: event.error }, memory, effects: [] }
      return unexpected(state, event)
    case 'attempt':
      return fromAttempt(state, memory, event)
    case 'verify':
      if (event.type !== 'hashed') return unexpected(state, event)
      return fromVerify(memory, event.hash)
    default:
      return unexpected(state, event)
  }
}

function fromAttempt(state: Extract<DownloadState, { kind: 'attempt' }>, memory: DownloadMemory, event: DownloadEvent): Machine {
  switch (event.type) {
    case 'complete':
      return { state: { kind: 'verify', pass: memory.pass }, memory, effects: [] }
    case 'aborted':
      return { state: { kind: 'aborted' }, memory, effects: [] }
    case 'fatal':
      return { state: { kind: 'failed', error: event.error }, memory, effects: [] }
    case 'restart-needed': {
      const restarts = memory.restarts + 1
      if (restarts > MAX_RESTARTS) {
        const error = new AppError('DownloadFailed', `${event.why} (gave up after ${MAX_RESTARTS} restarts)`, { stage: 'download' })
        return { state: { kind: 'failed', error }, memory: { ...memory, restarts }, effects: [] }
      }
      // The same mirror again, from byte 0.
      return { state, memory: { ...memory, restarts }, effects: [{ type: 'restart', why: event.why }] }
    }
    case 'mirror-failed': {
      const name = memory.mirrors[state.mirror]
      const failure = `${name}: ${event.message}`
      const dead = event.permanent ? new Set([...memory.dead, state.mirror]) : memory.dead
      // A transfer that resumes after bytes from another attempt makes a stitched file.
      const next: DownloadMemory = { ...memory, dead, failures: [...memory.failures, failure], stitched: memory.stitched || event.after > 0 }
      const gained = event.after > event.before ? ` after ${formatBytes(event.after - event.before)}` : ''
      const effects: DownloadEffect[] = [{ type: 'note', text: `${failure}${gained}; trying the next mirror` }]
      const mirror = nextLive(next, state.mirror)
      if (mirror !== undefined) return { state: { ...state, mirror }, memory: next, effects }
      // Another pass only helps when this one got somewhere (e.g. connections that keep dropping).
      const first = nextLive(next, -1)
      if (event.after === state.roundStart || state.round + 1 >= next.maxRounds || first === undefined)
        return { state: { kind: 'failed', error: everyMirrorFailed(next) }, memory: next, effects }
      return { state: { kind: 'attempt', round: state.round + 1, mirror: first, roundStart: event.after }, memory: next, effects }
    }
    default:
      return unexpected(state, event)
  }
}

function fromVerify(memory: DownloadMemory, hash: string): Machine {
  // A file assembled from a kept part and another transfer can be inconsistent in ways no
  // header reveals (a mirror that rewrote the file without changing its date): one clean retry,
  // with a fresh view of the mirrors.
  if (memory.expected && hash !== memory.expected && memory.stitched && memory.pass === 0) {
    const fresh: DownloadMemory = { ...memory, stitched: false, pass: 1, dead: new Set(), failures: [], restarts: 0 }
    return {
      state: firstAttempt(fresh, 0),
      memory: fresh,
      effects: [{ type: 'restart', why: 'the hash does not match after resuming; downloading once more from the start' }]
    }
  }
  return { state: { kind: 'finish', hash }, memory, effects: [] }
}
