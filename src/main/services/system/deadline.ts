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
  let timer: AnswerTimer | undefined
  let cancelled = false
  let reach!: (over: 'over') => void
  const reached = new Promise<'over'>((resolve) => {
    reach = resolve
  })
  // A tick queued from a promise job runs once V8 has run every job queued meanwhile (the whole
  // chain of synchronous reads). Queued from anywhere else it runs sooner: that only sets a
  // timer that was not needed.
  process.nextTick(() => {
    if (!cancelled && waiting()) timer = answerTimer(ms, () => reach('over'))
  })
  return {
    reached,
    cancel: () => {
      cancelled = true
      timer?.cancel()
    }
  }
}

/**
 * A timer for an answer another process owes us: a D-Bus reply, a bus or proxy handshake, a
 * program's result, a mirror's next bytes. A plain setTimeout misjudges a busy machine: when
 * the event loop was blocked or starved past the deadline, Node runs due timers before it
 * reads sockets and pipes, so an answer already waiting would lose to its own timeout.
 * `onExpire` runs after the next round of I/O instead (setImmediate runs after the poll
 * phase), unless the timer was cancelled, paused or restarted first.
 */
export interface AnswerTimer {
  /** Ends it for good. */
  cancel(): void
  /** The answer came, or our own work is done: the wait starts again from now. */
  restart(): void
  /** Our own work starts: no expiry until the next restart (a running timer only). */
  pause(): void
}

export function answerTimer(ms: number, onExpire: () => void, opts: { unref?: boolean } = {}): AnswerTimer {
  let later: NodeJS.Immediate | undefined
  let paused = false
  const dropLater = (): void => {
    if (later) clearImmediate(later)
    later = undefined
  }
  const timer = setTimeout(() => {
    if (paused) return
    later = setImmediate(onExpire)
    if (opts.unref) later.unref()
  }, ms)
  if (opts.unref) timer.unref()
  return {
    cancel: () => {
      clearTimeout(timer)
      dropLater()
    },
    restart: () => {
      paused = false
      dropLater()
      // Refreshing a timer that already ran sets it going again.
      timer.refresh()
    },
    pause: () => {
      paused = true
      dropLater()
    }
  }
}

/**
 * `p`, or `onTimeout()`'s error when it has not settled within `ms` (answerTimer's rules).
 * `unref`: the deadline alone does not keep the process alive.
 */
export function withAnswerTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error, opts: { unref?: boolean } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = answerTimer(ms, () => reject(onTimeout()), opts)
    p.then(resolve, reject).finally(() => timer.cancel())
  })
}
