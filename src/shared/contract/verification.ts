/**
 * What a verification proved, one state per distinct fact, and the one label table every
 * surface uses (UI, CLI, JSON, notifications). Only the states in VERIFIED_STATES let an
 * image be written without an explicit override.
 */
export const VERIFICATION_STATES = [
  /** The hash matches a checksum file carrying a good signature by a trusted key. */
  'signed-by-trusted-key',
  /** The hash matches a hash the user gave, or one from compose metadata when no signature is expected. */
  'hash-matches-published',
  /** The hash matches an unsigned checksum file, and no signature is expected for it. */
  'checksum-unsigned',
  /** The hash matches, but a signature was expected (a trusted key exists) and the checksum is unsigned. */
  'signature-missing',
  /** The hash matches a checksum file signed by a key that is not trusted (or in a format that cannot be checked). */
  'signed-by-untrusted-key',
  /** The checksum file's signature is bad: it was altered or signed by someone else. */
  'bad-signature',
  /** The image's hash differs from the published one. */
  'mismatch',
  /** Nothing to compare with: no checksum was given, or it could not be fetched or did not list the image. */
  'not-checked'
] as const

export type VerificationState = (typeof VERIFICATION_STATES)[number]

export const VERIFIED_STATES: ReadonlySet<VerificationState> = new Set<VerificationState>([
  'signed-by-trusted-key',
  'hash-matches-published',
  'checksum-unsigned'
])

/** True only for states that count as verified (writer, `hsc verify` exit status, badges). */
export function isVerifiedState(state: string | undefined | null): boolean {
  return state !== undefined && state !== null && VERIFIED_STATES.has(state as VerificationState)
}

/** One wording per state, used verbatim everywhere. */
export const VERIFICATION_LABEL: Record<VerificationState, string> = {
  'signed-by-trusted-key': 'Verified: signed by a trusted key',
  'hash-matches-published': 'Verified: matches the published hash',
  'checksum-unsigned': 'Verified: matches an unsigned checksum file',
  'signature-missing': 'Not verified: signature missing',
  'signed-by-untrusted-key': 'Not verified: signed by an untrusted key',
  'bad-signature': 'Not verified: BAD SIGNATURE',
  mismatch: 'Not verified: HASH MISMATCH',
  'not-checked': 'Not checked'
}

/** The badge tone of each state. */
export const VERIFICATION_TONE: Record<VerificationState, 'ok' | 'warn' | 'fail' | 'unknown'> = {
  'signed-by-trusted-key': 'ok',
  'hash-matches-published': 'ok',
  'checksum-unsigned': 'ok',
  'signature-missing': 'warn',
  'signed-by-untrusted-key': 'warn',
  'bad-signature': 'fail',
  mismatch: 'fail',
  'not-checked': 'unknown'
}

/** Label for a state read from records or the network (unknown strings are not trusted). */
export function verificationLabel(state: string | undefined | null): string {
  return state && Object.hasOwn(VERIFICATION_LABEL, state) ? VERIFICATION_LABEL[state as VerificationState] : VERIFICATION_LABEL['not-checked']
}
