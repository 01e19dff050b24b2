import { readdir } from 'node:fs/promises'
import { openRegular, readRegular } from '../system/safe-file'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { HashAlgorithm, SignatureInfo, VerificationState, VerifyResult } from '../../../shared/contract/spins'
import { findEntry, parseChecksumFile, parsePastedHash } from './checksum-parse'
import type { FetchLike } from './download'
import { hashFile, type HashOptions } from './hash'
import { fetchText } from './http'
import { checkClearSigned, loadKeys } from './signature'

export type ChecksumInput =
  | { kind: 'path'; path: string }
  | { kind: 'url'; urls: string[] }
  | { kind: 'text'; text: string; source: string }
  /**
   * A digest; `source` names where it came from (default: pasted by the user). `origin`
   * 'metadata' is an unsigned catalogue hash (images.json), held to signatureExpected.
   */
  | { kind: 'hash'; hash: string; source?: string; origin?: 'user' | 'metadata' }

export interface VerifyOptions {
  file: string
  checksum?: ChecksumInput
  /** Name to look up in the checksum file (default: the file's base name). */
  entryName?: string
  /** A digest computed already (while downloading): no second pass over the file. */
  actual?: { algorithm: HashAlgorithm; hash: string }
  /** Armored public keys trusted for signed checksum files. */
  keys: readonly string[]
  /**
   * A signature is expected (a trusted key exists for the source, or the catalogue saw a
   * signed checksum file): an unsigned checksum then does not count as verified.
   */
  signatureExpected?: boolean
  fetch?: FetchLike
  hash?: HashOptions
}

const MAX_CHECKSUM_FILE = 1024 * 1024

