import { spawn, type StdioOptions } from 'node:child_process'
import { displayArgv } from '../../../shared/contract/argv'
import type { TerminalExit } from '../../../shared/contract/terminal'
import { defaultElevation, elevateArgv, isDeclined, PKEXEC_DISMISSED, type Elevation } from './elevate'
import type { RunnablePlan } from './runner'

export interface InheritOptions {
  elevation?: Elevation
  env?: Readonly<Record<string, string | undefined>>
  programs?: ReadonlySet<string>
  /** Absolute path of hsc-root-helper (found next to the app or in /usr/libexec by default). */
  rootHelper?: string
  /** Directories searched for programs and pkexec (SYSTEM_PATH by default). */
  searchPath?: string
  /** Where the "$ command" lines go (the CLI's stderr). */
  announce?: (line: string) => void
  /**
   * 'inherit': the program uses the user's terminal; 'stderr': the same, but its stdout goes
   * to stderr (so `--json` output on stdout stays parseable); 'ignore' in tests.
   */
  stdio?: 'inherit' | 'stderr' | 'ignore'
}

/**
 * The CLI's runner: same argv validation and elevation as the pty runner, but the program
 * talks to the user's own terminal (dnf prompts, progress bars, pkexec's text agent).
 */
export async function runInherited(plan: RunnablePlan, opts: InheritOptions = {}): Promise<TerminalExit> {
  const elevation = opts.elevation ?? defaultElevation()
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(opts.env ?? process.env)) if (v !== undefined) env[k] = v
  const argvs = plan.steps.map((s) =>
    elevateArgv('argv' in s ? s.argv : s, { elevation, searchPath: opts.searchPath, programs: opts.programs, rootHelper: opts.rootHelper })
  )
  const inputs = plan.steps.map((s) => ('argv' in s && 'stdin' in s ? s.stdin : undefined))
  const id = 'cli'
  for (let i = 0; i < argvs.length; i++) {
    const argv = argvs[i]
    const input = inputs[i]
    const step = plan.steps[i]
    if (input !== undefined && 'why' in step && step.why) opts.announce?.(`# ${step.why.replace(/\r?\n/g, '\n# ')}`)
    opts.announce?.(`$ ${displayArgv(argv)}`)
    const { code, signal, error } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
      const out = opts.stdio === 'stderr' ? 2 : opts.stdio === 'ignore' ? 'ignore' : 'inherit'
      // Content for the root helper arrives on a pipe; pkexec's text agent still asks on /dev/tty.
      const stdin = input !== undefined ? 'pipe' : opts.stdio === 'ignore' ? 'ignore' : 'inherit'
      const stdio: StdioOptions = [stdin, out, opts.stdio === 'ignore' ? 'ignore' : 'inherit']
      const child = spawn(argv[0], argv.slice(1), { stdio, env })
      if (input !== undefined) {
        child.stdin?.on('error', () => undefined) // the program may exit without reading (declined prompt)
        child.stdin?.end(input)
      }
      child.on('error', (err) => resolve({ code: null, signal: null, error: err.message }))
      child.on('exit', (c, s) => resolve({ code: c, signal: s }))
    })
    if (error !== undefined)
      return { id, code: null, signal: null, declined: false, status: 'error', message: `could not start ${argv[0]}: ${error}`, failedStep: i }
    if (isDeclined(elevation, code)) {
      const why = code === PKEXEC_DISMISSED ? 'the authentication dialog was dismissed' : 'not authorized, or no polkit agent could ask for a password'
      return { id, code, signal: null, declined: true, status: 'declined', message: `authorization declined (${why})`, failedStep: i }
    }
    if (signal) return { id, code: null, signal: 0, declined: false, status: 'killed', message: `${displayArgv(argv)} was killed by ${signal}`, failedStep: i }
    if (code !== 0)
      return { id, code, signal: null, declined: false, status: 'failed', message: `${displayArgv(argv)} exited with code ${code ?? 'unknown'}`, failedStep: i }
  }
  return { id, code: 0, signal: null, declined: false, status: 'ok', message: 'completed' }
}
