import { thresholdDefaults, thresholdKeys, type ThresholdKey } from '../../../shared/contract/oomd-keys'
import type { EffectiveValue, OomdConfig } from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'
import { standardConfigFiles, type ConfFile, type Unreadable } from './conf-files'
import { parseUnitIni } from './ini'
import { formatPermyriad, formatUsec, parsePermyriad, parseTimespan } from './values'

const USEC_PER_SEC = 1_000_000

/** Checks a value the way systemd-oomd's config parser would; returns the value to show. */
function interpret(key: ThresholdKey, raw: string): { ok: true; shown: string; warning?: string } | { ok: false; error: string } {
  if (key === 'DefaultMemoryPressureDurationSec') {
    const t = parseTimespan(raw)
    if (!t.ok) return { ok: false, error: t.error }
    if (t.value === 0) return { ok: true, shown: thresholdDefaults[key], warning: `${key}=0 means the default (${thresholdDefaults[key]})` }
    if (t.value < USEC_PER_SEC) {
      return { ok: true, shown: formatUsec(t.value), warning: `${key}=${raw} is below 1s: systemd-oomd refuses to start with it` }
    }
    return { ok: true, shown: formatUsec(t.value) }
  }
  const p = parsePermyriad(raw)
  if (!p.ok) return { ok: false, error: p.error }
  return { ok: true, shown: formatPermyriad(p.value) }
}

/** Applies [OOM] assignments of the files in order; the last valid assignment of a key wins. */
export function mergeOomdConfig(files: ConfFile[], masked: string[] = [], unreadable: Unreadable[] = []): OomdConfig {
  const settings = Object.fromEntries(
    thresholdKeys.map((k): [ThresholdKey, EffectiveValue] => [k, { key: k, value: thresholdDefaults[k], source: null, default: thresholdDefaults[k] }])
  ) as Record<ThresholdKey, EffectiveValue>
  const warnings: string[] = unreadable.map(
    (u) => `${u.reason.startsWith(u.path) ? u.reason : `${u.path}: ${u.reason}`}; not read, and systemd-oomd cannot use it either`
  )
  for (const file of files) {
    if (file.binary) {
      // systemd reads such a file line by line and logs an error for each unparseable line; its values are not trustworthy.
      warnings.push(
        `${file.path}: not a text file (NUL bytes or invalid UTF-8); its settings were ignored here and systemd-oomd logs errors for it. Remove or replace it.`
      )
      continue
    }
    for (const a of parseUnitIni(file.text)) {
      if (a.section !== 'OOM') continue
      if (!(thresholdKeys as readonly string[]).includes(a.key)) {
        warnings.push(`${file.path}:${a.line}: unknown setting ${a.key}= ignored`)
        continue
      }
      const key = a.key as ThresholdKey
      const r = interpret(key, a.value)
      if (!r.ok) {
        warnings.push(`${file.path}:${a.line}: ${key}=${a.value} ignored (${r.error})`)
        continue
      }
      if (r.warning) warnings.push(`${file.path}:${a.line}: ${r.warning}`)
      settings[key] = { key, value: r.shown, source: file.path, line: a.line, default: thresholdDefaults[key] }
    }
  }
  return { files: files.map((f) => f.path), masked, settings, warnings }
}

/** The effective oomd.conf as systemd-oomd reads it under `fs`. */
export async function readOomdConfig(fs: RootFs): Promise<OomdConfig> {
  const { files, masked, unreadable } = await standardConfigFiles(fs, 'systemd/oomd.conf')
  return mergeOomdConfig(files, masked, unreadable)
}
