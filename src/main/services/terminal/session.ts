import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, constants as fsc, openSync } from 'node:fs'
import { createRequire } from 'node:module'
import { constants as osConstants } from 'node:os'
import type * as pty from 'node-pty'
import { displayArgv } from '../../../shared/contract/argv'
import type { TerminalExit, TerminalSessionInfo, TerminalStatus } from '../../../shared/contract/terminal'
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
  /** Read from the pty but held back while paused. */
  buffered: number
}

const KILL_GRACE_MS = 3000
/** ^S / ^Q: the tty itself stops the program's output (IXON), so nothing is lost or piles up. */
const XOFF = '\x13'
const XON = '\x11'
/** A program in raw mode ignores ^S; past this much held-back output the socket is paused as well. */
const HOLD_LIMIT = 1024 * 1024

type UnixPty = pty.IPty & { readonly ptsName?: string }

let ptyModule: typeof pty | undefined
/** node-pty is a native addon: loaded by the first pty, not by every command that might need root (`hsc repos list`). */
const loadPty = (): typeof pty => (ptyModule ??= createRequire(import.meta.url)('node-pty') as typeof pty)

export interface StepExtras {
  /** Shown before the step starts (and so before its polkit prompt): what it changes. */
  why?: string
  /** Fed to the program's stdin; such a step runs on pipes instead of the pty. */
  stdin?: string
}

/**
 * One privileged plan running in a pty: steps one after another, output batched, flow
 * controlled, and a single exit report at the end.
 */
