import { spawn, type StdioOptions } from 'node:child_process'
import { displayArgv, type TerminalExit } from '../../../shared/contract/terminal'
import { defaultElevation, elevateArgv, isDeclined, PKEXEC_DISMISSED, type Elevation } from './elevate'
import type { RunnablePlan } from './runner'

export interface InheritOptions {
  elevation?: Elevation
  env?: Readonly<Record<string, string | undefined>>
  programs?: ReadonlySet<string>
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
  const argvs = plan.steps.map((s) => elevateArgv('argv' in s ? s.argv : s, { elevation, searchPath: opts.searchPath, programs: opts.programs }))
  const id = 'cli'
  for (let i = 0; i < argvs.length; i++) {
    const argv = argvs[i]
    opts.announce?.(`$ ${displayArgv(argv)}`)
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
      const stdio: StdioOptions = opts.stdio === 'stderr' ? ['inherit', 2, 'inherit'] : (opts.stdio ?? 'inherit')
      const child = spawn(argv[0], argv.slice(1), { stdio, env })
      child.on('error', (err) => resolve({ code: null, signal: null, error: err.message }))
      child.on('exit', (c, s) => resolve({ code: c, signal: s }))
    })
    if (isDeclined(elevation, code)) {
      const why = code === PKEXEC_DISMISSED ? 'the authentication dialog was dismissed' : 'not authorized, or authentication failed'
      return { id, code, signal: null, declined: true, status: 'declined', message: `authorization declined (${why})`, failedStep: i }
    }
    if (signal) return { id, code: null, signal: 0, declined: false, status: 'killed', message: `${displayArgv(argv)} was killed by ${signal}`, failedStep: i }
    if (code !== 0)
      return { id, code, signal: null, declined: false, status: 'failed', message: `${displayArgv(argv)} exited with code ${code ?? 'unknown'}`, failedStep: i }
  }
  return { id, code: 0, signal: null, declined: false, status: 'ok', message: 'completed' }
}
