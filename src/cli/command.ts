import type { OptionSpec, ParsedArgs } from './args'
import type { CliContext } from './context'

export interface Command {
  /** Words that select it, e.g. ["repos", "list"]. */
  path: string[]
  summary: string
  /** Positional arguments shown in help, e.g. "ID" or "IMAGE DRIVE...". */
  args?: string
  options?: OptionSpec[]
  /** Read-only commands accept the global --root DIR. */
  readOnly?: boolean
  /** The services see this transport (browser mode serves the renderer). Default "cli". */
  transport?: 'cli' | 'browser'
  minArgs?: number
  maxArgs?: number
  /** Returns the exit status: 0 ok, 1 a check or action failed. */
  run(args: ParsedArgs, ctx: CliContext): Promise<number>
}

/** A group of commands, loaded only when its first word is used (fast cold start). */
export interface CommandGroup {
  word: string
  summary: string
  load(): Promise<Command[]>
}
