import { createHash } from 'node:crypto'
import { AppError } from '../../../shared/contract/errors'
import { displayArgv } from '../../../shared/contract/argv'
import type { PlanStep } from '../../../shared/contract/terminal'

/** A step as the runner gets it: its argv, and the file content a root helper reads on stdin. */
type DigestStep = PlanStep & { stdin?: string }

/**
 * SHA-256 over what would run as root: every step's argv and any file content it carries.
 * Titles, notes and explanations are left out, so only a change in what runs changes it.
 */
export function planDigest(steps: readonly DigestStep[]): string {
  const canonical = steps.map((s) => ({ argv: s.argv, stdin: s.stdin ?? null }))
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex')
}

/** Refuses to run a plan that is not the one the user confirmed (the system changed in between). */
export function assertConfirmed(steps: readonly DigestStep[], digest: string, confirmed: string): void {
  if (digest === confirmed) return
  throw new AppError('PlanChanged', 'The commands changed after you confirmed them, so nothing was run.', {
    stage: 'confirm',
    hint: 'Something changed the system in between (for example a .repo file was edited or a package was installed). Review the new commands and confirm again.',
    detail: `confirmed plan ${confirmed.slice(0, 12)}, current plan ${digest.slice(0, 12)}:\n${steps.map((s) => `$ ${displayArgv(s.argv)}`).join('\n')}`
  })
}
