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
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase()

export interface RawSignatureFacts {
  version: number
  keyId?: string
  created?: string
}

/**
 * Issuer and time of a signature packet body that openpgp.js could not parse: it reads
 * v4+ only, while older checksum files (CentOS 7, GnuPG 1) carry v3 signatures.
 */
export function rawSignatureFacts(body: Uint8Array): RawSignatureFacts {
  const version = body[0]
  if (version === 3 && body.length >= 17 && body[1] === 5) {
    const time = new DataView(body.buffer, body.byteOffset + 3, 4).getUint32(0)
    return { version, keyId: hex(body.subarray(7, 15)), created: new Date(time * 1000).toISOString() }
  }
  if (version === 4 && body.length >= 6) {
    const facts: RawSignatureFacts = { version }
    let i = 4
    for (let area = 0; area < 2 && i + 2 <= body.length; area++) {
      const len = (body[i] << 8) | body[i + 1]
      const end = Math.min(body.length, i + 2 + len)
      let j = i + 2
      while (j < end) {
        let n = body[j]
        let head = 1
        if (n >= 192 && n < 255) {
          n = ((n - 192) << 8) + body[j + 1] + 192
          head = 2
        } else if (n === 255) {
          n = new DataView(body.buffer, body.byteOffset + j + 1, 4).getUint32(0)
          head = 5
        }
        const type = body[j + head] & 0x7f
        const data = body.subarray(j + head + 1, j + head + n)
        if (type === 16 && data.length === 8) facts.keyId ??= hex(data)
        if (type === 33 && data.length === 21) facts.keyId ??= hex(data.subarray(13))
        if (type === 2 && data.length === 4) facts.created ??= new Date(new DataView(data.buffer, data.byteOffset, 4).getUint32(0) * 1000).toISOString()
        j += head + n
      }
      i = end
    }
    return facts
  }
  return { version }
}

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
  // Packets openpgp.js cannot parse (v3) keep their raw body: read the issuer ourselves.
  type SigPacket = { issuerKeyID?: { toHex(): string }; rawContent?: Uint8Array }
  // `signature` is public on CleartextMessage at runtime but missing from its typings.
  const packets = [...((message as unknown as { signature?: { packets?: Iterable<SigPacket> } }).signature?.packets ?? [])]
  const raw = packets.map((p) => (p.issuerKeyID ? undefined : p.rawContent ? rawSignatureFacts(p.rawContent) : undefined))
  const keyIds = packets.map((p, i) => (p.issuerKeyID ? hexId(p.issuerKeyID) : raw[i]?.keyId)).filter((id): id is string => Boolean(id))
  const signedText = message.getText()
  const matching = keys.filter((k) => k.getKeyIDs().some((id) => keyIds.includes(hexId(id))))
  const rawCreated = raw.find((r) => r?.created)?.created
  if (matching.length === 0) {
    return {
      status: 'unknown-key',
      keyIds,
      ...(rawCreated ? { created: rawCreated } : {}),
      message: `signed by key ${keyIds.join(', ') || '(none named)'}, which is not among the trusted keys: signature unavailable`,
      signedText
    }
  }
  if (raw.some((r) => r !== undefined) && packets.every((p) => !p.issuerKeyID)) {
    const version = raw.find((r) => r)?.version
    return {
      status: 'unsupported',
      keyIds,
      ...(rawCreated ? { created: rawCreated } : {}),
      message: `version ${version} signature by ${keyIds.join(', ')} cannot be checked (only OpenPGP v4+ signatures are supported): signature unavailable`,
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