/** How a checksum argument from a person reads: URL, pasted digest, or a file path. */
export function classifyChecksumArg(arg: string): ChecksumInput {
  const t = arg.trim()
  if (/^https?:\/\//i.test(t)) return { kind: 'url', urls: [t] }
  if (/^(sha256:|sha512:)?([0-9a-f]{64}|[0-9a-f]{128})$/i.test(t)) return { kind: 'hash', hash: t }
  return { kind: 'path', path: arg }
}

/**
 * The verdict from the signature and the hash comparison; a bad signature outranks
 * everything. `from` says what the hash was compared with: a checksum file, a hash the user
 * gave, or unsigned catalogue metadata.
 */
export function decideState(
  signature: SignatureInfo['status'],
  matches: boolean | undefined,
  from: 'file' | 'user' | 'metadata' = 'file',
  signatureExpected = false
): VerificationState {
  if (signature === 'bad') return 'bad-signature'
  if (matches === undefined) return 'not-checked'
  if (!matches) return 'mismatch'
  if (signature === 'good') return 'signed-by-trusted-key'
  if (signature === 'unknown-key' || signature === 'unsupported') return 'signed-by-untrusted-key'
  if (from === 'user') return 'hash-matches-published'
  if (signatureExpected) return 'signature-missing'
  return from === 'metadata' ? 'hash-matches-published' : 'checksum-unsigned'
}

async function readChecksumText(input: Exclude<ChecksumInput, { kind: 'hash' }>, fetch?: FetchLike): Promise<{ text: string; source: string }> {
  if (input.kind === 'text') return { text: input.text, source: input.source }
  if (input.kind === 'url') {
    if (!fetch) throw new AppError('NoNetwork', 'no HTTP client to fetch the checksum file', { stage: 'fetch checksum file' })
    const res = await fetchText(fetch, input.urls, { maxBytes: MAX_CHECKSUM_FILE }).catch((err: Error) => {
      throw new AppError('FetchFailed', `could not fetch the checksum file: ${err.message}`, {
        stage: 'fetch checksum file',
        hint: 'Check the URL and the network connection, or give the checksum file as a local file, or the SHA-256 itself.'
      })
    })
    return { text: res.text, source: res.url }
  }
  try {
    return { text: (await readRegular(input.path, { maxBytes: MAX_CHECKSUM_FILE, label: 'it' })).toString('utf8'), source: input.path }
  } catch (err) {
    throw new AppError('ChecksumReadError', `cannot read checksum file ${input.path}: ${(err as Error).message}`, { stage: 'read checksum file' })
  }
}

async function ensureReadableFile(file: string): Promise<number> {
  try {
    const { fh, stats } = await openRegular(file, { label: 'it' })
    await fh.close()
    return stats.size
  } catch (err) {
    throw new AppError('FileNotReadable', `cannot read ${file}: ${(err as Error).message}`, { stage: 'open image' })
  }
}

const UNSIGNED: SignatureInfo = { status: 'unsigned', keyIds: [], message: 'no signature' }

/**
 * Verifies an image against a checksum file (path or URL, plain or clear-signed), a pasted
 * digest, or nothing (then it only reports the digest). Parse problems are errors; a
 * mismatch or a bad signature is a result, not an error.
 */
export async function verifyImage(opts: VerifyOptions): Promise<VerifyResult> {
  const size = await ensureReadableFile(opts.file)
  const entryName = opts.entryName ?? path.basename(opts.file)
  const warnings: string[] = []
  const digest = async (algorithm: HashAlgorithm): Promise<string> =>
    opts.actual && opts.actual.algorithm === algorithm ? opts.actual.hash : hashFile(opts.file, algorithm, opts.hash)

  if (!opts.checksum) {
    const algorithm = opts.actual?.algorithm ?? 'sha256'
    const actual = await digest(algorithm)
    return {
      state: 'not-checked',
      file: opts.file,
      algorithm,
      actual,
      signature: UNSIGNED,
      message: `not verified: no checksum was given (${algorithm.toUpperCase()} ${actual})`,
      warnings: ['Give a checksum file, URL or hash to verify the image.']
    }
  }

  if (opts.checksum.kind === 'hash') {
    const expected = parsePastedHash(opts.checksum.hash)
    const actual = await digest(expected.algorithm)
    const state = decideState('unsigned', actual === expected.hash, opts.checksum.origin ?? 'user', opts.signatureExpected)
    const from = opts.checksum.source ?? 'pasted'
    warnings.push(
      opts.checksum.source
        ? `The hash comes from ${from}, which is not signed: it proves integrity, not origin.`
        : 'The hash was pasted: it is only as trustworthy as the place it was copied from.'
    )
    return {
      state,
      file: opts.file,
      algorithm: expected.algorithm,
      actual,
      expected: expected.hash,
      checksumSource: from,
      signature: UNSIGNED,
      message:
        state === 'mismatch'
          ? `HASH MISMATCH: ${expected.algorithm.toUpperCase()} differs from the ${from === 'pasted' ? 'pasted hash' : `hash in ${from}`}`
          : state === 'signature-missing'
            ? `${expected.algorithm.toUpperCase()} matches the hash in ${from}, but that hash is not signed and a signature is expected (a trusted key exists)`
            : `${expected.algorithm.toUpperCase()} matches the ${from === 'pasted' ? 'pasted hash' : `hash in ${from}`}`,
      warnings
    }
  }

  const { text, source } = await readChecksumText(opts.checksum, opts.fetch)
  const keyLoad = await loadKeys(opts.keys)
  warnings.push(...keyLoad.problems)
  const sig = await checkClearSigned(text, keyLoad.keys)
  const parsed = parseChecksumFile(sig.status === 'unsigned' ? text : sig.signedText)
  const entry = findEntry(parsed, entryName)
  if (!entry) {
    const listed = parsed.entries.map((e) => e.name)
    throw new AppError(
      'NotInChecksumFile',
      `"${entryName}" is not listed in ${source} (it lists ${listed.slice(0, 6).join(', ')}${listed.length > 6 ? ', …' : ''})`,
      { stage: 'find checksum entry', hint: 'Use the checksum file that belongs to this image, or pass the expected hash.' }
    )
  }
  const actual = await digest(entry.algorithm)
  const matches = actual === entry.hash
  const state = decideState(sig.status, matches, 'file', opts.signatureExpected)
  const signature: SignatureInfo = {
    status: sig.status,
    keyIds: sig.keyIds,
    message: sig.message,
    ...(sig.fingerprint ? { fingerprint: sig.fingerprint } : {}),
    ...(sig.signer ? { signer: sig.signer } : {}),
    ...(sig.created ? { created: sig.created } : {})
  }
  if (sig.status === 'unknown-key') warnings.push(`Signature unavailable: ${sig.message}. Import the signing key in Settings to check it.`)
  if (sig.status === 'unsupported') warnings.push(`Signature unavailable: ${sig.message}.`)
  if (sig.status === 'unsigned' && state === 'signature-missing')
    warnings.push('The checksum file is not signed, but a trusted key exists: an unsigned checksum does not count as verified.')
  else if (sig.status === 'unsigned') warnings.push('The checksum file is not signed, so it proves integrity, not origin.')
  if (entry.size !== undefined && entry.size !== size) warnings.push(`The checksum file states ${entry.size} bytes; the file has ${size}.`)
  const algo = entry.algorithm.toUpperCase()
  const message =
    state === 'bad-signature'
      ? `BAD SIGNATURE on ${source}: the checksum file was altered or signed by someone else`
      : state === 'mismatch'
        ? `HASH MISMATCH: ${algo} of the file differs from ${source}`
        : state === 'signed-by-trusted-key'
          ? `${algo} matches and the checksum file carries a good signature (${sig.signer ?? sig.fingerprint})`
          : state === 'signed-by-untrusted-key'
            ? `${algo} matches ${source}, but it is signed by a key that is not trusted`
            : state === 'signature-missing'
              ? `${algo} matches ${source}, but that file is not signed and a signature is expected`
              : `${algo} matches ${source} (an unsigned checksum file)`
  return {
    state,
    file: opts.file,
    algorithm: entry.algorithm,
    actual,
    expected: entry.hash,
    checksumSource: source,
    entryName: entry.name,
    ...(entry.size !== undefined ? { expectedSize: entry.size } : {}),
    signature,
    message,
    warnings
  }
}

/** Armored keys shipped in a directory (resources/keys): *.asc, *.gpg, *.pub and RPM-GPG-KEY-* files. */
export async function readKeyDir(dir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const keys: string[] = []
  for (const n of names.sort()) {
    if (!/\.(asc|gpg|pub)$|^RPM-GPG-KEY-/i.test(n)) continue
    const text = await readRegular(path.join(dir, n), { maxBytes: MAX_CHECKSUM_FILE }).then(
      (b) => b.toString('utf8'),
      () => ''
    )
    if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) keys.push(text)
  }
  return keys
}
