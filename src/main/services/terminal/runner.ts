import { randomBytes } from 'node:crypto'
import { AppError } from '../../../shared/contract/errors'
import type { PlanStep, TerminalExit, TerminalSessionInfo } from '../../../shared/contract/terminal'
import type { EventHub } from '../system/events'
import { defaultElevation, elevateArgv, type Elevation } from './elevate'
import { PtySession, type FlowOptions, type FlowState } from './session'

export interface TerminalServiceOptions {
  /** Where terminal.started/data/exit go; without one, output is only kept in the session tail. */
  events?: EventHub
  elevation?: Elevation
  /** Environment for the spawned programs (its PATH does not decide which program runs). */
  env?: Readonly<Record<string, string | undefined>>
  /** Directories searched for privileged programs and pkexec (SYSTEM_PATH by default; stand-ins in tests). */
  searchPath?: string
  /** Absolute path of hsc-root-helper (found next to the app or in /usr/libexec by default). */
  rootHelper?: string
  /** Allowed argv[0] names; the privileged set by default. */
  programs?: ReadonlySet<string>
  flow?: Partial<FlowOptions>
  /** Finished sessions kept for terminal.sessions. */
  keepFinished?: number
}

/** A step that may also carry input for the program's stdin (then it runs on pipes, not the pty). */
export interface RunnableStep extends PlanStep {
  stdin?: string
}

export interface RunnablePlan {
  title: string
  steps: readonly (RunnableStep | readonly string[])[]
}

const DEFAULT_FLOW: FlowOptions = { highWater: 100_000, lowWater: 5_000, batchMs: 8, tailChars: 64 * 1024 }

/**
 * The one privileged runner: argv arrays through pkexec (or directly when already root)
 * inside a pty, so the user sees dnf's own output live.
 */
export class TerminalService {
  readonly elevation: Elevation
  private readonly sessions = new Map<string, PtySession>()
  private readonly flow: FlowOptions
  private readonly env: Record<string, string>
  private counter = 0

  constructor(private readonly opts: TerminalServiceOptions = {}) {
    this.elevation = opts.elevation ?? defaultElevation()
    this.flow = { ...DEFAULT_FLOW, ...opts.flow }
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined) env[k] = v
    env.TERM = 'xterm-256color'
    this.env = env
  }

  /** The argv each step would spawn, validated; throws before anything runs if one is refused. */
  prepare(plan: RunnablePlan): string[][] {
    if (plan.steps.length === 0) throw new AppError('ValidationError', 'nothing to run', { stage: 'validate argv' })
    return plan.steps.map((s) =>
      elevateArgv('argv' in s ? s.argv : s, {
        elevation: this.elevation,
        searchPath: this.opts.searchPath,
        rootHelper: this.opts.rootHelper,
        programs: this.opts.programs
      })
    )
  }

  start(plan: RunnablePlan): TerminalSessionInfo {
    const argvs = this.prepare(plan)
    const id = `t${++this.counter}-${randomBytes(4).toString('hex')}`
    const hub = this.opts.events
    const extras = plan.steps.map((s) => ('argv' in s ? { why: s.why, stdin: 'stdin' in s ? s.stdin : undefined } : {}))
    const session = new PtySession(
      id,
      plan.title,
      argvs,
      this.elevation,
      this.env,
      this.flow,
      {
        data: (sid, data) => hub?.emit('terminal.data', { id: sid, data }),
        exit: (exit) => {
          hub?.emit('terminal.exit', exit)
          this.prune()
        },
        wantsAcks: () => (hub ? hub.listenerCount('terminal.data') > 0 : false)
      },
      extras
    )
    this.sessions.set(id, session)
    hub?.emit('terminal.started', session.info())
    session.start()
    return session.info()
  }

  /** Starts a plan and resolves when it has ended (for callers that need the outcome, e.g. config writes). */
  async run(plan: RunnablePlan): Promise<TerminalExit> {
    const info = this.start(plan)
    return this.get(info.id).wait()
  }

  wait(id: string): Promise<TerminalExit> {
    return this.get(id).wait()
  }

  ack(id: string, chars: number): void {
    this.get(id).ack(chars)
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).resize(cols, rows)
  }

  input(id: string, data: string): void {
    this.get(id).input(data)
  }

  kill(id: string): void {
    this.get(id).kill()
  }

  list(): TerminalSessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info())
  }

  flowState(id: string): FlowState {
    return this.get(id).flowState()
  }

  /** Stops every running session (app shutdown, test teardown). */
  async close(): Promise<void> {
    const running = [...this.sessions.values()].filter((s) => s.info().status === 'running')
    for (const s of running) s.kill()
    await Promise.all(running.map((s) => s.wait()))
  }

  private get(id: string): PtySession {
    const s = this.sessions.get(id)
    if (!s) throw new AppError('NotFound', `no terminal session ${id}`, { stage: 'terminal' })
    return s
  }

  private prune(): void {
    const keep = this.opts.keepFinished ?? 20
    const finished = [...this.sessions.values()].filter((s) => s.info().status !== 'running')
    for (const s of finished.slice(0, Math.max(0, finished.length - keep))) this.sessions.delete(s.id)
  }
}
