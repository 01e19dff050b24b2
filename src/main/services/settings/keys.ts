import type { TrustedKey } from '../../../shared/contract'
import { AppError } from '../../../shared/contract/errors'

/** openpgp is large: load it only when keys are actually looked at. */
const openpgp = () => import('openpgp')

async function describe(armored: string, source: TrustedKey['source']): Promise<TrustedKey> {
  const { readKey } = await openpgp()
  const key = await readKey({ armoredKey: armored })
  if (key.isPrivate())
    throw new AppError('ValidationError', 'this is a PRIVATE key: only public keys are imported', {
      hint: 'Export the public part (gpg --armor --export KEYID) and paste that.'
    })
  const info = key.getAlgorithmInfo()
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: key.getKeyID().toHex().toUpperCase(),
    userIds: key.getUserIDs(),
    created: key.getCreationTime().toISOString(),
    algorithm:
      'bits' in info && info.bits ? `${info.algorithm} ${info.bits}` : 'curve' in info && info.curve ? `${info.algorithm} ${info.curve}` : info.algorithm,
    source
  }
}

/** Parses one armored public key; a clear error for anything else. */
export async function parsePublicKey(armored: string): Promise<TrustedKey> {
  const text = armored.trim()
  if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----') && !text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
    throw new AppError('ValidationError', 'not an armored PGP public key (it must start with -----BEGIN PGP PUBLIC KEY BLOCK-----)', {
      stage: 'read key',
      hint: 'Paste the key as exported by gpg --armor --export, or the RPM-GPG-KEY file.'
    })
  }
  try {
    return await describe(text, 'imported')
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('ValidationError', `the key could not be read: ${(err as Error).message}`, { stage: 'read key' })
  }
}

/** Describes stored keys; unreadable ones are skipped (they never verify anything anyway). */
export async function describeKeys(armored: readonly string[], source: TrustedKey['source']): Promise<TrustedKey[]> {
  const out: TrustedKey[] = []
  for (const a of armored) {
    try {
      out.push(await describe(a, source))
    } catch {
      // An unreadable bundled/imported key is reported by its absence.
    }
  }
  return out
}
