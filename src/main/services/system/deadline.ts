/**
 * A deadline that costs nothing when nothing waits for it. Its clock is V8's own: an
 * Atomics.waitAsync on a cell of its own, which V8 times out through a platform task. No Node
 * timer or tick is set, so a cold `hsc inspect`, whose checks read /proc and /sys and settle
 * at once, loads none of Node's timer and tick machinery (setting and clearing a timer was
 * ~0.3 ms, queueing a tick ~1.4 % of its instructions, #15).
 *
 * Node does not count V8's timed tasks as pending work, so the deadline never keeps the
 * process alive: something else must (a program running, a D-Bus socket), and then it passes
 * after `ms` like a timer. When nothing else is left (what a check awaits can no longer
 * answer), the process would end with the report unwritten; the deadline passes then instead.
 */
export interface LazyDeadline {
  /** Settles with 'over' when the deadline passes; never settles once cancelled. */
  reached: Promise<'over'>
  /** Passed because nothing left could answer (the event loop ran dry), not because `ms` went by. */
  readonly stalled: boolean
  cancel(): void
}

/** What passes each pending deadline (not yet passed or cancelled) when the event loop runs dry. */
const passOnDryLoop = new Set<() => void>()
let watchingDryLoop = false

export function lazyDeadline(ms: number): LazyDeadline {
  const cell = new Int32Array(new SharedArrayBuffer(4))
  let reach!: (over: 'over') => void
  const reached = new Promise<'over'>((resolve) => {
    reach = resolve
  })
  let stalled = false
  const pass = (): void => {
    if (passOnDryLoop.delete(onDryLoop)) reach('over')
  }
  const onDryLoop = (): void => {
    stalled = true
    pass()
  }
  if (!watchingDryLoop) {
    watchingDryLoop = true
    process.on('beforeExit', () => [...passOnDryLoop].forEach((p) => p()))
  }
  passOnDryLoop.add(onDryLoop)
  const wait = Atomics.waitAsync(cell, 0, 0, Math.max(0, ms))
  // Timed out, it passes after the next round of I/O: an answer already waiting there wins (answerTimer).
  const expire = (): void => void setImmediate(pass)
  if (wait.async) void wait.value.then((outcome) => outcome === 'timed-out' && expire())
  else expire()
  return {
    reached,
    get stalled() {
      return stalled
    },
    cancel: () => {
      if (passOnDryLoop.delete(onDryLoop)) Atomics.notify(cell, 0)
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
