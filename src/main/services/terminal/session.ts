import * as pty from 'node-pty'
import { displayArgv, type TerminalExit, type TerminalSessionInfo, type TerminalStatus } from '../../../shared/contract/terminal'
import { isDeclined, PKEXEC_DISMISSED, type Elevation } from './elevate'

export interface FlowOptions {
  /** Pause the pty when this many emitted characters are not yet acknowledged (VS Code uses 100k). */
  highWater: number
  /** Resume once the unacknowledged count falls below this (VS Code uses 5k). */
  lowWater: number
  /** Output is collected and sent at most this often, so a chatty program does not cost one event per read. */
  batchMs: number
  tailChars: number
}

export interface SessionSink {
  data(id: string, data: string): void
  exit(exit: TerminalExit): void
  /** Whether anybody will acknowledge output; without listeners nothing is counted. */
  wantsAcks(): boolean
}

export interface FlowState {
  unacked: number
  paused: boolean
  pauses: number
  resumes: number
  emitted: number
}

const KILL_GRACE_MS = 3000

/**
 * One privileged plan running in a pty: steps one after another, output batched, flow
 * controlled, and a single exit report at the end.
 */
export class PtySession {
  readonly startedAt = new Date().toISOString()
  private status: TerminalStatus = 'running'
  private exitInfo?: TerminalExit
  private current?: pty.IPty
  private stepIndex = -1
  private buffer = ''
  private timer?: NodeJS.Timeout
  private tail = ''
  private killRequested = false
  private cols = 100
  private rows = 30
  private readonly flow: FlowState = { unacked: 0, paused: false, pauses: 0, resumes: 0, emitted: 0 }
  private readonly done: Promise<TerminalExit>
  private resolveDone!: (exit: TerminalExit) => void

  constructor(
    readonly id: string,
    readonly title: string,
    /** The argv actually spawned per step (already elevated). */
    private readonly spawnArgv: string[][],
    readonly elevation: Elevation,
    private readonly env: Record<string, string>,
    private readonly opts: FlowOptions,
    private readonly sink: SessionSink
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
  }

  info(): TerminalSessionInfo {
    const info: TerminalSessionInfo = {
      id: this.id,
      title: this.title,
      steps: this.spawnArgv.map((a) => [...a]),
      elevation: this.elevation,
      startedAt: this.startedAt,
      status: this.status,
      tail: this.tail
    }
    if (this.exitInfo) info.exit = this.exitInfo
    return info
  }

  flowState(): FlowState {
    return { ...this.flow }
  }

  wait(): Promise<TerminalExit> {
    return this.done
  }

  start(): void {
    this.nextStep(0, null, null)
  }

  ack(chars: number): void {
    this.flow.unacked = Math.max(0, this.flow.unacked - chars)
    if (this.flow.paused && this.flow.unacked < this.opts.lowWater) {
      this.flow.paused = false
      this.flow.resumes++
      this.current?.resume()
    }
  }

  resize(cols: number, rows: number): void {
    this.cols = cols
    this.rows = rows
    try {
      this.current?.resize(cols, rows)
    } catch {
      // the pty closed between the check and the call; the next step picks up the size
    }
  }

  input(data: string): void {
    this.current?.write(data)
  }

  /**
   * Ctrl-C through the tty first: the line discipline signals the foreground process group
   * even when it runs as root under pkexec, which this unprivileged process could not signal.
   */
  kill(): void {
    if (this.status !== 'running') return
    this.killRequested = true
    const target = this.current
    if (!target) return
    // Unpause first: a paused pty cannot read the ^C echo and the child may block on output.
    if (this.flow.paused) target.resume()
    target.write('\x03')
    setTimeout(() => {
      if (this.current === target && this.status === 'running') {
        try {
          target.kill('SIGKILL')
        } catch {
          // not ours to kill (pkexec child as root); it exits once its tty closes
        }
      }
    }, KILL_GRACE_MS).unref()
  }

  private nextStep(index: number, code: number | null, signal: number | null): void {
    if (this.killRequested) return this.finish('killed', code, signal, 'stopped by the user', index - 1)
    if (index >= this.spawnArgv.length) return this.finish('ok', code ?? 0, signal, 'completed')
    this.stepIndex = index
    const argv = this.spawnArgv[index]
    this.write(`\x1b[1m$ ${displayArgv(argv)}\x1b[0m\r\n`)
    let child: pty.IPty
    try {
      child = pty.spawn(argv[0], argv.slice(1), { name: 'xterm-256color', cols: this.cols, rows: this.rows, env: this.env, cwd: '/' })
    } catch (err) {
      return this.finish('error', null, null, `could not start ${argv[0]}: ${(err as Error).message}`, index)
    }
    this.current = child
    if (this.flow.paused) child.pause()
    child.onData((d) => this.write(d))
    child.onExit(({ exitCode, signal: sig }) => {
      // node-pty can report exit before the last read is delivered; let pending reads land first.
      setTimeout(() => this.stepExited(child, exitCode, sig ? sig : null), 20)
    })
  }

  private stepExited(child: pty.IPty, code: number, signal: number | null): void {
    if (this.current !== child) return
    this.current = undefined
    const argv = this.spawnArgv[this.stepIndex]
    if (this.killRequested) return this.finish('killed', code, signal, 'stopped by the user', this.stepIndex)
    if (isDeclined(this.elevation, code)) {
      const why = code === PKEXEC_DISMISSED ? 'the authentication dialog was dismissed' : 'not authorized, or authentication failed'
      return this.finish('declined', code, signal, `authorization declined (${why})`, this.stepIndex)
    }
    if (signal !== null) return this.finish('failed', null, signal, `${displayArgv(argv)} was killed by signal ${signal}`, this.stepIndex)
    if (code !== 0) {
      const step = this.spawnArgv.length > 1 ? `step ${this.stepIndex + 1} of ${this.spawnArgv.length} ` : ''
      return this.finish('failed', code, null, `${step}(${displayArgv(argv)}) exited with code ${code}`, this.stepIndex)
    }
    this.nextStep(this.stepIndex + 1, code, signal)
  }

  private write(data: string): void {
    this.buffer += data
    this.tail = (this.tail + data).slice(-this.opts.tailChars)
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.batchMs)
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.buffer) return
    const data = this.buffer
    this.buffer = ''
    this.flow.emitted += data.length
    if (this.sink.wantsAcks()) {
      this.flow.unacked += data.length
      if (!this.flow.paused && this.flow.unacked > this.opts.highWater) {
        this.flow.paused = true
        this.flow.pauses++
        this.current?.pause()
      }
    }
    this.sink.data(this.id, data)
  }

  private finish(status: Exclude<TerminalStatus, 'running'>, code: number | null, signal: number | null, message: string, failedStep?: number): void {
    if (this.status !== 'running') return
    const colour = status === 'ok' ? '32' : '31'
    this.write(`\r\n\x1b[${colour}m[${message}]\x1b[0m\r\n`)
    this.flush()
    this.status = status
    const exit: TerminalExit = { id: this.id, code, signal, declined: status === 'declined', status, message }
    if (failedStep !== undefined && status !== 'ok' && failedStep >= 0) exit.failedStep = failedStep
    this.exitInfo = exit
    this.sink.exit(exit)
    this.resolveDone(exit)
  }
}
