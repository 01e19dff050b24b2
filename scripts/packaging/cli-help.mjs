// Reads hsc's own --help output into a model, so the man page and the bash completion say
// exactly what the installed hsc accepts. Only the help text's layout is relied on
// (src/cli/help.ts): "Usage: hsc PATH ARGS [options]", an indented summary, "Options:" and
// "Global options:" lists of "  --name [VALUE]  summary".
import { execFileSync } from 'node:child_process'

/** @typedef {{ name: string, value?: string, summary: string }} Option */
/** @typedef {{ path: string[], args: string, summary: string, options: Option[], globals: Option[] }} Command */
/** @typedef {{ title: string, usage: string, groups: { word: string, summary: string }[], globals: Option[], notes: string[], commands: Command[] }} CliHelp */

const OPTION = /^ {2}--([a-z][a-z0-9-]*)(?: ([A-Z][A-Z0-9_.|=]*))? {2,}(\S.*)$/
const ENTRY = /^ {2}([a-z][a-z0-9-]*) {2,}(\S.*)$/

/** @returns {Option | undefined} */
function parseOption(line) {
  const m = OPTION.exec(line)
  return m ? { name: m[1], ...(m[2] ? { value: m[2] } : {}), summary: m[3].trim() } : undefined
}

/** Splits a text into the lines under each "Heading:" line (until a blank line or the next heading). */
function sections(lines) {
  /** @type {Map<string, string[]>} */
  const out = new Map()
  let current
  for (const line of lines) {
    if (/^[A-Z][A-Za-z ]*:$/.test(line)) {
      current = line.slice(0, -1)
      out.set(current, [])
    } else if (line.trim() === '') current = undefined
    else if (current && line.startsWith('  ')) out.get(current).push(line)
    else current = undefined
  }
  return out
}

/** @returns {Omit<CliHelp, 'commands'>} */
export function parseMainHelp(text) {
  const lines = text.split('\n')
  const s = sections(lines)
  const groups = (s.get('Commands') ?? [])
    .map((l) => ENTRY.exec(l))
    .filter(Boolean)
    .map((m) => ({ word: m[1], summary: m[2].trim() }))
  const globals = (s.get('Global options') ?? []).map(parseOption).filter(Boolean)
  if (!groups.length || !globals.length) throw new Error('hsc --help has no "Commands:" or "Global options:" list: the help layout changed')
  const usage = lines.find((l) => l.startsWith('Usage: '))?.slice(7) ?? 'hsc COMMAND'
  const headed = new Set(['Commands:', 'Global options:'])
  const notes = []
  let inList = false
  for (const l of lines.slice(1)) {
    if (headed.has(l)) inList = true
    else if (l.trim() === '') inList = false
    else if (!inList && !l.startsWith('Usage: ')) notes.push(l.trim())
  }
  return { title: lines[0].trim(), usage, groups, globals, notes }
}

/** One `hsc GROUP --help` text holds one block per command, each starting with "Usage: hsc ". */
export function parseCommandHelp(text) {
  /** @type {Command[]} */
  const commands = []
  const blocks = text.split(/^(?=Usage: hsc )/m).filter((b) => b.startsWith('Usage: hsc '))
  for (const block of blocks) {
    const lines = block.split('\n')
    const words = lines[0]
      .slice('Usage: hsc '.length)
      .replace(/\s*\[options\]\s*$/, '')
      .split(/\s+/)
    const path = []
    while (words.length && /^[a-z][a-z0-9-]*$/.test(words[0])) path.push(words.shift())
    const s = sections(lines.slice(2))
    commands.push({
      path,
      args: words.join(' '),
      summary: (lines[1] ?? '').trim(),
      options: (s.get('Options') ?? []).map(parseOption).filter(Boolean),
      globals: (s.get('Global options') ?? []).map(parseOption).filter(Boolean)
    })
  }
  return commands
}

/**
 * Runs `node HSC --help` and `node HSC GROUP --help` for every group (argv arrays, no shell).
 * @returns {CliHelp}
 */
export function readCliHelp(hsc, node = process.execPath) {
  const run = (args) => execFileSync(node, [hsc, '--no-color', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 })
  const main = parseMainHelp(run(['--help']))
  // Commands that share a module print each other's usage too (write, restore): keep one of each.
  const byPath = new Map()
  for (const g of main.groups) {
    const cmds = parseCommandHelp(run([g.word, '--help']))
    if (!cmds.some((c) => c.path[0] === g.word)) throw new Error(`hsc ${g.word} --help printed no "Usage: hsc ${g.word} …" line`)
    for (const c of cmds) if (!byPath.has(c.path.join(' '))) byPath.set(c.path.join(' '), c)
  }
  return { ...main, commands: [...byPath.values()] }
}
