/**
 * Decides that a mirror went silent: no byte for `ms` while we were waiting for one.
 *
 * A plain timer is not enough on a busy machine. When the event loop was blocked (or the
 * process starved of CPU) for longer than `ms`, Node runs due timers before it reads the
 * sockets, so bytes already waiting in the kernel would be taken for silence. And time we
 * spend on our own work (hashing, writing) is not the mirror's. So a due timer only looks
 * again after the next round of I/O (setImmediate runs after the poll phase; the rule of
 * system/deadline.ts's answerTimer), and while we are busy it does not count at all.
 */
export interface StallWatch {
  /** Bytes arrived, or our own work is done: we wait on the mirror again, from now. */
  waiting(): void
  /** Our own work starts: the mirror is not waited on until the next `waiting`. */
  busy(): void
  stop(): void
}

export function stallWatch(ms: number, onStall: () => void): StallWatch {
  let seen = 0
  let busy = false
  let stopped = false
  const due = (): void => {
    if (busy || stopped) return
    const at = seen
    setImmediate(() => {
      // Bytes read in that poll phase called waiting(), which set the timer going again.
      if (!busy && !stopped && seen === at) onStall()
    })
  }
  const timer = setTimeout(due, ms)
  return {
    waiting: () => {
      seen++
      busy = false
      // Refreshing a timer that already ran sets it going again.
      timer.refresh()
    },
    busy: () => void (busy = true),
    stop: () => {
      stopped = true
      clearTimeout(timer)
    }
  }
}
