import { z } from 'zod'
import { event, method } from './define'

export { displayArgv } from './argv'

/** One program run of a privileged plan: an argv array, never a shell string. */
export interface PlanStep {
  argv: string[]
  /** Why this step is there, shown next to the command. */
  why?: string
}

/** What a privileged action will run, shown to the user before anything starts. */
export interface PrivilegedPlan {
  title: string
  steps: PlanStep[]
  /** "pkexec" when each step asks polkit first, "direct" when this process is already root. */
  elevation: 'pkexec' | 'direct'
  /** True when dnf will ask for confirmation in the terminal (no -y). */
  interactive: boolean
  /** Anything the user should know before confirming (e.g. what --allowerasing may remove). */
  notes: string[]
  /**
   * SHA-256 (hex) over the steps' argv and file contents. The client passes it back to run
   * the plan; the service rebuilds the plan and refuses when the digest differs.
   */
  digest: string
}

export type TerminalStatus = 'running' | 'ok' | 'failed' | 'declined' | 'killed' | 'error'

export interface TerminalExit {
  id: string
  /** Exit code of the last step that ran; null when it was killed by a signal or never started. */
  code: number | null
  signal: number | null
  /** pkexec said the user dismissed the prompt (126) or could not authenticate (127). */
  declined: boolean
  status: Exclude<TerminalStatus, 'running'>
  /** One line for the user, e.g. "authorization declined" or "step 2 (dnf install ...) exited with 1". */
  message: string
  /** Index of the step that failed, when one did. */
  failedStep?: number
}

export interface TerminalSessionInfo {
  id: string
  title: string
  steps: string[][]
  elevation: 'pkexec' | 'direct'
  startedAt: string
  status: TerminalStatus
  exit?: TerminalExit
  /** The last part of the output (bounded), so a panel opened late can show it. */
  tail: string
}

export interface TerminalData {
  id: string
  data: string
}

const sessionId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'not a terminal session id')

export const terminalMethods = {
  /** The client consumed `chars` characters of output (flow control). */
  'terminal.ack': method<void>()(z.object({ id: sessionId, chars: z.number().int().min(0).max(100_000_000) }).strict()),
  'terminal.resize': method<void>()(z.object({ id: sessionId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }).strict()),
  /** Keystrokes for the running program (dnf's [y/N], a polkit text prompt). */
  'terminal.input': method<void>()(z.object({ id: sessionId, data: z.string().min(1).max(4096) }).strict()),
  'terminal.kill': method<void>()(z.object({ id: sessionId }).strict()),
  'terminal.sessions': method<TerminalSessionInfo[]>()(z.object({}).strict())
}

export const terminalEvents = {
  'terminal.started': event<TerminalSessionInfo>(),
  'terminal.data': event<TerminalData>(),
  'terminal.exit': event<TerminalExit>()
}
