import type { WriteJob, WriteStage, WriteTargetState } from './contract/drives'

/** The phases people see, in order; a write job's stages map onto them. */
export const PHASES = ['preparing', 'unmounting', 'writing', 'flushing', 'verifying', 'ejecting'] as const
export type Phase = (typeof PHASES)[number]

export const PHASE_LABEL: Record<Phase, string> = {
  preparing: 'Preparing',
  unmounting: 'Unmounting',
  writing: 'Writing',
  flushing: 'Flushing',
  verifying: 'Verifying',
  ejecting: 'Ejecting'
}

// "open" (the exclusive open after a polkit prompt) comes after the unmount: it is the
// last step of taking the drive over from the system, so it stays in that phase and the
// bar and the phase list never step back.
const PHASE_OF: Partial<Record<WriteStage, Phase>> = {
  queued: 'preparing',
  unmount: 'unmounting',
  open: 'unmounting',
  write: 'writing',
  sync: 'flushing',
  verify: 'verifying',
  eject: 'ejecting'
}

export const phaseOf = (stage: WriteStage): Phase | undefined => PHASE_OF[stage]

/**
 * Share of the whole job each phase takes. Writing and reading back dominate; the rest is
 * short but visible, so the bar moves from the first second and never restarts at 0 for
 * verification.
 */
function weights(verify: boolean): Record<Phase, number> {
  return verify
    ? { preparing: 0.01, unmounting: 0.01, writing: 0.5, flushing: 0.02, verifying: 0.45, ejecting: 0.01 }
    : { preparing: 0.01, unmounting: 0.01, writing: 0.94, flushing: 0.03, verifying: 0, ejecting: 0.01 }
}

/** 0..1 over the whole job for one drive. */
export function targetFraction(t: WriteTargetState, verify: boolean): number {
  if (t.stage === 'done') return 1
  const w = weights(verify)
  const phase = phaseOf(t.stage)
  if (!phase) return 0
  let before = 0
  for (const p of PHASES) {
    if (p === phase) break
    before += w[p]
  }
  const within =
    t.stage === 'write' || t.stage === 'verify' ? Math.min(1, Math.max(0, t.total > 0 ? t.bytes / t.total : t.percent / 100)) : t.stage === 'open' ? 0.5 : 0
  return before + w[phase] * within
}

export interface JobProgress {
  /** 0..100 over the whole job (all drives). */
  percent: number
  /** The phase of the least advanced running drive. */
  phase?: Phase
  /** Bytes per second of the phase that moves data. */
  speed: number
  /** Seconds until the whole job is done, when it can be told. */
  etaSeconds?: number
}

/** One number for the whole job: the average over the drives still in it. */
export function jobProgress(job: WriteJob): JobProgress {
  const live = job.targets.filter((t) => t.stage !== 'failed' && t.stage !== 'cancelled')
  const list = live.length ? live : job.targets
  const fraction = list.length ? list.reduce((s, t) => s + targetFraction(t, job.verify), 0) / list.length : 0
  const moving = live.filter((t) => t.stage !== 'done')
  const slowest = moving.reduce<WriteTargetState | undefined>(
    (a, t) => (!a || targetFraction(t, job.verify) < targetFraction(a, job.verify) ? t : a),
    undefined
  )
  const speed = slowest && (slowest.stage === 'write' || slowest.stage === 'verify') ? slowest.speed : 0
  let etaSeconds: number | undefined
  if (slowest && speed > 0) {
    const left = slowest.total - slowest.bytes
    // While writing, the read-back of the whole image is still ahead.
    const ahead = slowest.stage === 'write' && job.verify ? job.imageSize : 0
    etaSeconds = Math.max(0, (left + ahead) / speed)
  }
  return { percent: Math.round(fraction * 1000) / 10, phase: slowest ? phaseOf(slowest.stage) : undefined, speed, etaSeconds }
}
