import type { Check, CheckStatus } from '../../../../shared/contract'

const rank: Record<CheckStatus, number> = { ok: 0, unknown: 1, warn: 2, fail: 3 }

/** The most serious of several statuses ("unknown" ranks below warn: missing facts are not a problem found). */
export function worst(statuses: CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((a, b) => (rank[b] > rank[a] ? b : a), 'ok')
}

/** A check that could not run at all, so one broken reader never breaks the report. */
export function brokenCheck(id: string, group: Check['group'], title: string, err: unknown): Check {
  const message = err instanceof Error ? err.message : String(err)
  return { id, group, title, status: 'unknown', value: `check failed: ${message}`, evidence: [{ source: 'inspector', excerpt: message }] }
}

export const GiB = 1024 ** 3

/** The one byte formatter (CLI, views, reports say sizes the same way). */
export { formatBytes } from '../../../../shared/format'
