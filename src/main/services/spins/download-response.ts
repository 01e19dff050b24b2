import type { PartMeta } from './part-file'

type Validators = PartMeta['validators']
type Validator = Validators[string]

export function parseContentRange(value: string | null): { start: number; end: number; total?: number } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? '')
  if (!m) return undefined
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) }
}

/** Request headers for a transfer that has `bytes` already: a Range with an If-Range guard. */
export function requestHeaders(bytes: number, url: string, validators: Validators): Record<string, string> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity' }
  if (bytes === 0) return headers
  headers.range = `bytes=${bytes}-`
  // If-Range makes the server send the whole new file when it changed since the part began.
  // ETags are per server; another mirror is asked with the part's Last-Modified, which
  // mirrors synced with preserved times share (if not, it costs a restart, never a mix).
  const known = validators[url]
  const strongEtag = known?.etag && !known.etag.startsWith('W/') ? known.etag : undefined
  const otherDate = Object.values(validators).find((v) => v.lastModified)?.lastModified
  const ifRange = strongEtag ?? known?.lastModified ?? otherDate
  if (ifRange) headers['if-range'] = ifRange
  return headers
}

export interface ResponseHead {
  status: number
  statusText?: string
  header(name: string): string | undefined
}

/** What to do with a response, before any body byte is read. */
export type Judgement =
  /** 416 for a range starting at the end: the part is already whole. */
  | { kind: 'already-complete' }
  /** Try another mirror; `permanent` (4xx): this one will not have it on a retry either. */
  | { kind: 'mirror-failure'; message: string; permanent: boolean }
  /** The part does not belong to what the server now sends. */
  | { kind: 'restart'; why: string }
  /** Read the body; `restartFirst`: the server ignored the Range, so the part starts over. */
  | { kind: 'receive'; total?: number; restartFirst?: string }

export function judgeResponse(res: ResponseHead, at: { bytes: number; total?: number; known?: Validator; expectedSize?: number; host: string }): Judgement {
  const { bytes, known } = at
  let total = at.total
  if (res.status === 416 && bytes > 0 && total !== undefined && bytes === total) return { kind: 'already-complete' }
  if (res.status >= 400) {
    const permanent = res.status < 500 && res.status !== 408 && res.status !== 429
    return { kind: 'mirror-failure', message: `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`, permanent }
  }
  let restartFirst: string | undefined
  if (res.status === 206) {
    const range = parseContentRange(res.header('content-range') ?? null)
    const etag = res.header('etag')
    const lastModified = res.header('last-modified')
    const changed = (known?.etag && etag && known.etag !== etag) || (known?.lastModified && lastModified && known.lastModified !== lastModified)
    if (!range || range.start !== bytes || (total !== undefined && range.total !== undefined && range.total !== total) || changed) {
      return {
        kind: 'restart',
        why: changed ? 'the file changed on the server; starting over' : `unexpected Content-Range "${res.header('content-range')}"; starting over`
      }
    }
    total ??= range.total
  } else if (res.status === 200) {
    if (bytes > 0) restartFirst = `${at.host} ignored the Range request (200 instead of 206); starting over from byte 0`
    const length = res.header('content-length')
    if (length !== undefined && /^\d+$/.test(length) && res.header('content-encoding') === undefined) total = Number(length)
  } else {
    return { kind: 'mirror-failure', message: `unexpected HTTP ${res.status}`, permanent: false }
  }
  if (at.expectedSize !== undefined && total !== undefined && total !== at.expectedSize) {
    return { kind: 'mirror-failure', message: `serves ${total} bytes, the catalogue says ${at.expectedSize}`, permanent: true }
  }
  return { kind: 'receive', total, restartFirst }
}
