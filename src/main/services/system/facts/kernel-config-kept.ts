import { OPTION_NAME, type Found, type KernelConfig } from '../../inspect/parsers/kernel-config'

/**
 * What /proc/config.gz said, kept between processes: its compressed bytes (the key, compared
 * whole) and the answer to every option a report looked up, with the few facts the recognition
 * made. A report then needs neither zlib nor the ~100 KB text: inflating, decoding and
 * searching it was most of a cold `hsc inspect` after the code itself (#15). An option no kept
 * answer covers is looked up in the text, inflated again, and kept from then on.
 *
 * Layout: the magic line, the compressed length and a line break, the compressed bytes, then
 * the answers as JSON. The file is the user's own, read like any other input: anything that
 * is not exactly this shape is not believed, and the bytes are inflated again.
 */
const MAGIC = 'hsc-kconfig 1\n'
const MAX_OPTIONS = 20_000

export interface KeptAnswers {
  headerRelease?: string
  optionLines: number
  otherLines: number
  /** Option name (no CONFIG_ prefix) → its line's value, or not set / no line. */
  found: Map<string, Found>
}

/** The answers a freshly recognised config starts with: its facts, no lookups yet. */
export function answersOf(cfg: KernelConfig): KeptAnswers {
  return { headerRelease: cfg.headerRelease, optionLines: cfg.optionLines, otherLines: cfg.otherLines, found: new Map() }
}

export function encodeKept(gz: Buffer, a: KeptAnswers): Buffer {
  const found: Record<string, [string | null, boolean]> = {}
  for (const [name, f] of a.found) found[name] = [f.raw ?? null, f.present]
  const json = JSON.stringify({ headerRelease: a.headerRelease ?? null, optionLines: a.optionLines, otherLines: a.otherLines, found })
  return Buffer.concat([Buffer.from(`${MAGIC}${gz.length}\n`, 'latin1'), gz, Buffer.from(json, 'utf8')])
}

/** The kept answers when `data` is a kept file for exactly these compressed bytes; else undefined. */
export function decodeKept(data: Buffer | undefined, gz: Buffer): KeptAnswers | undefined {
  // The header compared byte by byte: Buffer's latin1 decoding and indexOf would each compile
  // a few of Node's functions for these ~20 bytes, on every cold `hsc inspect` (#15).
  const header = `${MAGIC}${gz.length}\n`
  const from = header.length
  if (!data || data.length < from + gz.length) return undefined
  for (let i = 0; i < from; i++) if (data[i] !== header.charCodeAt(i)) return undefined
  if (!gz.equals(data.subarray(from, from + gz.length))) return undefined
  let v: unknown
  try {
    // No encoding named: Node's shortest way to UTF-8.
    v = JSON.parse(data.toString(undefined, from + gz.length))
  } catch {
    return undefined
  }
  return answersFrom(v)
}

const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0

function answersFrom(v: unknown): KeptAnswers | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const { headerRelease, optionLines, otherLines, found } = v as Record<string, unknown>
  if ((headerRelease !== null && typeof headerRelease !== 'string') || !count(optionLines) || !count(otherLines) || optionLines === 0) return undefined
  if (typeof found !== 'object' || found === null || Array.isArray(found)) return undefined
  const entries = Object.entries(found)
  if (entries.length > MAX_OPTIONS) return undefined
  const map = new Map<string, Found>()
  for (const [name, f] of entries) {
    if (name.length > 200 || !OPTION_NAME.test(name) || !Array.isArray(f) || f.length !== 2 || typeof f[1] !== 'boolean') return undefined
    const [raw, present] = f as [unknown, boolean]
    // A value is only ever on a line that is there.
    if (raw === null) map.set(name, { present })
    else if (typeof raw === 'string' && present && !raw.includes('\n')) map.set(name, { raw, present })
    else return undefined
  }
  return { headerRelease: headerRelease ?? undefined, optionLines, otherLines, found: map }
}

/**
 * A config that answers from `kept`, and for any other option from `full()` (the text, parsed
 * when first needed), adding that answer to `kept` and calling `learned` so it is kept.
 */
export function keptConfig(kept: KeptAnswers, full: () => KernelConfig, learned: () => void): KernelConfig {
  const known = kept.found
  const ask = (names: readonly string[]): void => {
    const missing = [...new Set(names)].filter((n) => OPTION_NAME.test(n) && !known.has(n))
    if (!missing.length) return
    const cfg = full()
    cfg.lookupMany(missing)
    for (const n of missing) known.set(n, cfg.lookup(n))
    learned()
  }
  return {
    headerRelease: kept.headerRelease,
    optionLines: kept.optionLines,
    otherLines: kept.otherLines,
    hasOptions: () => kept.optionLines > 0,
    lookup(name) {
      // Names come from the checks, never from the file; anything else has no line.
      if (!OPTION_NAME.test(name)) return { present: false }
      ask([name])
      return known.get(name)!
    },
    lookupMany: ask
  }
}
