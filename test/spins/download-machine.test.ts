// One test per transition of the download state machine (download-machine.ts) and per verdict
// of the response judge (download-response.ts); the nginx tests run them end to end.
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { MAX_RESTARTS, startMachine, transition, type DownloadEvent, type Machine } from '../../src/main/services/spins/download-machine'
import { judgeResponse, requestHeaders } from '../../src/main/services/spins/download-response'

const mirrors = ['a.example/iso/', 'b.example/iso/', 'c.example/iso/']
const failed = (before: number, after: number, permanent = false, message = 'HTTP 503'): DownloadEvent => ({
  type: 'mirror-failed',
  message,
  permanent,
  before,
  after
})
const run = (m: Machine, ...events: DownloadEvent[]): Machine => events.reduce(transition, m)

describe('download state machine', () => {
  it('start: a kept part is hashed first; without one the first mirror is tried', () => {
    expect(startMachine({ mirrors, partBytes: 100 }).state).toEqual({ kind: 'hashing-part' })
    expect(startMachine({ mirrors, partBytes: 100 }).memory.stitched).toBe(true)
    expect(startMachine({ mirrors, partBytes: 0 }).state).toEqual({ kind: 'attempt', round: 0, mirror: 0, roundStart: 0 })
  })

  it('hashing-part --part-hashed--> attempt on the first mirror, the round starting at the hashed bytes', () => {
    const m = transition(startMachine({ mirrors, partBytes: 100 }), { type: 'part-hashed', bytes: 100 })
    expect(m.state).toEqual({ kind: 'attempt', round: 0, mirror: 0, roundStart: 100 })
  })

  it('hashing-part --aborted--> aborted; --fatal--> failed', () => {
    expect(transition(startMachine({ mirrors, partBytes: 1 }), { type: 'aborted' }).state).toEqual({ kind: 'aborted' })
    const error = new AppError('ReadError', 'x')
    expect(transition(startMachine({ mirrors, partBytes: 1 }), { type: 'fatal', error }).state).toEqual({ kind: 'failed', error })
  })

  it('attempt --complete--> verify', () => {
    expect(transition(startMachine({ mirrors, partBytes: 0 }), { type: 'complete' }).state).toEqual({ kind: 'verify', pass: 0 })
  })

  it('attempt --aborted--> aborted; --fatal--> failed (a full disk does not try the next mirror)', () => {
    const m = startMachine({ mirrors, partBytes: 0 })
    expect(transition(m, { type: 'aborted' }).state.kind).toBe('aborted')
    const error = new AppError('WriteError', 'disk full')
    expect(transition(m, { type: 'fatal', error }).state).toEqual({ kind: 'failed', error })
  })

  it('attempt --restart-needed--> the same mirror from byte 0, at most 3 times', () => {
    let m = startMachine({ mirrors, partBytes: 0 })
    for (let i = 1; i <= MAX_RESTARTS; i++) {
      m = transition(m, { type: 'restart-needed', why: 'the file changed on the server; starting over' })
      expect(m.state).toMatchObject({ kind: 'attempt', mirror: 0 })
      expect(m.effects).toEqual([{ type: 'restart', why: 'the file changed on the server; starting over' }])
      expect(m.memory.restarts).toBe(i)
    }
    m = transition(m, { type: 'restart-needed', why: 'the file changed on the server; starting over' })
    expect(m.state.kind).toBe('failed')
    if (m.state.kind === 'failed') expect(m.state.error.message).toBe('the file changed on the server; starting over (gave up after 3 restarts)')
  })

  it('attempt --mirror-failed--> the next mirror, with a note naming the mirror and what it delivered', () => {
    const m = transition(startMachine({ mirrors, partBytes: 0 }), failed(0, 123_456, false, 'stalled (no data for 15 s)'))
    expect(m.state).toEqual({ kind: 'attempt', round: 0, mirror: 1, roundStart: 0 })
    expect(m.effects).toEqual([{ type: 'note', text: 'a.example/iso/: stalled (no data for 15 s) after 121 KiB; trying the next mirror' }])
    // The next transfer resumes after another one's bytes: the file is stitched.
    expect(m.memory.stitched).toBe(true)
  })

  it('attempt --mirror-failed (4xx)--> the mirror is skipped in later rounds', () => {
    const m = run(startMachine({ mirrors, partBytes: 0 }), failed(0, 0, true, 'HTTP 404 Not Found'), failed(0, 10), failed(10, 20))
    // Round 1 made progress (0 -> 20): another round, which skips the dead first mirror.
    expect(m.state).toEqual({ kind: 'attempt', round: 1, mirror: 1, roundStart: 20 })
    expect([...m.memory.dead]).toEqual([0])
  })

  it('a round without progress ends the run with every mirror named', () => {
    const m = run(startMachine({ mirrors, partBytes: 0 }), failed(0, 0), failed(0, 0, true, 'HTTP 404 Not Found'), failed(0, 0))
    expect(m.state.kind).toBe('failed')
    if (m.state.kind === 'failed') {
      expect(m.state.error.name).toBe('DownloadFailed')
      expect(m.state.error.message).toBe('every mirror failed: a.example/iso/: HTTP 503; b.example/iso/: HTTP 404 Not Found; c.example/iso/: HTTP 503')
      expect(m.state.error.hint).toMatch(/partial download is kept/)
    }
  })

  it('rounds stop at maxRounds even while each makes progress', () => {
    let m = startMachine({ mirrors: ['only/'], maxRounds: 2, partBytes: 0 })
    m = transition(m, failed(0, 10))
    expect(m.state).toEqual({ kind: 'attempt', round: 1, mirror: 0, roundStart: 10 })
    m = transition(m, failed(10, 20))
    expect(m.state.kind).toBe('failed')
  })

  it('verify --hashed--> finish when the digest matches, or when nothing was expected', () => {
    const done = run(startMachine({ mirrors, partBytes: 0, expected: 'AB' }), { type: 'complete' }, { type: 'hashed', hash: 'ab' })
    expect(done.state).toEqual({ kind: 'finish', hash: 'ab' })
    const unchecked = run(startMachine({ mirrors, partBytes: 0 }), { type: 'complete' }, { type: 'hashed', hash: 'cd' })
    expect(unchecked.state).toEqual({ kind: 'finish', hash: 'cd' })
  })

  it('verify --hashed (mismatch of a resumed file)--> once more from byte 0 with fresh mirrors; a second mismatch finishes', () => {
    let m = run(startMachine({ mirrors, partBytes: 100, expected: 'ab' }), { type: 'part-hashed', bytes: 100 }, failed(100, 100, true), { type: 'complete' })
    m = transition(m, { type: 'hashed', hash: 'ff' })
    expect(m.state).toEqual({ kind: 'attempt', round: 0, mirror: 0, roundStart: 0 })
    expect(m.effects).toEqual([{ type: 'restart', why: 'the hash does not match after resuming; downloading once more from the start' }])
    expect(m.memory).toMatchObject({ stitched: false, pass: 1, restarts: 0, failures: [] })
    expect(m.memory.dead.size).toBe(0)
    m = run(m, { type: 'complete' }, { type: 'hashed', hash: 'ff' })
    expect(m.state).toEqual({ kind: 'finish', hash: 'ff' })
  })

  it('verify --hashed (mismatch of a file from one transfer)--> finish (the caller sets it aside)', () => {
    const m = run(startMachine({ mirrors, partBytes: 0, expected: 'ab' }), { type: 'complete' }, { type: 'hashed', hash: 'ff' })
    expect(m.state).toEqual({ kind: 'finish', hash: 'ff' })
  })

  it('an event that does not belong to a state is a programming error', () => {
    expect(() => transition(startMachine({ mirrors, partBytes: 0 }), { type: 'hashed', hash: 'x' })).toThrow(/event hashed in state attempt/)
    const finished = run(startMachine({ mirrors, partBytes: 0 }), { type: 'complete' }, { type: 'hashed', hash: 'x' })
    expect(() => transition(finished, { type: 'complete' })).toThrow(/in state finish/)
  })
})