export class PtySession {
  readonly startedAt = new Date().toISOString()
  private status: TerminalStatus = 'running'
  private exitInfo?: TerminalExit
  private current?: UnixPty
  private piped?: ChildProcess
  /** Our own handle on the pty's slave side, see spawnStep. */
  private slaveFd?: number
  private socketPaused = false
  private stepIndex = -1
  private buffer = ''
  private timer?: NodeJS.Timeout
  private tail = ''
  private killRequested = false
  private cols = 100
  private rows = 30
  private readonly flow: FlowState = { unacked: 0, paused: false, pauses: 0, resumes: 0, emitted: 0, buffered: 0 }
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
    private readonly sink: SessionSink,
    private readonly extras: readonly StepExtras[] = []
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
    return { ...this.flow, buffered: this.buffer.length }
  }

  wait(): Promise<TerminalExit> {
    return this.done
  }

  start(): void {
    this.nextStep(0, null, null)
  }

  ack(chars: number): void {
    this.flow.unacked = Math.max(0, this.flow.unacked - chars)
    if (this.flow.paused && this.flow.unacked < this.opts.lowWater) this.resumeOutput()
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
    if (this.piped) {
      this.piped.kill('SIGTERM')
      return
    }
    const target = this.current
    if (!target) return
    // Resume first: a stopped tty would hold the program in write() and the ^C echo with it.
    if (this.flow.paused) this.resumeOutput()
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
    const extra = this.extras[index] ?? {}
    if (extra.why) this.write(`\x1b[36m# ${extra.why.replace(/\r?\n/g, '\r\n# ')}\x1b[0m\r\n`)
    this.write(`\x1b[1m$ ${displayArgv(argv)}\x1b[0m\r\n`)
    if (extra.stdin !== undefined) return this.spawnPiped(argv, extra.stdin)
    let child: UnixPty
    try {
      child = loadPty().spawn(argv[0], argv.slice(1), { name: 'xterm-256color', cols: this.cols, rows: this.rows, env: this.env, cwd: '/' })
    } catch (err) {
      return this.finish('error', null, null, `could not start ${argv[0]}: ${(err as Error).message}`, index)
    }
    this.current = child
    // On Linux the master reads EIO as soon as the last slave fd closes, dropping what the
    // program wrote just before exiting (node-pty #85, #726: seq 1 100000 lost ~8k here).
    // Holding a slave fd ourselves keeps the master readable until node-pty has drained it.
    try {
      if (child.ptsName) this.slaveFd = openSync(child.ptsName, fsc.O_RDWR | fsc.O_NOCTTY)
    } catch {
      this.slaveFd = undefined
    }
    if (this.flow.paused) child.write(XOFF)
    child.onData((d) => this.write(d))
    child.onExit(({ exitCode, signal: sig }) => this.stepExited(child, exitCode, sig ? sig : null))
  }

  /** The content reaches the program on a pipe: nothing is written to a file anyone else could swap. */
  private spawnPiped(argv: string[], stdin: string): void {
    let child: ChildProcess
    try {
      child = spawn(argv[0], argv.slice(1), { env: this.env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] })
    } catch (err) {
      return this.finish('error', null, null, `could not start ${argv[0]}: ${(err as Error).message}`, this.stepIndex)
    }
    this.piped = child
    const show = (d: Buffer): void => this.write(d.toString('utf8').replace(/\r?\n/g, '\r\n'))
    child.stdout?.on('data', show)
    child.stderr?.on('data', show)
    child.stdin?.on('error', () => undefined) // the program may exit without reading (declined prompt)
    child.stdin?.end(stdin)
    let settled = false
    child.on('error', (err) => {
      if (settled) return
      settled = true
      this.piped = undefined
      this.finish('error', null, null, `could not start ${argv[0]}: ${err.message}`, this.stepIndex)
    })
    child.on('close', (code, sig) => {
      if (settled) return
      settled = true
      this.piped = undefined
      this.stepDone(code ?? 0, sig ? (osConstants.signals[sig] ?? 0) : null)
    })
  }

  private releaseSlave(): void {
    if (this.slaveFd === undefined) return
    try {
      closeSync(this.slaveFd)
    } catch {
      // already closed
    }
    this.slaveFd = undefined
  }

  private pauseOutput(): void {
    this.flow.paused = true
    this.flow.pauses++
    this.current?.write(XOFF)
  }

  private resumeOutput(): void {
    this.flow.paused = false
    this.flow.resumes++
    this.current?.write(XON)
    if (this.socketPaused) {
      this.socketPaused = false
      this.current?.resume()
    }
    if (this.buffer && !this.timer) this.timer = setTimeout(() => this.flush(), this.opts.batchMs)
  }

  private stepExited(child: UnixPty, code: number, signal: number | null): void {
    if (this.current !== child) return
    this.current = undefined
    this.socketPaused = false
    this.releaseSlave()
    this.stepDone(code, signal)
  }

  private stepDone(code: number, signal: number | null): void {
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
    if (this.flow.paused) {
      if (!this.socketPaused && this.buffer.length > HOLD_LIMIT && this.current) {
        this.socketPaused = true
        this.current.pause()
      }
      return
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.batchMs)
  }

  /** Sends what was collected; held back while paused (unless `force`, at the very end). */
  private flush(force = false): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.buffer || (this.flow.paused && !force)) return
    const data = this.buffer
    this.buffer = ''
    this.flow.emitted += data.length
    if (this.sink.wantsAcks()) {
      this.flow.unacked += data.length
      if (!this.flow.paused && this.flow.unacked > this.opts.highWater) this.pauseOutput()
    }
    this.sink.data(this.id, data)
  }

  private finish(status: Exclude<TerminalStatus, 'running'>, code: number | null, signal: number | null, message: string, failedStep?: number): void {
    if (this.status !== 'running') return
    const colour = status === 'ok' ? '32' : '31'
    this.write(`\r\n\x1b[${colour}m[${message}]\x1b[0m\r\n`)
    this.releaseSlave()
    this.flush(true)
    this.status = status
    const exit: TerminalExit = { id: this.id, code, signal, declined: status === 'declined', status, message }
    if (failedStep !== undefined && status !== 'ok' && failedStep >= 0) exit.failedStep = failedStep
    this.exitInfo = exit
    this.sink.exit(exit)
    this.resolveDone(exit)
  }
}
