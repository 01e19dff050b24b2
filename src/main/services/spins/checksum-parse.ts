import { AppError } from '../../../shared/contract/errors'
import type { HashAlgorithm } from '../../../shared/contract/spins'

export interface ChecksumEntry {
  name: string
  algorithm: HashAlgorithm
  /** Lower-case hex. */
  hash: string
  /** From a BSD-style `# name: N bytes` comment, when present. */
  size?: number
  /** 1-based line number in the parsed text. */
  line: number
  style: 'bsd' | 'gnu'
}

export interface ChecksumFile {
  entries: ChecksumEntry[]
  /** The text carried a PGP clear-signature armor (checked elsewhere). */
  clearSigned: boolean
  /** Lines that were neither entries, size comments nor blank. */
  ignoredLines: number
}

const HEX_LEN: Record<HashAlgorithm, number> = { sha256: 64, sha512: 128 }
const BSD_ALGOS: Record<string, HashAlgorithm | null> = {
  SHA256: 'sha256',
  'SHA2-256': 'sha256',
  'SHA-256': 'sha256',
  SHA512: 'sha512',
  'SHA2-512': 'sha512',
  'SHA-512': 'sha512',
  // Recognised so that their lines are not mistaken for garbage, but not trusted.
  MD5: null,
  SHA1: null,
  'SHA-1': null,
  SHA224: null,
  SHA384: null,
  'SHA-384': null,
  BLAKE2B: null,
  'BLAKE2B-512': null,
  SM3: null
}
// Hex lengths of digests coreutils' *sum tools print; other algorithms' lines are skipped.
const GNU_OTHER_LENGTHS = new Set([32, 40, 56, 96])

const BSD_LINE = /^([A-Za-z0-9-]+)\s?\((.*)\)\s*=\s*(\S*)\s*$/
const BSD_START = /^([A-Za-z0-9-]+)\s?\(/
const SIZE_LINE = /^#\s*(.+?):\s*(\d+)\s+bytes\s*$/
const GNU_LINE = /^(\\?)([0-9a-fA-F]+)\s([ *])?(.+)$/
const HEX_ONLY = /^[0-9a-fA-F]+$/

export const BEGIN_SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----'
const BEGIN_SIGNATURE = '-----BEGIN PGP SIGNATURE-----'
const END_SIGNATURE = '-----END PGP SIGNATURE-----'

function parseError(message: string, hint?: string): AppError {
  return new AppError('ChecksumParseError', message, {
    stage: 'parse checksum file',
    hint: hint ?? 'Download the checksum file again; it may be truncated or not a checksum file at all.'
  })
}

/**
 * The signed body of a PGP clear-signed message (RFC 4880 §7): text between the armor
 * headers' blank line and the signature, dash-escaping removed. Throws on broken armor
 * (a truncated download usually loses the signature block).
 */
export function clearSignedBody(text: string): { body: string; offset: number } {
  const lines = text.split(/\r?\n/)
  const begin = lines.findIndex((l) => l.trimEnd() === BEGIN_SIGNED)
  if (begin < 0) throw parseError('not a PGP signed message')
  let i = begin + 1
  while (i < lines.length && lines[i].trim() !== '') {
    if (!/^[A-Za-z-]+: /.test(lines[i])) throw parseError(`line ${i + 1}: malformed armor header in PGP signed message`)
    i++
  }
  if (i >= lines.length) throw parseError('PGP signed message ends inside its armor headers (truncated)')
  const bodyStart = i + 1
  const sigAt = lines.findIndex((l, n) => n >= bodyStart && l.trimEnd() === BEGIN_SIGNATURE)
  if (sigAt < 0) throw parseError('PGP signed message has no signature block (truncated?)')
  if (!lines.slice(sigAt + 1).some((l) => l.trimEnd() === END_SIGNATURE)) {
    throw parseError('PGP signature block is not terminated (truncated?)')
  }
  const body = lines
    .slice(bodyStart, sigAt)
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n')
  return { body, offset: bodyStart }
}

/** GNU coreutils escapes "\\" and newlines in names and marks such lines with a leading backslash. */
function unescapeGnuName(name: string): string {
  return name.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'))
}

/**
 * Parses BSD (`SHA256 (name) = hex`, `# name: N bytes`) and GNU (`hex  name`, `hex *name`)
 * checksum files, plain or PGP clear-signed (the signed body is parsed; nothing outside it).
 * Unrelated lines are skipped; lines that look like checksums but are cut or malformed are
 * errors, as are files with no usable entry and names listed twice with different hashes.
 */
export function parseChecksumFile(text: string): ChecksumFile {
  if (text.includes('\u0000')) throw parseError('the checksum file contains NUL bytes (binary data, not a checksum file)')
  let body = text
  let lineOffset = 0
  const clearSigned = text.includes(BEGIN_SIGNED)
  if (clearSigned) {
    const signed = clearSignedBody(text)
    body = signed.body
    lineOffset = signed.offset
  }
  const entries: ChecksumEntry[] = []
  const sizes = new Map<string, number>()
  let ignoredLines = 0
  let unsupported = 0
  const lines = body.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1 + lineOffset
    const line = lines[i].trim()
    if (line === '') continue
    const size = SIZE_LINE.exec(line)
    if (size) {
      sizes.set(size[1], Number(size[2]))
      continue
    }
    if (line.startsWith('#')) {
      ignoredLines++
      continue
    }
    const bsdStart = BSD_START.exec(line)
    if (bsdStart && bsdStart[1].toUpperCase() in BSD_ALGOS) {
      const m = BSD_LINE.exec(line)
      if (!m) throw parseError(`line ${lineNo}: incomplete ${bsdStart[1]} line: ${JSON.stringify(line.slice(0, 120))}`)
      const algorithm = BSD_ALGOS[m[1].toUpperCase()]
      if (algorithm === null) {
        unsupported++
        continue
      }
      if (m[2] === '') throw parseError(`line ${lineNo}: ${m[1]} line without a file name`)
      entries.push({ name: m[2], algorithm, hash: checkHex(m[3], algorithm, lineNo, m[1]), line: lineNo, style: 'bsd' })
      continue
    }
    const gnu = GNU_LINE.exec(line)
    if (gnu && (gnu[2].length === 64 || gnu[2].length === 128)) {
      const algorithm: HashAlgorithm = gnu[2].length === 64 ? 'sha256' : 'sha512'
      const name = gnu[1] ? unescapeGnuName(gnu[4]) : gnu[4]
      entries.push({ name, algorithm, hash: gnu[2].toLowerCase(), line: lineNo, style: 'gnu' })
      continue
    }
    if (gnu && GNU_OTHER_LENGTHS.has(gnu[2].length)) {
      unsupported++
      continue
    }
    // A long hex run that is no known digest length is a cut or corrupted entry, not prose.
    const first = line.split(/\s+/)[0]
    if (HEX_ONLY.test(first) && first.length >= 32) {
      throw parseError(
        gnu
          ? `line ${lineNo}: ${first.length}-digit hex digest is neither SHA-256 (64) nor SHA-512 (128)`
          : `line ${lineNo}: hex digest without a file name (truncated line?)`
      )
    }
    ignoredLines++
  }
  for (const e of entries) {
    const s = sizes.get(e.name)
    if (s !== undefined) e.size = s
  }
  if (entries.length === 0) {
    throw parseError(
      unsupported > 0
        ? 'the checksum file lists only algorithms other than SHA-256/SHA-512'
        : 'no SHA-256 or SHA-512 entries found: this is not a checksum file (or it is empty)'
    )
  }
  return { entries: dedupe(entries), clearSigned, ignoredLines }
}