const head = (status: number, headers: Record<string, string> = {}, statusText = '') => ({ status, statusText, header: (n: string) => headers[n] })

describe('response judge', () => {
  it('asks for the rest with If-Range: the strong ETag of this mirror, else a Last-Modified', () => {
    expect(requestHeaders(0, 'u', {})).toEqual({ 'accept-encoding': 'identity' })
    expect(requestHeaders(10, 'u', { u: { etag: '"x"' } })).toMatchObject({ range: 'bytes=10-', 'if-range': '"x"' })
    expect(requestHeaders(10, 'u', { u: { etag: 'W/"x"', lastModified: 'Mon' } })['if-range']).toBe('Mon')
    expect(requestHeaders(10, 'v', { u: { etag: '"x"', lastModified: 'Tue' } })['if-range']).toBe('Tue')
    expect(requestHeaders(10, 'v', {})['if-range']).toBeUndefined()
  })

  it('416 at the end: already complete; 4xx permanent, 5xx/408/429 not', () => {
    expect(judgeResponse(head(416), { bytes: 10, total: 10, host: 'h' })).toEqual({ kind: 'already-complete' })
    expect(judgeResponse(head(404, {}, 'Not Found'), { bytes: 0, host: 'h' })).toEqual({
      kind: 'mirror-failure',
      message: 'HTTP 404 Not Found',
      permanent: true
    })
    for (const s of [500, 503, 408, 429]) expect(judgeResponse(head(s), { bytes: 0, host: 'h' })).toMatchObject({ permanent: false })
    expect(judgeResponse(head(304), { bytes: 0, host: 'h' })).toEqual({ kind: 'mirror-failure', message: 'unexpected HTTP 304', permanent: false })
  })

  it('206: the range must continue the part, and the file must not have changed', () => {
    expect(judgeResponse(head(206, { 'content-range': 'bytes 10-19/20' }), { bytes: 10, host: 'h' })).toEqual({ kind: 'receive', total: 20 })
    expect(judgeResponse(head(206, { 'content-range': 'bytes 5-19/20' }), { bytes: 10, host: 'h' })).toMatchObject({ kind: 'restart' })
    expect(judgeResponse(head(206, { 'content-range': 'bytes 10-19/30' }), { bytes: 10, total: 20, host: 'h' })).toMatchObject({ kind: 'restart' })
    expect(judgeResponse(head(206, { 'content-range': 'bytes 10-19/20', etag: '"new"' }), { bytes: 10, known: { etag: '"old"' }, host: 'h' })).toEqual({
      kind: 'restart',
      why: 'the file changed on the server; starting over'
    })
  })

  it('200 to a range request: receive from byte 0 after a restart; the length must match the catalogue', () => {
    expect(judgeResponse(head(200, { 'content-length': '20' }), { bytes: 10, host: 'h' })).toEqual({
      kind: 'receive',
      total: 20,
      restartFirst: 'h ignored the Range request (200 instead of 206); starting over from byte 0'
    })
    // A compressed body's length says nothing about the file's.
    expect(judgeResponse(head(200, { 'content-length': '5', 'content-encoding': 'gzip' }), { bytes: 0, host: 'h' })).toEqual({
      kind: 'receive',
      total: undefined
    })
    expect(judgeResponse(head(200, { 'content-length': '21' }), { bytes: 0, expectedSize: 20, host: 'h' })).toEqual({
      kind: 'mirror-failure',
      message: 'serves 21 bytes, the catalogue says 20',
      permanent: true
    })
  })
})
