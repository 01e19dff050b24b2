import { answerTimer } from '../system/deadline'

/**
 * Decides that a mirror went silent: no byte for `ms` while we were waiting for one. It is an
 * answerTimer (system/deadline.ts): bytes already waiting in the kernel when a busy or starved
 * event loop resumes are not silence. And time we spend on our own work (hashing, writing) is
 * not the mirror's, so while we are busy it does not count at all.
 */
export interface StallWatch {
  /** Bytes arrived, or our own work is done: we wait on the mirror again, from now. */
  waiting(): void
  /** Our own work starts: the mirror is not waited on until the next `waiting`. */
  busy(): void
  stop(): void
}

export function stallWatch(ms: number, onStall: () => void): StallWatch {
  const timer = answerTimer(ms, onStall)
  return { waiting: () => timer.restart(), busy: () => timer.pause(), stop: () => timer.cancel() }
}
