/** A usage error: exit status 2 with a one-line reason. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export interface OptionSpec {
  /** Long name without dashes, e.g. "dest". */
  name: string
  /** "flag" takes no value; "value" takes one (`--dest DIR` or `--dest=DIR`); "multi" may repeat. */
  kind: 'flag' | 'value' | 'multi'
  valueName?: string
  summary: string
}

export interface ParsedArgs {
  positionals: string[]
  flags: Set<string>
  values: Map<string, string[]>
}

export function value(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.at(-1)
}

/** Parses argv against a fixed option list; unknown options are usage errors, not ignored. */
export function parseArgs(argv: readonly string[], options: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(options.map((o) => [o.name, o]))
  const out: ParsedArgs = { positionals: [], flags: new Set(), values: new Map() }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1) throw new UsageError(`unknown option ${arg}`)
      out.positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    const spec = byName.get(name)
    if (!spec) throw new UsageError(`unknown option --${name}`)
    if (spec.kind === 'flag') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`)
      out.flags.add(name)
      continue
    }
    let v: string | undefined
    if (eq !== -1) v = arg.slice(eq + 1)
    else v = argv[++i]
    if (v === undefined || v === '') throw new UsageError(`--${name} needs a ${spec.valueName ?? 'value'}`)
    const list = out.values.get(name) ?? []
    if (spec.kind === 'value' && list.length) throw new UsageError(`--${name} given twice`)
    list.push(v)
    out.values.set(name, list)
  }
  return out
}
