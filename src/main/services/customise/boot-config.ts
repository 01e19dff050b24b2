// Editing the kernel command lines of grub.cfg and isolinux.cfg, the way lorax's mkksiso
// does: only lines whose first word loads a kernel change, everything else stays byte for byte.

/** Splits a command line on blanks, keeping "double quoted" parts of a word together. */
export function splitArgs(cmdline: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  let has = false
  for (const ch of cmdline) {
    if (ch === '"') quoted = !quoted
    if (!quoted && (ch === ' ' || ch === '\t')) {
      if (has) out.push(cur)
      cur = ''
      has = false
      continue
    }
    cur += ch
    has = true
  }
  if (has) out.push(cur)
  return out
}

const keyOf = (arg: string): string => {
  const i = arg.indexOf('=')
  return i < 0 ? arg : arg.slice(0, i)
}

/** The arguments with every argument named in `add` replaced by the given ones (appended at the end). */
export function alterArgs(args: readonly string[], add: readonly string[]): string[] {
  const keys = new Set(add.map(keyOf))
  return [...args.filter((a) => !keys.has(keyOf(a))), ...add]
}

const KERNEL_WORDS = { grub: ['linux', 'linuxefi', 'linux16'], isolinux: ['append'] } as const

/**
 * Adds the arguments to every kernel line; returns the new text and how many lines changed.
 * For isolinux, "append" lines that load no initrd (chain loaders, memtest) are left alone.
 */
export function editBootConfig(text: string, kind: keyof typeof KERNEL_WORDS, add: readonly string[]): { text: string; changed: number } {
  let changed = 0
  const lines = text.split('\n').map((line) => {
    const m = /^(\s*)(\S+)([ \t]+)(.*?)(\r?)$/.exec(line)
    if (!m || !(KERNEL_WORDS[kind] as readonly string[]).includes(m[2])) return line
    if (kind === 'isolinux' && !/\binitrd=/.test(m[4])) return line
    const args = splitArgs(m[4])
    // grub: the first word after "linux" is the kernel path, never an argument.
    const [head, rest] = kind === 'grub' ? [args.slice(0, 1), args.slice(1)] : [[], args]
    changed++
    return `${m[1]}${m[2]} ${[...head, ...alterArgs(rest, add)].join(' ')}${m[5]}`
  })
  return { text: lines.join('\n'), changed }
}

// From lorax: udev's allowlist for labels is a-zA-Z0-9#+.:=@_-; anything else is \xNN.
export function udevEscape(label: string): string {
  return [...label].map((ch) => (/^[A-Za-z0-9#+.:=@_-]$/.test(ch) ? ch : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('')
}
