import { statSync } from 'node:fs'
import { APP_VERSION } from '../shared/version'
import { describeError } from '../shared/contract/errors'
import { parseArgs, UsageError, value, type OptionSpec } from './args'
import type { Command } from './command'
import { groups } from './commands'
import { makeStyle } from './output'
import { formatHelp, formatCommandHelp } from './help'
import { suggestion } from './suggest'
import { humanizeError } from '../shared/error-sentences'
import { stdStream, writeText } from './stdio'
import { markRunNotToKeep } from './cache-mark'

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'json', kind: 'flag', summary: 'machine-readable JSON on stdout (stable, see README)' },
  { name: 'root', kind: 'value', valueName: 'DIR', summary: 'read-only commands: read the system under DIR instead of /' },
  { name: 'no-color', kind: 'flag', summary: 'no ANSI colour (also NO_COLOR=1)' },
  { name: 'help', kind: 'flag', summary: 'show help' },
  { name: 'version', kind: 'flag', summary: 'print the version' }
]

function pick(commands: Command[], words: string[]): Command | undefined {
  return commands.filter((c) => c.path.every((w, i) => words[i] === w)).sort((a, b) => b.path.length - a.path.length)[0]
}

/** Runs `hsc` and returns the exit status: 0 ok, 1 failure, 2 usage. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Asked last, and only when something is styled: the stream behind isTTY costs a cold start
  // more than the rest of this line, and `hsc --version` styles nothing.
  const style = makeStyle(() => !env.NO_COLOR && !argv.includes('--no-color') && !argv.includes('--json') && Boolean(stdStream(1).isTTY))
  const err = (line: string): void => writeText(2, `hsc: ${line}\n`)
  try {
    const word = argv.find((a) => !a.startsWith('-'))
    if (argv.includes('--version') && !word) {
      writeText(1, `hsc ${APP_VERSION}\n`)
      return 0
    }
    if (!word) {
      if (argv.length && !argv.every((a) => a === '--help' || a === '--no-color')) throw new UsageError(`unknown option ${argv[0]}`)
      writeText(1, formatHelp(groups, GLOBAL_OPTIONS))
      return argv.includes('--help') ? 0 : 2
    }
    const group = groups.find((g) => g.word === word)
    if (!group)
      throw new UsageError(
        `unknown command "${word}".${suggestion(
          word,
          groups.map((g) => g.word),
          'hsc '
        )} (hsc --help lists the commands)`
      )
    const commands = await group.load()
    const words = argv.filter((a) => !a.startsWith('-'))
    const command = pick(commands, words)
    if (!command) {
      if (argv.includes('--help')) {
        writeText(1, commands.map((c) => formatCommandHelp(c, GLOBAL_OPTIONS)).join('\n'))
        return 0
      }
      // The group's own command (e.g. plain "inspect") has no subcommand word: leave it out of the list.
      const subs = commands.map((c) => c.path.slice(1).join(' ')).filter(Boolean)
      const typed = words[1]
      if (typed)
        throw new UsageError(
          `unknown subcommand "${word} ${typed}".${suggestion(
            typed,
            subs.map((x) => x.split(' ')[0]),
            `hsc ${word} `
          )} Subcommands: ${subs.join(', ')}`
        )
      throw new UsageError(`"${word}" needs a subcommand: ${subs.join(', ')}`)
    }
    // Drop the command words (first occurrences, in order) and parse the rest.
    const rest = [...argv]
    for (const w of command.path) rest.splice(rest.indexOf(w), 1)
    const args = parseArgs(rest, [...GLOBAL_OPTIONS, ...(command.options ?? [])])
    if (args.flags.has('help')) {
      writeText(1, formatCommandHelp(command, GLOBAL_OPTIONS))
      return 0
    }
    const root = value(args, 'root')
    if (root !== undefined && !command.readOnly) throw new UsageError(`--root only applies to read-only commands, not "${command.path.join(' ')}"`)
    if (root !== undefined && !statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--root ${root}: not a directory`)
    const n = args.positionals.length
    if (command.minArgs !== undefined && n < command.minArgs) throw new UsageError(`${command.path.join(' ')}: missing ${command.args ?? 'argument'}`)
    if (command.maxArgs !== undefined && n > command.maxArgs) {
      const extra = args.positionals[command.maxArgs]
      const subs = command.path.length === 1 ? commands.filter((c) => c.path.length > 1).map((c) => c.path[1]) : []
      throw new UsageError(`${command.path.join(' ')}: unexpected argument "${extra}".${suggestion(extra, subs, `hsc ${command.path[0]} `)}`.replace(/\.$/, ''))
    }
    // Loaded only when a command runs: --help and usage errors stay instant.
    const { createCliContext } = await import('./context')
    const ctx = createCliContext({ json: args.flags.has('json'), root, style, env, transport: command.transport })
    return await command.run(args, ctx)
  } catch (e) {
    markRunNotToKeep()
    if (e instanceof UsageError || (e instanceof Error && (e.name === 'UsageError' || e.name === 'ValidationError'))) {
      err(e.message)
      return 2
    }
    // Sentences first; the raw text (errno, D-Bus) follows on its own line for whoever needs it.
    const raw = e as Error & { stage?: string; hint?: string; detail?: string }
    const h = humanizeError(raw)
    // The stage says which step failed ("parse checksum file"); "validate" is an internal word.
    const stage = raw.stage && !/^validate/.test(raw.stage) ? raw.stage : undefined
    err(describeError({ stage, message: h.message, hint: h.hint }))
    if (h.detail) writeText(2, `  details: ${h.detail}\n`)
    return 1
  }
}
