import type { Check, CheckStatus, InspectReport } from './contract/inspect'
import type { Tone } from './vocabulary'

/**
 * Checks whose warning is a fact about the machine that nothing in this app (or a setting)
 * changes: "this is not CentOS" is worth knowing, not a task.
 */
const INFORMATIONAL = new Set(['os.release'])

/** True when a check asks the user to do something: a warning or failure with a remedy. */
export function needsAction(c: Check): boolean {
  if (c.status !== 'warn' && c.status !== 'fail') return false
  if (c.notApplicable || !c.remedy) return false
  if (INFORMATIONAL.has(c.id) || c.details?.actionable === false) return false
  return true
}

/** The first sentence of a remedy: the one line the "What to fix" list shows. */
export function firstSentence(text: string): string {
  const m = /^(.+?[.!?])(\s|$)/s.exec(text.trim())
  return (m ? m[1] : text.trim()).replace(/\s+/g, ' ')
}

/** The checks to act on, failures first, in report order otherwise. */
export function toFix(report: InspectReport): Check[] {
  const rank: Record<CheckStatus, number> = { fail: 0, warn: 1, unknown: 2, ok: 3 }
  return report.checks.filter(needsAction).sort((a, b) => rank[a.status] - rank[b.status])
}

/** Counts per status; they always add up to the number of checks. */
export function countByStatus(checks: readonly Check[]): Record<CheckStatus, number> {
  const out: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, unknown: 0 }
  for (const c of checks) out[c.status]++
  return out
}

/**
 * Some checks are "ok" because something could be read, not because its value is good
 * (psi.pressure: the files are readable; 96% CPU pressure is still bad). They get their
 * own badge word and a tone for the value itself.
 */
export const OK_MEANS: Record<string, string> = { 'psi.pressure': 'PSI readable' }

/** Tone of a pressure level (avg10 %), as systemd-oomd's defaults see it (60% memory pressure acts). */
export function pressureTone(percent: number): Tone {
  if (percent >= 40) return 'fail'
  if (percent >= 10) return 'warn'
  return 'ok'
}

/** The worst avg10 in a psi.pressure check's details, if any. */
export function worstPressure(c: Check): { resource: string; avg10: number } | undefined {
  const p = c.details?.pressure
  if (!p || typeof p !== 'object') return undefined
  let worst: { resource: string; avg10: number } | undefined
  for (const [resource, v] of Object.entries(p as Record<string, unknown>)) {
    const some = (v as { some?: { avg10?: unknown } } | null)?.some?.avg10
    if (typeof some === 'number' && (!worst || some > worst.avg10)) worst = { resource, avg10: some }
  }
  return worst
}

/** The tone a check's value is shown in: its status, except where the value has its own scale. */
export function valueTone(c: Check): Tone | undefined {
  if (c.id === 'psi.pressure' && c.status === 'ok') {
    const w = worstPressure(c)
    return w ? pressureTone(w.avg10) : undefined
  }
  return undefined
}
