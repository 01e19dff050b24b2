import { eventNames, type CallResult, type EventName } from '../../shared/contract'
import type { BackendMessage, BackendRequest } from '../../shared/backend-protocol'
import type { Router } from '../router'
import { EventHub } from '../services/system/events'
import { answerTimer } from '../services/system/deadline'

/** One running service process, however it was started (Electron utilityProcess, Node fork). */
export interface BackendProcess {
  readonly pid?: number
  post(msg: BackendRequest): void
  onMessage(listener: (msg: BackendMessage) => void): void
  onExit(listener: (code: number | null, signal?: string) => void): void
  kill(): void
}

export interface BackendConnection {
  /** Calls the services in the backend; never throws (a stopped backend is an error result). */
  readonly router: Router
  /** Events from the backend, for this shell's clients (window, desktop integration). */
  readonly hub: EventHub
  readonly pid: number | undefined
  /** Resolves when a backend is up and answering. */
  ready(): Promise<void>
  /** Stops the backend for good (app quit): no restart. */
  close(): Promise<void>
}

export interface ConnectOptions {
  /** Wait before a restart after a crash (doubles up to 10 s while it keeps crashing). */
  restartDelayMs?: number
  /** How long a call waits for a backend that is (re)starting. */
  startTimeoutMs?: number
}

const stoppedError = (detail: string): CallResult<never> => ({
  ok: false,
  error: {
    name: 'BackendStopped',
    message: "The app's background service stopped while this was running. It has been restarted.",
    stage: detail,
    hint: 'Try again. If a drive was being written, it will not boot until it is written again.'
  }
})

/**
 * The shell's side of the service process: forwards calls and subscriptions, fans its events
 * out on a local hub, and restarts it when it dies. Calls in flight when it dies end with a
 * BackendStopped error; calls made while it restarts wait for it.
 */
export function connectBackend(spawn: () => BackendProcess, opts: ConnectOptions = {}): BackendConnection {
  const hub = new EventHub()
  const pending = new Map<number, (r: CallResult<unknown>) => void>()
  const subscribed = new Set<EventName>()
  let nextId = 1
  let proc: BackendProcess | undefined
  let closing = false
  let crashes = 0
  let readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = []
  let isReady = false

  const start = (): void => {
    isReady = false
    const p = spawn()
    proc = p
    p.onMessage((msg) => {
      if (p !== proc) return
      if (msg.t === 'ready') {
        isReady = true
        for (const e of subscribed) p.post({ t: 'sub', event: e, on: true })
        readyWaiters.splice(0).forEach((w) => w.resolve())
        if (crashes > 0)
          hub.emit('app.backend', { state: 'restarted', message: "The app's background service was restarted. Interrupted writes are listed under Write." })
      } else if (msg.t === 'result') {
        pending.get(msg.id)?.(msg.result)
        pending.delete(msg.id)
      } else if (msg.t === 'event') {
        hub.emit(msg.event as EventName, msg.payload as never)
      }
    })
    p.onExit((code, signal) => {
      if (p !== proc) return
      proc = undefined
      isReady = false
      const detail = signal ? `signal ${signal}` : `exit code ${code}`
      for (const [id, resolve] of pending) {
        resolve(stoppedError(detail))
        pending.delete(id)
      }
      if (closing) {
        readyWaiters.splice(0).forEach((w) => w.reject(new Error('the app is quitting')))
        return
      }
      crashes++
      hub.emit('app.backend', { state: 'stopped', message: "The app's background service stopped unexpectedly; restarting it.", detail })
      const delay = Math.min(10_000, (opts.restartDelayMs ?? 200) * 2 ** Math.min(crashes - 1, 6))
      setTimeout(() => !closing && start(), delay).unref?.()
    })
  }

  const ready = (): Promise<void> =>
    isReady
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const w = { resolve, reject }
          readyWaiters.push(w)
          answerTimer(
            opts.startTimeoutMs ?? 30_000,
            () => {
              readyWaiters = readyWaiters.filter((x) => x !== w)
              reject(new Error(`the background service did not start within ${Math.round((opts.startTimeoutMs ?? 30_000) / 1000)} s`))
            },
            { unref: true }
          )
        })

  // A producer per event: the backend is asked to send an event only while someone here listens.
  for (const e of eventNames) {
    if (e === 'app.backend') continue
    hub.produce(e, () => {
      subscribed.add(e)
      if (isReady) proc?.post({ t: 'sub', event: e, on: true })
      return () => {
        subscribed.delete(e)
        if (isReady) proc?.post({ t: 'sub', event: e, on: false })
      }
    })
  }

  const router: Router = {
    async call(method: unknown, input: unknown): Promise<CallResult<never>> {
      try {
        await ready()
      } catch (err) {
        return {
          ok: false,
          error: {
            name: 'BackendUnavailable',
            message: "The app's background service is not running.",
            stage: (err as Error).message,
            hint: 'Restart the app.'
          }
        } as CallResult<never>
      }
      const p = proc as BackendProcess
      const id = nextId++
      return new Promise((resolve) => {
        pending.set(id, resolve as (r: CallResult<unknown>) => void)
        // Only what structured clone / JSON carry crosses: the router on the other side validates.
        p.post({ t: 'call', id, method: typeof method === 'string' ? method : String(method), input })
      })
    }
  } as Router

  start()
  return {
    router,
    hub,
    get pid() {
      return proc?.pid
    },
    ready,
    async close() {
      closing = true
      const p = proc
      if (!p) return
      await new Promise<void>((resolve) => {
        p.onExit(() => resolve())
        p.kill()
      })
    }
  }
}
