/**
 * One word and one colour per state, for every view, the CLI and the reports. A view that
 * shows a state looks it up here instead of spelling it, so "Attention" never becomes
 * "Needs action" somewhere else, and a hash that matched is never painted as a warning.
 */
import type { CheckStatus } from './contract/inspect'
import type { VerificationState } from './contract/spins'

export type Tone = 'ok' | 'warn' | 'fail' | 'unknown'

export interface Term {
  word: string
  tone: Tone
}

/** Inspector checks. */
export const CHECK_TERMS: Record<CheckStatus, Term> = {
  ok: { word: 'OK', tone: 'ok' },
  warn: { word: 'Attention', tone: 'warn' },
  fail: { word: 'Missing', tone: 'fail' },
  unknown: { word: 'Unknown', tone: 'unknown' }
}

/** Image verification (downloads, local files, the writer). "local": a hash the user gave, checked while writing. */
export const VERIFICATION_TERMS: Record<VerificationState | 'local', Term> = {
  'verified-signed': { word: 'Verified and signed', tone: 'ok' },
  // The hash matched: that is a success; the missing signature is said in the details.
  'verified-unsigned': { word: 'Verified (checksum)', tone: 'ok' },
  local: { word: 'SHA-256 given: checked while writing', tone: 'unknown' },
  'hash-mismatch': { word: 'Hash mismatch', tone: 'fail' },
  'bad-signature': { word: 'Bad signature', tone: 'fail' },
  unverified: { word: 'Not verified', tone: 'warn' }
}

export const termOf = <K extends string>(table: Record<K, Term>, key: string): Term =>
  (table as Record<string, Term>)[key] ?? { word: key, tone: 'unknown' }
