import { accessSync, constants as fsc } from 'node:fs'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import { locateRootHelper, ROOT_HELPER } from './root-helper-path'

export type Elevation = 'pkexec' | 'direct'

/** Programs the privileged runner will start; anything else is refused before spawning. */
export const PRIVILEGED_PROGRAMS: ReadonlySet<string> = new Set(['dnf', 'dnf5', 'rpm', 'grubby', ROOT_HELPER])

/**
 * Where privileged programs (and pkexec) are looked up. Fixed, never the caller's PATH: a
 * directory the user controls early in PATH would otherwise choose what runs as root.
 */
export const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin'

/** pkexec(1): 126 = the user dismissed the dialog, 127 = not authorized / could not authenticate. */
export const PKEXEC_DISMISSED = 126
export const PKEXEC_NOT_AUTHORIZED = 127

export function defaultElevation(): Elevation {
  return typeof process.getuid === 'function' && process.getuid() === 0 ? 'direct' : 'pkexec'
}

/** Finds a program in `searchPath` (absolute directories only), so pkexec (which wants a path) gets an absolute one. */
export function resolveProgram(name: string, searchPath: string = SYSTEM_PATH): string | undefined {
  if (name.includes('/')) return path.isAbsolute(name) ? name : undefined
  for (const dir of searchPath.split(':')) {
    if (!path.isAbsolute(dir)) continue
    const candidate = path.join(dir, name)
    try {
      accessSync(candidate, fsc.X_OK)
      return candidate
    } catch {
      // not here; keep looking
    }
  }
  return undefined
}

export interface ElevateOptions {
  elevation: Elevation
  /** Directories searched for programs and pkexec; SYSTEM_PATH unless a test points at stand-ins. */
  searchPath?: string
  /** Where the root helper is; found next to the app (or in /usr/libexec) by default. */
  rootHelper?: string
  /** Program names allowed as argv[0]; the privileged set unless a caller narrows or replaces it. */
  programs?: ReadonlySet<string>
}

/** Turns a plan step into the argv that is actually spawned (pkexec PROGRAM ARGS... or PROGRAM ARGS...). */
export function elevateArgv(argv: readonly string[], opts: ElevateOptions): string[] {
  if (argv.length === 0) throw new AppError('ValidationError', 'empty command', { stage: 'validate argv' })
  const programs = opts.programs ?? PRIVILEGED_PROGRAMS
  const [name, ...args] = argv
  if (!programs.has(name)) {
    throw new AppError('ValidationError', `program "${name}" is not allowed in a privileged command`, { stage: 'validate argv' })
  }
  const program = name === ROOT_HELPER ? (opts.rootHelper ?? locateRootHelper()) : resolveProgram(name, opts.searchPath)
  if (!program) {
    throw new AppError('CommandNotFound', `${name} is not installed (not found in ${opts.searchPath ?? SYSTEM_PATH})`, {
      stage: 'start',
      hint: `Install the package that provides ${name}.`
    })
  }
  if (opts.elevation === 'direct') return [program, ...args]
  const pkexec = resolveProgram('pkexec', opts.searchPath)
  if (!pkexec) {
    throw new AppError('CommandNotFound', 'pkexec is not installed', {
      stage: 'start',
      hint: 'Install polkit (dnf install polkit) so the app can ask for administrator rights.'
    })
  }
  return [pkexec, program, ...args]
}

export function isDeclined(elevation: Elevation, code: number | null): boolean {
  return elevation === 'pkexec' && (code === PKEXEC_DISMISSED || code === PKEXEC_NOT_AUTHORIZED)
}
