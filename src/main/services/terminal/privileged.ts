import type { TerminalExit, TerminalSessionInfo } from '../../../shared/contract/terminal'
import { defaultElevation, elevateArgv, type Elevation } from './elevate'
import type { InheritOptions } from './inherit'
import type { RunnablePlan } from './runner'

/**
 * "Run these allowlisted argv as root": the one thing a service may ask of the process that
 * hosts it. Where the output and the password prompt go is the host's choice: the terminal
 * panel (Electron, browser mode) or the user's own terminal (the CLI). A service never
 * spawns pkexec itself, so no prompt can wait in a terminal nobody reads.
 */
export interface PrivilegedRunner {
  /** "pkexec" when each step asks polkit first, "direct" when this process is already root. */
  readonly elevation: Elevation
  /** Where the user sees the run: shown in plans and in error hints. */
  readonly shownIn: 'terminal-panel' | 'user-terminal'
  /**
   * Starts the plan after validating every step. The terminal panel returns the running
   * session at once; the user's terminal returns once the plan has ended (with `exit`).
   */
  start(plan: RunnablePlan): Promise<TerminalSessionInfo>
  /** Runs the plan to its end. */
  run(plan: RunnablePlan): Promise<TerminalExit>
}

/** The part of the pty terminal service the panel runner needs (loaded lazily: node-pty). */
export interface PanelTerminal {
  readonly elevation: Elevation
  start(plan: RunnablePlan): TerminalSessionInfo
  run(plan: RunnablePlan): Promise<TerminalExit>
}

/** GUI and browser mode: each run is a terminal-panel session (terminal.started/data/exit events). */
export function panelRunner(terminal: () => Promise<PanelTerminal>, elevation: Elevation = defaultElevation()): PrivilegedRunner {
  return {
    elevation,
    shownIn: 'terminal-panel',
    start: async (plan) => (await terminal()).start(plan),
    run: async (plan) => (await terminal()).run(plan)
  }
}

export type UserTerminalOptions = Omit<InheritOptions, 'elevation'> & { elevation?: Elevation }

/**
 * The CLI: programs inherit the user's terminal (dnf's prompts, pkexec's text agent). Over
 * SSH without a terminal and without a polkit agent pkexec exits 127 at once, so the run
 * fails with a sentence instead of waiting for a password nobody can type.
 */
export function userTerminalRunner(opts: UserTerminalOptions = {}): PrivilegedRunner {
  const elevation = opts.elevation ?? defaultElevation()
  // node:child_process and the inheriting runner load with the first plan, not with every command.
  const run = async (plan: RunnablePlan): Promise<TerminalExit> => (await import('./inherit')).runInherited(plan, { ...opts, elevation })
  return {
    elevation,
    shownIn: 'user-terminal',
    run,
    async start(plan) {
      const steps = plan.steps.map((s) =>
        elevateArgv('argv' in s ? s.argv : s, { elevation, searchPath: opts.searchPath, programs: opts.programs, rootHelper: opts.rootHelper })
      )
      const startedAt = new Date().toISOString()
      const exit = await run(plan)
      return { id: exit.id, title: plan.title, steps, elevation, startedAt, status: exit.status, exit, tail: '' }
    }
  }
}
