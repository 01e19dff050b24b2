import type { OptionSpec } from './args'
import type { Command, CommandGroup } from './command'

const opt = (o: OptionSpec): string => `--${o.name}${o.kind === 'flag' ? '' : ` ${o.valueName ?? 'VALUE'}`}`

function optionLines(options: OptionSpec[]): string[] {
  const w = Math.max(...options.map((o) => opt(o).length))
  return options.map((o) => `  ${opt(o).padEnd(w)}  ${o.summary}`)
}

export function formatHelp(groups: CommandGroup[], globals: OptionSpec[]): string {
  const w = Math.max(...groups.map((g) => g.word.length))
  return [
    'hsc: Hyperscale Companion on the command line',
    '',
    'Usage: hsc COMMAND [ARGS] [--json] [--root DIR]',
    '',
    'Commands:',
    ...groups.map((g) => `  ${g.word.padEnd(w)}  ${g.summary}`),
    '',
    'Global options:',
    ...optionLines(globals),
    '',
    'Exit status: 0 success, 1 a check or action failed, 2 bad usage.',
    '`hsc COMMAND --help` shows the subcommands and options of COMMAND.',
    ''
  ].join('\n')
}

export function formatCommandHelp(c: Command, globals: OptionSpec[]): string {
  const global = globals.filter((g) => g.name !== 'root' || c.readOnly)
  return [
    `Usage: hsc ${c.path.join(' ')}${c.args ? ` ${c.args}` : ''} [options]`,
    `  ${c.summary}`,
    ...(c.options?.length ? ['Options:', ...optionLines(c.options)] : []),
    'Global options:',
    ...optionLines(global),
    ''
  ].join('\n')
}
