import { Message, MessageType, type MessageBus } from 'dbus-next'
import { AppError } from '../../../shared/contract/errors'
import { dbusErrorName, mapSystemdError } from './errors'
import { answerTimer, type AnswerTimer } from '../system/deadline'

const MANAGER_IFACE = 'org.freedesktop.systemd1.Manager'
const SYSTEMD_PATH = '/org/freedesktop/systemd1'
const MATCH_RULE = `type='signal',sender='org.freedesktop.systemd1',interface='${MANAGER_IFACE}',member='JobRemoved',path='${SYSTEMD_PATH}'`
/** JobRemoved signals of other clients' jobs are kept only this long a list. */
const MAX_REMEMBERED = 512

/** The payload of Manager.JobRemoved(u id, o job, s unit, s result). */
export interface JobResult {
  id: number
  job: string
  unit: string
  /** done, canceled, timeout, failed, dependency, skipped. */
  result: string
}

type Waiter = { resolve: (r: JobResult) => void; reject: (e: unknown) => void; timer: AnswerTimer }

/**
 * Collects JobRemoved signals from the moment `ready()` resolves, so a job that finishes
 * before its StartUnit reply is read is still found.
 */
export class JobWatcher {
  private readonly seen = new Map<string, JobResult>()
  private readonly waiters = new Map<string, Waiter>()
  private setup?: Promise<void>
  private readonly onMessage = (msg: Message): void => {
    if (msg.type !== MessageType.SIGNAL || msg.interface !== MANAGER_IFACE || msg.member !== 'JobRemoved') return
    const [id, job, unit, result] = msg.body as [number, string, string, string]
    const r: JobResult = { id: Number(id), job: String(job), unit: String(unit), result: String(result) }
    const waiter = this.waiters.get(r.job)
    if (waiter) {
      this.waiters.delete(r.job)
      waiter.timer.cancel()
      waiter.resolve(r)
      return
    }
    this.seen.set(r.job, r)
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value as string)
  }

  constructor(private readonly bus: MessageBus) {}

  /** Adds the match rule and subscribes to manager signals (once). */
  ready(): Promise<void> {
    this.setup ??= this.init().catch((err: unknown) => {
      this.setup = undefined
      throw err
    })
    return this.setup
  }

  /** Resolves with a successful job, throws JobFailed for any other result. */
  waitFor(job: string, timeoutMs: number, what: string): Promise<JobResult> {
    const done = this.seen.get(job)
    if (done) this.seen.delete(job)
    const settled: Promise<JobResult> = done
      ? Promise.resolve(done)
      : new Promise((resolve, reject) => {
          const timer = answerTimer(timeoutMs, () => {
            this.waiters.delete(job)
            reject(
              new AppError('JobTimeout', `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for systemd to ${what}.`, {
                stage: 'wait for job',
                hint: 'The job may still be running; check the unit state again in a moment.'
              })
            )
          })
          this.waiters.set(job, { resolve, reject, timer })
        })
    return settled.then((r) => {
      if (r.result === 'done' || r.result === 'skipped') return r
      throw new AppError('JobFailed', `systemd could not ${what}: the job ended with result "${r.result}".`, {
        stage: 'wait for job',
        hint: r.result === 'dependency' ? 'A unit it depends on failed; see `journalctl -b`.' : `See \`journalctl -u ${r.unit}\` for the reason.`
      })
    })
  }

  close(): void {
    this.bus.removeListener('message', this.onMessage)
    for (const [job, w] of this.waiters) {
      w.timer.cancel()
      w.reject(new AppError('JobAborted', `Stopped waiting for ${job}: the connection was closed.`, { stage: 'wait for job' }))
    }
    this.waiters.clear()
  }

  private async init(): Promise<void> {
    this.bus.on('message', this.onMessage)
    try {
      await this.bus.call(
        new Message({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'AddMatch',
          signature: 's',
          body: [MATCH_RULE]
        })
      )
    } catch (err) {
      throw mapSystemdError(err, 'listen for systemd job signals', 'AddMatch')
    }
    try {
      // systemd sends JobRemoved only while at least one client is subscribed.
      await this.bus.call(new Message({ destination: 'org.freedesktop.systemd1', path: SYSTEMD_PATH, interface: MANAGER_IFACE, member: 'Subscribe' }))
    } catch (err) {
      if (dbusErrorName(err) !== 'org.freedesktop.systemd1.AlreadySubscribed') throw mapSystemdError(err, 'subscribe to systemd signals', 'Subscribe')
    }
  }
}
