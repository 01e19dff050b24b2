import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'

/**
 * The one place that turns a name from the network (a listing href, a JSON listing name, a
 * productmd `path`, a --url, a cached catalogue entry) into a file name in the download
 * folder. Everything that reaches path.join(downloadDir, …) comes through here, so a mirror
 * cannot name "../.bashrc" however it encodes it.
 */

/** Files the app keeps beside a download: a catalogue entry must not be able to name them. */
const RESERVED_SUFFIX = /\.(part|part\.json|part\.json\.tmp|lock|lock\.break|mismatch(-\d+)?|bad-signature(-\d+)?)$/i
const MAX_NAME_BYTES = 255
const MAX_DECODE_ROUNDS = 8

export interface NameCheck {
  ok: boolean
  /** The fully decoded name (when ok). */
  name?: string
  /** Why it was refused, as a sentence fragment ("contains a slash"). */
  reason?: string
}

/**
 * Percent-decodes until nothing changes: "..%252F" is "../" after two rounds, and a check
 * that only ran after one round would pass it. Malformed escapes make the name unusable.
 */
export function fullyDecode(raw: string): string | undefined {
  let cur = raw
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    let next: string
    try {
      next = decodeURIComponent(cur)
    } catch {
      return undefined
    }
    if (next === cur) return cur
    cur = next
  }
  return undefined
}

/** Checks a single, already chosen basename (raw: it is decoded here). */
export function checkLocalName(raw: string): NameCheck {
  const name = fullyDecode(raw)
  if (name === undefined) return { ok: false, reason: 'has malformed or endlessly nested percent escapes' }
  if (name === '') return { ok: false, reason: 'is empty' }
  if (name.includes('/')) return { ok: false, reason: 'contains a slash' }
  if (name.includes('\\')) return { ok: false, reason: 'contains a backslash' }
  // C0, DEL and C1 controls: terminals and file managers render them in misleading ways.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return { ok: false, reason: 'contains a control character' }
  if (name.startsWith('.')) return { ok: false, reason: 'starts with a dot (hidden file, "." or "..")' }
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return { ok: false, reason: `is longer than ${MAX_NAME_BYTES} bytes` }
  if (name.trim() !== name) return { ok: false, reason: 'starts or ends with white space' }
  const reserved = RESERVED_SUFFIX.exec(name)
  if (reserved) return { ok: false, reason: `ends with "${reserved[0]}", which the app uses for its own files` }
  return { ok: true, name }
}

/**
 * The last segment of a URL path or a relative path as given by a mirror, split on the raw
 * "/" (before decoding, so an encoded slash stays inside the name and is refused there).
 */
export function lastSegment(pathOrUrl: string): string {
  let p = pathOrUrl
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    try {
      p = new URL(p).pathname
    } catch {
      return ''
    }
  }
  p = p.split(/[?#]/)[0]
  return p.slice(p.lastIndexOf('/') + 1)
}

/** The checked name of a raw segment, or undefined (catalogue parsing skips such entries). */
export function safeLocalName(rawSegment: string): string | undefined {
  const c = checkLocalName(rawSegment)
  return c.ok ? c.name : undefined
}

/** Like safeLocalName, but fails with a sentence (for names a person asked for). */
export function requireLocalName(rawSegment: string, what: string): string {
  const c = checkLocalName(rawSegment)
  if (!c.ok) {
    throw new AppError('UnsafeFileName', `the file name of ${what.slice(0, 200)} ${c.reason}, so it cannot be saved in the download folder`, {
      stage: 'start download',
      hint: 'Use a URL or catalogue entry whose last path segment is a plain file name.'
    })
  }
  return c.name!
}

/**
 * DIR/NAME for a checked name, with the guarantee spelled out again: its parent is exactly
 * the chosen folder (path.join would normalise "a/../b" away, so compare afterwards).
 */
export function destinationIn(dir: string, rawName: string, what = rawName): string {
  const name = requireLocalName(rawName, what)
  const folder = path.resolve(dir)
  const dest = path.join(folder, name)
  if (path.dirname(dest) !== folder || path.basename(dest) !== name) {
    throw new AppError('UnsafeFileName', `${what.slice(0, 200)} would be saved outside ${folder}`, { stage: 'start download' })
  }
  return dest
}
