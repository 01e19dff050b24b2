/**
 * A deadline that costs nothing when nothing waits for it. Its timer is set only if `waiting()`
 * still says so once this turn's promise jobs have all run: work that only reads /proc and /sys
 * (synchronous reads behind promises) has settled by then, work waiting for a program or a
 * D-Bus reply has not. Node's timers, set and cleared for nothing, were ~0.3 ms of a cold
 * `hsc inspect` (#15). The `ms` count from the end of this turn.
 */
export interface LazyDeadline {
  /** Settles with 'over' when the deadline passes; never settles once cancelled. */
  reached: Promise<'over'>
  cancel(): void
}

export function lazyDeadline(ms: number, waiting: () => boolean): LazyDeadline {
  let timer: NodeJS.Timeout | undefined
  let cancelled = false
  let reach!: (over: 'over') => void
  const reached = new Promise<'over'>((resolve) => {
    reach = resolve
  })
  // A tick queued from a promise job runs once V8 has run every job queued meanwhile (the whole
  // chain of synchronous reads). Queued from anywhere else it runs sooner: that only sets a
  // timer that was not needed.
  process.nextTick(() => {
    if (!cancelled && waiting()) timer = setTimeout(() => reach('over'), ms)
  })
  return {
    reached,
    cancel: () => {
      cancelled = true
      if (timer) clearTimeout(timer)
    }
  }
}
