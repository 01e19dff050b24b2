/**
 * The CentOS Hyperscale SIG's package signing key. The armored key ships verbatim in
 * resources/keys/RPM-GPG-KEY-CentOS-SIG-HyperScale (provenance in resources/keys/README.md);
 * a test checks with real gpg that this fingerprint is the bundled file's.
 */
export const HYPERSCALE_KEY_FINGERPRINT = '9B04530E0ED6ABC4B2C358DD2A01FA2AEB3DAC40'

/** "9B04 530E 0ED6 ABC4 B2C3  58DD 2A01 FA2A EB3D AC40", as gpg prints it. */
export function formatFingerprint(fpr: string): string {
  const groups = fpr.toUpperCase().match(/.{1,4}/g) ?? []
  return `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}`.trim()
}

export interface KeyFileCheck {
  /** Primary-key fingerprints found in the file (upper-case hex). */
  fingerprints: string[]
  matches: boolean
  /** Why the file could not be read as keys, when it could not. */
  problem?: string
}

/** Reads every public key in an armored file; the file is untrusted input. */
export async function checkKeyFile(armored: string, expected = HYPERSCALE_KEY_FINGERPRINT): Promise<KeyFileCheck> {
  const pgp = await import('openpgp')
  try {
    const keys = await pgp.readKeys({ armoredKeys: armored })
    const fingerprints = keys.map((k) => k.getFingerprint().toUpperCase())
    return { fingerprints, matches: fingerprints.includes(expected.toUpperCase()) }
  } catch (err) {
    return { fingerprints: [], matches: false, problem: (err as Error).message }
  }
}
