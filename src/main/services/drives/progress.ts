import type { WriteJob } from '../../../shared/contract/drives'

const FINAL = ['done', 'failed', 'cancelled']

/**
 * One number for a taskbar progress bar: 0..1 over all drives, writing and (when on)
 * verifying each counting for its share; undefined once the job has ended.
 */
export function jobFraction(job: WriteJob): number | undefined {
  if (FINAL.includes(job.stage)) return undefined
  const phases = job.verify ? 2 : 1
  const parts = job.targets.map((t) => {
    if (FINAL.includes(t.stage) || t.stage === 'eject') return 1
    const frac = t.total > 0 ? Math.min(1, t.bytes / t.total) : 0
    if (t.stage === 'write') return frac / phases
    if (t.stage === 'sync') return 1 / phases
    if (t.stage === 'verify') return (1 + frac) / phases
    return 0
  })
  return parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : 0
}

/** The line a desktop notification shows when a job ends. */
export function jobOutcome(job: WriteJob): { title: string; body: string; ok: boolean } {
  const ok = job.stage === 'done'
  const title = ok ? (job.verify ? 'USB drive written and verified' : 'USB drive written') : job.stage === 'cancelled' ? 'Writing cancelled' : 'Writing failed'
  return { title, body: job.message, ok }
}
