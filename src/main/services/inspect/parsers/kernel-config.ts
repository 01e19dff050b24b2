import type { KconfigState } from '../../../../shared/contract'
import { WORD_NAME } from '../../system/word-name'

/** A parsed Kconfig .config (as in /boot/config-R or /proc/config.gz). Option names without the CONFIG_ prefix. */
export interface KernelConfig {
  /** The release named in the header comment ("# Linux/x86_64 R Kernel Configuration"), if any. */
  headerRelease?: string
  /** Lines that set an option ("CONFIG_X=...") or say it is off ("# CONFIG_X is not set"). */
  optionLines: number
  /** Non-empty lines that are neither comments nor CONFIG_ lines (a real config has none). */
  otherLines: number
  /** Whether any line sets an option or says it is off (cheaper than counting them). */
  hasOptions(): boolean
  /** The option's value as written after "=" on its last line, and whether it has any line at all. */
  lookup(name: string): { raw?: string; present: boolean }
  /** Looks several options up in one pass over the text; their later lookups are answered from it. */
  lookupMany(names: readonly string[]): void
}

/** An option's line: its value when there is one, and whether a line names it. */
export type Found = { raw?: string; present: boolean }
/** What an option name is (without CONFIG_): any other name has no line. */
export const OPTION_NAME = WORD_NAME

export interface OptionValue {
  name: string
  state: KconfigState
  /** The text after "=", or undefined when not set / unknown. */
  raw?: string
  /** False when the option has no line at all (it does not exist in this kernel or its dependencies are off). */
  present: boolean
}

/** A line that sets an option or says it is off; the \n before it is part of the match, the one after is not. */
const OPTION_LINE = /\n(?:CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set(?=\n))/
const OPTION_LINE_G = new RegExp(OPTION_LINE.source, 'g')

/**
 * Counts the kinds of lines, and looks options up in the text when asked. A report asks for a
 * few dozen of a config's thousands of options, and a cold `hsc inspect` runs this before V8
 * has optimised anything: filling a map with every option was its largest single cost (5-6 ms
 * for 4,000 lines). Here every pass over the text is one regular expression call in V8's
 * native code, and the option lines are counted only when something asks (a real config has
 * no other lines, so recognising one needs just the first).
 * Lines are trimmed first, only when some line needs it.
 */
export function parseKernelConfig(input: string): KernelConfig {
  // [^\S\n]: what String.prototype.trim removes, except the line break itself.
  const text = /^[^\S\n]|[^\S\n]\n|\n[^\S\n]|[^\S\n]$/.test(input)
    ? input
        .split('\n')
        .map((l) => l.trim())
        .join('\n')
    : input
  // Between line breaks, so a search for a whole line needs no multiline mode (which would also
  // break lines at \r and U+2028; a config's lines end at \n only).
  const lines = `\n${text}\n`
  let optionLines: number | undefined
  const found = new Map<string, Found>()
  const otherLines = lines.match(/\n(?!#|CONFIG_)[^\n]/g)?.length ?? 0
  const headerRelease = /\n# Linux\/\S+ (\S+) Kernel Configuration\n/.exec(lines)?.[1]
  return {
    headerRelease,
    get optionLines() {
      return (optionLines ??= lines.match(OPTION_LINE_G)?.length ?? 0)
    },
    hasOptions: () => (optionLines !== undefined ? optionLines > 0 : OPTION_LINE.test(lines)),
    otherLines,
    lookup(name) {
      // Names come from the checks, never from the file; anything else has no line.
      if (!OPTION_NAME.test(name)) return { present: false }
      const known = found.get(name)
      if (known) return known
      // The last line wins, as when the kernel build reads it. Forward searches on purpose:
      // V8's lastIndexOf compares character by character, ten times slower here than indexOf.
      const key = `\nCONFIG_${name}=`
      let set = lines.indexOf(key)
      for (let next = set; next >= 0; next = lines.indexOf(key, set + 1)) set = next
      let answer: Found
      if (set >= 0) {
        const from = set + name.length + 9
        answer = { raw: lines.slice(from, lines.indexOf('\n', from)), present: true }
      } else answer = { present: lines.includes(`\n# CONFIG_${name} is not set\n`) }
      found.set(name, answer)
      return answer
    },
    lookupMany(names) {
      // Each lookup above reads the whole text (the last line wins); a report asks for ~40
      // options, so the kconfig checks find theirs in one pass of one expression instead.
      const wanted = [...new Set(names)].filter((n) => OPTION_NAME.test(n) && !found.has(n))
      if (!wanted.length) return
      const any = wanted.join('|')
      const answers = new Map<string, Found>(wanted.map((n) => [n, { present: false }]))
      for (const m of lines.matchAll(new RegExp(`\\n(?:CONFIG_(${any})=([^\\n]*)|# CONFIG_(${any}) is not set(?=\\n))`, 'g'))) {
        // A line that sets the option wins over one that says it is off, wherever they are (as in lookup).
        if (m[1] !== undefined) answers.set(m[1], { raw: m[2], present: true })
        else if (answers.get(m[3])!.raw === undefined) answers.set(m[3], { present: true })
      }
      for (const [n, a] of answers) found.set(n, a)
    }
  }
}

/** optionState for several names, looked up in one pass. */
export function optionStates(cfg: KernelConfig | undefined, names: readonly string[]): OptionValue[] {
  cfg?.lookupMany(names)
  return names.map((n) => optionState(cfg, n))
}

/** Looks one option up; `cfg` undefined (no config found) gives "unknown". */
export function optionState(cfg: KernelConfig | undefined, name: string): OptionValue {
  if (!cfg) return { name, state: 'unknown', present: false }
  const { raw, present } = cfg.lookup(name)
  if (raw === undefined) return { name, state: 'not-set', present }
  if (raw === 'y') return { name, state: 'builtin', raw, present: true }
  if (raw === 'm') return { name, state: 'module', raw, present: true }
  if (raw === 'n') return { name, state: 'not-set', raw, present: true }
  return { name, state: 'value', raw, present: true }
}

export const isEnabled = (o: OptionValue): boolean => o.state === 'builtin' || o.state === 'module'

const words: Record<KconfigState, string> = { builtin: 'built-in', module: 'module', 'not-set': 'not set', value: 'set', unknown: 'unknown' }

export function describeOption(o: OptionValue): string {
  return o.state === 'value' ? `${o.name}=${o.raw}` : `${o.name} ${words[o.state]}`
}

/** The config line as it appears in the file, for evidence. */
export function optionLine(o: OptionValue): string {
  if (o.state === 'unknown') return `CONFIG_${o.name}: no config found`
  if (o.raw !== undefined) return `CONFIG_${o.name}=${o.raw}`
  return o.present ? `# CONFIG_${o.name} is not set` : `CONFIG_${o.name}: no line (option absent)`
}
