import { AppError } from '../../../shared/contract/errors'
import {
  OOMD_SERVICE,
  OOMD_THRESHOLDS_FILE,
  thresholdKeys,
  type OomdThresholdsResult,
  type ThresholdKey
} from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'
import type { BusConnector } from '../systemd/connect'
import type { SystemdClientOptions } from '../systemd/client'
import { withSystemd } from '../systemd/session'
import { parseUnitIni } from './ini'
import { readOomdConfig } from './oomd-config'
import { formatPermyriad, formatSeconds, parseTimespan } from './values'

/**
 * Writes and removes root-owned files. Wired to the privileged runner (pkexec) in the app,
 * to plain file access when already root or when working on a --root tree.
 */
export interface PrivilegedFiles {
  writeConfigFile(path: string, content: string): Promise<void>
  removeFile(path: string): Promise<void>
}

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

export interface ThresholdDeps {
  fs: RootFs
  files: PrivilegedFiles
  connect: BusConnector
  clientOptions?: SystemdClientOptions
}

/** Restarts systemd-oomd if it runs, so it rereads its configuration. */
async function restartIfRunning(deps: ThresholdDeps, written: string): Promise<OomdThresholdsResult['restart']> {
  if (!deps.fs.isLive) return 'offline-root'
  try {
    return await withSystemd(
      deps.connect,
      async (c) => {
        const st = await c.getUnitState(OOMD_SERVICE)
        if (st.activeState !== 'active') return 'not-running'
        await c.restartUnit(OOMD_SERVICE, 'replace')
        return 'restarted'
      },
      deps.clientOptions
    )
  } catch (err) {
    if (err instanceof AppError && err.name === 'SystemdUnavailable') return 'systemd-unavailable'
    if (err instanceof AppError) {
      throw new AppError(err.name, `${written}, but systemd-oomd was not restarted: ${err.message}`, { stage: err.stage, hint: err.hint, cause: err })
    }
    throw err
  }
}

export async function setThresholds(deps: ThresholdDeps, values: Readonly<Record<string, unknown>>): Promise<OomdThresholdsResult> {
  const changes = validateThresholds(values)
  const current = parseThresholdsFile((await deps.fs.tryReadText(OOMD_THRESHOLDS_FILE)) ?? '')
  const next: Partial<Record<ThresholdKey, string>> = { ...current }
  for (const k of thresholdKeys) {
    if (!(k in changes)) continue
    const v = changes[k]
    if (v === null || v === undefined) delete next[k]
    else next[k] = v
  }
  let content: string | null = null
  if (Object.keys(next).length === 0) {
    if (await deps.fs.exists(OOMD_THRESHOLDS_FILE)) await deps.files.removeFile(OOMD_THRESHOLDS_FILE)
  } else {
    content = renderThresholdsFile(next)
    await deps.files.writeConfigFile(OOMD_THRESHOLDS_FILE, content)
  }
  const restart = await restartIfRunning(deps, `The thresholds were written to ${OOMD_THRESHOLDS_FILE}`)
  return { path: OOMD_THRESHOLDS_FILE, content, restart, config: await readOomdConfig(deps.fs) }
}

/** "Reset to defaults": removes the app's drop-in; vendor and admin files stay. */
export async function resetThresholds(deps: ThresholdDeps): Promise<OomdThresholdsResult> {
  if (await deps.fs.exists(OOMD_THRESHOLDS_FILE)) await deps.files.removeFile(OOMD_THRESHOLDS_FILE)
  const restart = await restartIfRunning(deps, `${OOMD_THRESHOLDS_FILE} was removed`)
  return { path: OOMD_THRESHOLDS_FILE, content: null, restart, config: await readOomdConfig(deps.fs) }
}
