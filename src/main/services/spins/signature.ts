import type { Key } from 'openpgp'
import { AppError } from '../../../shared/contract/errors'
import type { SignatureInfo } from '../../../shared/contract/spins'
import { BEGIN_SIGNED } from './checksum-parse'

export interface SignatureCheck extends SignatureInfo {
  /** The text the signature covers (the whole text when unsigned). Parse only this. */
  signedText: string
}

export interface KeyLoad {
  keys: Key[]
  /** One line per armored block that could not be read. */
  problems: string[]
}

// openpgp is large; load it only when a signature is actually checked.
type OpenPgp = typeof import('openpgp')
let openpgpModule: Promise<OpenPgp> | undefined
function openpgp(): Promise<OpenPgp> {
  openpgpModule ??= import('openpgp')
  return openpgpModule
}

/** Reads armored public keys (each text may hold several); unreadable ones are reported, not fatal. */
export async function loadKeys(armored: readonly string[]): Promise<KeyLoad> {
  const pgp = await openpgp()
  const keys: Key[] = []
  const problems: string[] = []
  for (const [i, text] of armored.entries()) {
    try {
      keys.push(...(await pgp.readKeys({ armoredKeys: text })))
    } catch (err) {
      problems.push(`key ${i + 1} could not be read: ${(err as Error).message}`)
    }
  }
  return { keys, problems }
}

export function isClearSigned(text: string): boolean {
  return text.includes(BEGIN_SIGNED)
}

const hexId = (id: { toHex(): string }): string => id.toHex().toUpperCase()

/**
 * Checks a PGP clear-signed text against the given keys. 'unknown-key' means the signature
 * names no key we have: the hash can still be compared but the file is not authenticated.
 */
export async function checkClearSigned(text: string, keys: readonly Key[]): Promise<SignatureCheck> {
  if (!isClearSigned(text)) {
    return { status: 'unsigned', keyIds: [], message: 'the checksum file is not signed', signedText: text }
  }
  const pgp = await openpgp()
  let message: Awaited<ReturnType<OpenPgp['readCleartextMessage']>>
  try {
    message = await pgp.readCleartextMessage({ cleartextMessage: text })
  } catch (err) {
    throw new AppError('ChecksumParseError', `malformed PGP signed message: ${(err as Error).message}`, {
      stage: 'read signature',
      hint: 'The checksum file may be truncated; download it again.'
    })
  }
  const keyIds = message.getSigningKeyIDs().map(hexId)
  const signedText = message.getText()
  const matching = keys.filter((k) => k.getKeyIDs().some((id) => keyIds.includes(hexId(id))))
  if (matching.length === 0) {
    return {
      status: 'unknown-key',
      keyIds,
      message: `signed by key ${keyIds.join(', ') || '(none named)'}, which is not among the trusted keys: signature unavailable`,
      signedText
    }
  }
  const key = matching[0]
  const signer = key.getUserIDs()[0]
  const fingerprint = key.getFingerprint().toUpperCase()
  const result = await pgp.verify({ message, verificationKeys: matching, expectSigned: false })
  let created: string | undefined
  for (const sig of result.signatures) {
    if (!keyIds.includes(hexId(sig.keyID))) continue
    try {
      await sig.verified
      const packet = (await sig.signature).packets[0]
      created = packet?.created ? packet.created.toISOString() : undefined
      return { status: 'good', keyIds, fingerprint, signer, created, message: `good signature from ${signer ?? fingerprint}`, signedText }
    } catch (err) {
      return {
        status: 'bad',
        keyIds,
        fingerprint,
        signer,
        message: `BAD signature from ${signer ?? fingerprint}: ${(err as Error).message}`,
        signedText
      }
    }
  }
  return { status: 'bad', keyIds, fingerprint, signer, message: 'no signature could be checked with the matching key', signedText }
}
