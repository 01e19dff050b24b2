import { AppError } from '../../../shared/contract/errors'
import { OOMD_SERVICE, OOMD_THRESHOLDS_FILE, thresholdKeys, type ThresholdKey } from '../../../shared/contract/oomd-keys'
import type { OomdThresholdsResult } from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'
import type { BusConnector } from '../systemd/connect'
import type { SystemdClientOptions } from '../systemd/client'
import { withSystemd } from '../systemd/session'
import { readOomdConfig } from './oomd-config'
import { parseThresholdsFile, renderThresholdsFile, validateThresholds } from './dropin'

export { canonicalThreshold, parseThresholdsFile, renderThresholdsFile, validateDropInContent, validateThresholds } from './dropin'

/**
 * Writes and removes root-owned files. Wired to the privileged runner (pkexec) in the app,
 * to plain file access when already root or when working on a --root tree.
 */
export interface PrivilegedFiles {
  writeConfigFile(path: string, content: string): Promise<void>
  removeFile(path: string): Promise<void>
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