function checkHex(hex: string, algorithm: HashAlgorithm, lineNo: number, label: string): string {
  if (!HEX_ONLY.test(hex)) throw parseError(`line ${lineNo}: ${label} value is not hexadecimal: ${JSON.stringify(hex.slice(0, 140))}`)
  if (hex.length !== HEX_LEN[algorithm]) {
    throw parseError(`line ${lineNo}: ${label} hash has ${hex.length} hex digits, expected ${HEX_LEN[algorithm]} (truncated?)`)
  }
  return hex.toLowerCase()
}

/** Identical repeats are harmless; the same name with two different hashes is refused. */
function dedupe(entries: ChecksumEntry[]): ChecksumEntry[] {
  const seen = new Map<string, ChecksumEntry>()
  const out: ChecksumEntry[] = []
  for (const e of entries) {
    const key = `${e.algorithm}\u0000${e.name}`
    const prev = seen.get(key)
    if (!prev) {
      seen.set(key, e)
      out.push(e)
      continue
    }
    if (prev.hash !== e.hash) {
      throw new AppError(
        'AmbiguousChecksumError',
        `"${e.name}" is listed twice with different ${e.algorithm.toUpperCase()} hashes (lines ${prev.line} and ${e.line})`,
        { stage: 'parse checksum file', hint: 'The checksum file is inconsistent; do not trust it. Get it from another mirror.' }
      )
    }
  }
  return out
}

/**
 * The entry for a file name: an exact match, else a unique match on the last path
 * component (some files list "iso/NAME" or "./NAME"). SHA-256 is preferred when both exist.
 */
export function findEntry(file: ChecksumFile, name: string, prefer: HashAlgorithm = 'sha256'): ChecksumEntry | undefined {
  const base = (n: string): string => n.replace(/^.*\//, '')
  let matches = file.entries.filter((e) => e.name === name)
  if (matches.length === 0) matches = file.entries.filter((e) => base(e.name) === base(name))
  if (matches.length === 0) return undefined
  const byAlgo = new Map<HashAlgorithm, ChecksumEntry[]>()
  for (const m of matches) byAlgo.set(m.algorithm, [...(byAlgo.get(m.algorithm) ?? []), m])
  for (const algorithm of [prefer, prefer === 'sha256' ? 'sha512' : 'sha256'] as HashAlgorithm[]) {
    const list = byAlgo.get(algorithm)
    if (!list) continue
    if (new Set(list.map((e) => e.hash)).size > 1) {
      throw new AppError('AmbiguousChecksumError', `several entries match "${name}" with different hashes: ${list.map((e) => e.name).join(', ')}`, {
        stage: 'parse checksum file'
      })
    }
    return list[0]
  }
  return undefined
}

/** A pasted digest: its algorithm follows from its length. */
export function parsePastedHash(text: string): { algorithm: HashAlgorithm; hash: string } {
  const hex = text.trim().replace(/^(sha256|sha512):/i, '')
  if (HEX_ONLY.test(hex) && hex.length === 64) return { algorithm: 'sha256', hash: hex.toLowerCase() }
  if (HEX_ONLY.test(hex) && hex.length === 128) return { algorithm: 'sha512', hash: hex.toLowerCase() }
  throw new AppError('InvalidHash', `"${text.slice(0, 140)}" is not a SHA-256 (64 hex digits) or SHA-512 (128 hex digits) digest`, {
    stage: 'read pasted hash'
  })
}
