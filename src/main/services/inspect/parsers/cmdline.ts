export interface KernelArg {
  key: string
  /** Undefined for flags without "=". */
  value?: string
}

/**
 * Splits /proc/cmdline like the kernel does: whitespace-separated, double quotes group a
 * value, and everything after a lone "--" belongs to init, not to the kernel.
 */
export function parseCmdline(text: string): { kernel: KernelArg[]; init: string[] } {
  // A word is a run of characters that are neither blank nor quotes, and quoted stretches
  // (blanks included; an unclosed quote runs to the end); the quotes themselves are dropped.
  // One expression instead of a test per character: a cold `hsc inspect` parses it unoptimised.
  const words = (text.trim().match(/(?:[^\s"]|"[^"]*(?:"|$))+/g) ?? []).map((w) => w.replaceAll('"', ''))
  const sep = words.indexOf('--')
  const kernelWords = sep >= 0 ? words.slice(0, sep) : words
  const init = sep >= 0 ? words.slice(sep + 1) : []
  const kernel = kernelWords.map((w) => {
    const eq = w.indexOf('=')
    return eq < 0 ? { key: w } : { key: w.slice(0, eq), value: w.slice(eq + 1) }
  })
  return { kernel, init }
}

/** The effective value of a parameter: the last occurrence wins, as for most kernel and systemd options. */
export function argValue(args: KernelArg[], key: string): string | undefined {
  let v: string | undefined
  let seen = false
  for (const a of args) {
    if (a.key === key) {
      v = a.value ?? ''
      seen = true
    }
  }
  return seen ? v : undefined
}

/** Every value a repeatable parameter (cgroup_disable=, lsm=) was given. */
export function argValues(args: KernelArg[], key: string): string[] {
  return args.filter((a) => a.key === key && a.value !== undefined).map((a) => a.value as string)
}

/** Kernel/systemd boolean parsing: 1/y/yes/true/on, 0/n/no/false/off; a bare flag means true. */
export function argBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined
  const v = value.toLowerCase()
  if (v === '' || ['1', 'y', 'yes', 'true', 'on'].includes(v)) return true
  if (['0', 'n', 'no', 'false', 'off'].includes(v)) return false
  return undefined
}
