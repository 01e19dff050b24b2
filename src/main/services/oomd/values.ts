/**
 * systemd's value syntaxes used by oomd.conf and ManagedOOM*= settings: percentages
 * (parse_permyriad: "%" with up to two decimals, "‰" with one, "‱" whole) and time spans
 * (parse_sec: "30s", "1min 30s", bare numbers are seconds).
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string }

const PERCENT_FORMS: Array<{ suffix: string; decimals: number; scale: number }> = [
  { suffix: '%', decimals: 2, scale: 100 },
  { suffix: '‰', decimals: 1, scale: 10 },
  { suffix: '‱', decimals: 0, scale: 1 }
]

/** Parses a systemd percentage into permyriad (0…10000). */
export function parsePermyriad(text: string): Parsed<number> {
  const s = text.trim()
  const form = PERCENT_FORMS.find((f) => s.endsWith(f.suffix))
  if (!form) return { ok: false, error: `"${text}" is not a percentage (expected e.g. 60%)` }
  const num = s.slice(0, -form.suffix.length)
  const m = /^(\d+)(?:\.(\d+))?$/.exec(num)
  if (!m) return { ok: false, error: `"${text}" is not a percentage (expected e.g. 60%)` }
  const frac = m[2] ?? ''
  if (frac.length > form.decimals) {
    return { ok: false, error: `"${text}" has too many decimals (at most ${form.decimals} for ${form.suffix})` }
  }
  const value = Number(m[1]) * form.scale + (frac ? Number(frac.padEnd(form.decimals, '0')) : 0)
  if (value > 10_000) return { ok: false, error: `"${text}" is above 100%` }
  return { ok: true, value }
}

/** 6000 → "60%", 6050 → "60.5%". */
export function formatPermyriad(pm: number): string {
  const whole = Math.floor(pm / 100)
  const frac = String(pm % 100)
    .padStart(2, '0')
    .replace(/0+$/, '')
  return frac ? `${whole}.${frac}%` : `${whole}%`
}

const USEC_PER_SEC = 1_000_000
/** Unit spellings accepted by systemd's parse_sec, in microseconds. */
const TIME_UNITS: Array<[string, number]> = (
  [
    [['seconds', 'second', 'sec', 's'], USEC_PER_SEC],
    [['minutes', 'minute', 'min', 'm'], 60 * USEC_PER_SEC],
    [['hours', 'hour', 'hr', 'h'], 3600 * USEC_PER_SEC],
    [['days', 'day', 'd'], 86_400 * USEC_PER_SEC],
    [['weeks', 'week', 'w'], 604_800 * USEC_PER_SEC],
    [['months', 'month', 'M'], 2_629_800 * USEC_PER_SEC],
    [['years', 'year', 'y'], 31_557_600 * USEC_PER_SEC],
    [['msec', 'ms'], 1000],
    [['usec', 'us', 'µs', 'μs'], 1],
    [['nsec', 'ns'], 0.001]
  ] as Array<[string[], number]>
)
  .flatMap(([names, usec]) => names.map((n): [string, number] => [n, usec]))
  .sort((a, b) => b[0].length - a[0].length)

/** Parses a systemd time span into microseconds. */
export function parseTimespan(text: string): Parsed<number> {
  const s = text.trim()
  if (!s) return { ok: false, error: 'empty time span' }
  if (s === 'infinity') return { ok: true, value: Infinity }
  let i = 0
  let total = 0
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++
    if (i >= s.length) break
    const m = /^\d+(?:\.\d+)?/.exec(s.slice(i))
    if (!m) return { ok: false, error: `"${text}" is not a time span (expected e.g. 30s or 1min 30s)` }
    i += m[0].length
    while (s[i] === ' ' || s[i] === '\t') i++
    const rest = s.slice(i)
    const unit = TIME_UNITS.find(([name]) => rest.startsWith(name) && !/^[A-Za-z\u00b5\u03bc]/.test(rest.slice(name.length)))
    if (unit) i += unit[0].length
    else if (rest && !/^\d/.test(rest)) return { ok: false, error: `"${text}" has an unknown time unit` }
    total += Number(m[0]) * (unit ? unit[1] : USEC_PER_SEC)
  }
  return { ok: true, value: Math.round(total) }
}

/** Whole seconds in systemd's style: 150 → "2min 30s", 3600 → "1h". */
export function formatSeconds(sec: number): string {
  if (sec === 0) return '0'
  const parts: string[] = []
  let rest = sec
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1]
  ] as const) {
    const n = Math.floor(rest / size)
    if (n > 0) parts.push(`${n}${unit}`)
    rest -= n * size
  }
  return parts.join(' ')
}

/** Formats microseconds for display, keeping sub-second values visible. */
export function formatUsec(usec: number): string {
  if (!Number.isFinite(usec)) return 'infinity'
  if (usec % USEC_PER_SEC === 0) return formatSeconds(usec / USEC_PER_SEC)
  if (usec < USEC_PER_SEC) return usec % 1000 === 0 ? `${usec / 1000}ms` : `${usec}us`
  return `${(usec / USEC_PER_SEC).toFixed(3).replace(/0+$/, '')}s`
}
