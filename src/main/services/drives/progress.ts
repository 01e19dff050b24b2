import type { WriteJob } from '../../../shared/contract/drives'

const FINAL = ['done', 'failed', 'cancelled']

/**
 * One number for a taskbar progress bar: 0..1 over all drives, writing and (when on)
 * verifying each counting for its share; undefined once the job has ended.
 */
export function jobFraction(job: WriteJob): number | undefined {
  if (FINAL.includes(job.stage)) return undefined
  // A verify or backup job has one phase: its verify/read stage is the whole of it.
  if (job.kind === 'verify' || job.kind === 'backup') {
    const t = job.targets[0]
    return t && (t.stage === 'verify' || t.stage === 'read') && t.total > 0 ? Math.min(1, t.bytes / t.total) : 0
  }
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
  if (job.kind === 'verify' || job.kind === 'backup') {
    const what = job.kind === 'verify' ? 'Verifying the stick' : 'Backing up the stick'
    const done = job.kind === 'verify' ? 'Stick verified: it holds the image' : 'Stick backed up'
    return { title: ok ? done : `${what} ${job.stage === 'cancelled' ? 'cancelled' : 'failed'}`, body: job.message, ok }
  }
  const title = ok ? (job.verify ? 'USB drive written and verified' : 'USB drive written') : job.stage === 'cancelled' ? 'Writing cancelled' : 'Writing failed'
  return { title, body: job.message, ok }
}
