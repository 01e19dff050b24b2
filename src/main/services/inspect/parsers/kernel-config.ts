import type { KconfigState } from '../../../../shared/contract'

/** A parsed Kconfig .config (as in /boot/config-R or /proc/config.gz). Keys without the CONFIG_ prefix. */
export interface KernelConfig {
  /** The release named in the header comment ("# Linux/x86_64 R Kernel Configuration"), if any. */
  headerRelease?: string
  /** Options set to a value: "y", "m", a quoted string or a number, as written. */
  values: Map<string, string>
  /** Options written as "# CONFIG_X is not set". */
  notSet: Set<string>
  /** Non-empty lines that are neither comments nor CONFIG_ lines (a real config has none). */
  otherLines: number
}

export interface OptionValue {
  name: string
  state: KconfigState
  /** The text after "=", or undefined when not set / unknown. */
  raw?: string
  /** False when the option has no line at all (it does not exist in this kernel or its dependencies are off). */
  present: boolean
}

export function parseKernelConfig(text: string): KernelConfig {
  const values = new Map<string, string>()
  const notSet = new Set<string>()
  let headerRelease: string | undefined
  let otherLines = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line) continue
    if (line.charCodeAt(0) === 35 /* # */) {
      const off = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line)
      if (off) notSet.add(off[1])
      else if (headerRelease === undefined) {
        const head = /^# Linux\/\S+ (\S+) Kernel Configuration$/.exec(line)
        if (head) headerRelease = head[1]
      }
      continue
    }
    if (!line.startsWith('CONFIG_')) {
      otherLines++
      continue
    }
    const m = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line)
    if (m) values.set(m[1], m[2])
  }
  return { headerRelease, values, notSet, otherLines }
}

/** Looks one option up; `cfg` undefined (no config found) gives "unknown". */
export function optionState(cfg: KernelConfig | undefined, name: string): OptionValue {
  if (!cfg) return { name, state: 'unknown', present: false }
  const raw = cfg.values.get(name)
  if (raw === undefined) return { name, state: 'not-set', present: cfg.notSet.has(name) }
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
