import { AppError } from '../../../shared/contract/errors'
import { thresholdKeys, type ThresholdKey } from '../../../shared/contract/oomd-keys'
import { parseUnitIni } from './ini'
import { formatPermyriad, formatSeconds, parseTimespan } from './values'

/**
 * The app's oomd drop-in: validation, rendering and parsing. Pure, so the root helper
 * (src/root-helper) checks what it is about to write with exactly the service's rules.
 */

const MAX_DURATION_SEC = 24 * 3600
const HEADER = '# Written by Hyperscale Companion. "Reset to defaults" (or `hsc oomd reset`) removes this file.\n'

const PERCENT_KEYS: ReadonlySet<ThresholdKey> = new Set(['SwapUsedLimit', 'DefaultMemoryPressureLimit'])

function invalid(key: string, message: string): AppError {
  return new AppError('InvalidThreshold', `${key}: ${message}`, { stage: 'validate thresholds', hint: 'Nothing was written.' })
}

/** Validates one value and returns it in canonical form ("60.5%", "1min 30s"). */
export function canonicalThreshold(key: ThresholdKey, raw: string): string {
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw invalid(key, 'must be a single line of plain text')
  const value = raw.trim()
  if (PERCENT_KEYS.has(key)) {
    const m = /^(\d{1,3})(?:\.(\d{1,2}))?%$/.exec(value)
    if (!m) throw invalid(key, `"${value}" is not a percentage between 0% and 100% with at most two decimals (e.g. 60% or 60.5%)`)
    const permyriad = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
    if (permyriad > 10_000) throw invalid(key, `"${value}" is above 100%`)
    return formatPermyriad(permyriad)
  }
  const t = parseTimespan(value)
  if (!t.ok) throw invalid(key, `${t.error}`)
  if (!Number.isFinite(t.value)) throw invalid(key, 'must be a finite duration')
  if (t.value < 1_000_000) throw invalid(key, `"${value}" is shorter than 1s (systemd-oomd needs at least 1s)`)
  if (t.value % 1_000_000 !== 0) throw invalid(key, `"${value}" is not a whole number of seconds`)
  if (t.value > MAX_DURATION_SEC * 1_000_000) throw invalid(key, `"${value}" is longer than 24h`)
  return formatSeconds(t.value / 1_000_000)
}

/** Checks every key and value first, so one bad value means nothing is written. */
export function validateThresholds(values: Readonly<Record<string, unknown>>): Partial<Record<ThresholdKey, string | null>> {
  const out: Partial<Record<ThresholdKey, string | null>> = {}
  const errors: string[] = []
  for (const [key, raw] of Object.entries(values)) {
    if (!(thresholdKeys as readonly string[]).includes(key)) {
      errors.push(`unknown key ${JSON.stringify(key.slice(0, 64))} (allowed: ${thresholdKeys.join(', ')})`)
      continue
    }
    const k = key as ThresholdKey
    if (raw === undefined) continue
    if (raw === null) {
      out[k] = null
      continue
    }
    if (typeof raw !== 'string') {
      errors.push(`${k}: must be text`)
      continue
    }
    try {
      out[k] = canonicalThreshold(k, raw)
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err))
    }
  }
  if (errors.length) throw new AppError('InvalidThreshold', errors.join('; '), { stage: 'validate thresholds', hint: 'Nothing was written.' })
  return out
}

/** The app's drop-in: fixed keys in a fixed order, nothing taken verbatim from input. */
export function renderThresholdsFile(values: Partial<Record<ThresholdKey, string>>): string {
  let text = `${HEADER}[OOM]\n`
  for (const k of thresholdKeys) if (values[k] !== undefined) text += `${k}=${values[k]}\n`
  return text
}

/** Values currently in the app's own drop-in (only valid, known keys). */
export function parseThresholdsFile(text: string): Partial<Record<ThresholdKey, string>> {
  const out: Partial<Record<ThresholdKey, string>> = {}
  for (const a of parseUnitIni(text)) {
    if (a.section !== 'OOM' || !(thresholdKeys as readonly string[]).includes(a.key)) continue
    try {
      out[a.key as ThresholdKey] = canonicalThreshold(a.key as ThresholdKey, a.value)
    } catch {
      // A hand-edited bad value is dropped when the app rewrites its file.
    }
  }
  return out
}

/**
 * Checks a whole drop-in as the root helper receives it: it must be exactly what
 * renderThresholdsFile makes of valid values (comments only from the header, one [OOM]
 * section, known keys once each). Returns the content unchanged or throws.
 */
export function validateDropInContent(content: string): string {
  if (content.length > 4096) throw invalid('content', 'is longer than a drop-in this app writes')
  const values: Record<string, string> = {}
  for (const line of content.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (!m) continue
    if (m[1] in values) throw invalid(m[1], 'appears twice')
    values[m[1]] = m[2]
  }
  const canonical = validateThresholds(values)
  const rendered: Partial<Record<ThresholdKey, string>> = {}
  for (const k of thresholdKeys) if (typeof canonical[k] === 'string') rendered[k] = canonical[k] as string
  if (Object.keys(rendered).length === 0) throw invalid('content', 'sets no threshold')
  if (renderThresholdsFile(rendered) !== content) {
    throw invalid('content', 'is not in the exact form this app writes (header, [OOM], known keys in canonical form)')
  }
  return content
}
