/**
 * One word and one colour per state, for every view, the CLI and the reports. A view that
 * shows a state looks it up here instead of spelling it, so "Attention" never becomes
 * "Needs action" somewhere else, and a hash that matched is never painted as a warning.
 */
import type { CheckStatus } from './contract/inspect'
import { VERIFICATION_LABEL, VERIFICATION_STATES, VERIFICATION_TONE, type VerificationState } from './contract/verification'

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

/**
 * Image verification (downloads, local files, the writer): the words and tones of
 * contract/verification.ts, the single table issue #10 defined. "local": a hash the user
 * gave, checked while writing.
 */
export const VERIFICATION_TERMS: Record<VerificationState | 'local', Term> = {
  ...(Object.fromEntries(VERIFICATION_STATES.map((st) => [st, { word: VERIFICATION_LABEL[st], tone: VERIFICATION_TONE[st] }])) as Record<
    VerificationState,
    Term
  >),
  local: { word: 'SHA-256 given: checked while writing', tone: 'unknown' }
}

export const termOf = <K extends string>(table: Record<K, Term>, key: string): Term => (table as Record<string, Term>)[key] ?? { word: key, tone: 'unknown' }
