import { OOMD_THRESHOLDS_FILE } from '../../../shared/contract/oomd-keys'
import type { OomdStatus } from '../../../shared/contract/oomd'
import { detectDefaultsPackage } from './defaults-package'
import { readOomdConfig } from './oomd-config'
import { readMonitored } from './oomctl'
import { blockersOf, checkRequirements } from './requirements'
import { readOomdState, type StateDeps } from './state'
import { parseThresholdsFile } from './thresholds'
import { readUnitSettings } from './unit-settings'

/** Everything the view and `hsc oomd status` show, gathered concurrently. */
export async function oomdStatus(given: StateDeps): Promise<OomdStatus> {
  // One sd_booted answer serves the unit states and oomctl.
  const booted = given.managerMayAnswer?.()
  const deps: StateDeps = booted ? { ...given, managerMayAnswer: () => booted } : given
  // The unit states and oomctl are a bus round trip or a program (systemctl, oomctl): they are
  // set going first, and the files are read and parsed while they run. File reads here are
  // synchronous, so started together they would all run before the program was even started.
  const asked = Promise.all([readOomdState(deps), readMonitored(deps.run, deps.fs.isLive, deps.managerMayAnswer)])
  // Marked handled for the turn below; the Promise.all that awaits it still sees a failure.
  asked.catch(() => undefined)
  await new Promise((resolve) => setImmediate(resolve))
  const [[state, monitored], requirements, defaultsPackage, config, units, ownFile] = await Promise.all([
    asked,
    checkRequirements(deps.fs, deps.run, deps.answers),
    detectDefaultsPackage(deps.fs),
    readOomdConfig(deps.fs),
    readUnitSettings(deps.fs),
    deps.fs.tryReadText(OOMD_THRESHOLDS_FILE)
  ])
  const blockers = blockersOf(requirements)
  return {
    schema: 1,
    root: deps.fs.root,
    state,
    canRun: blockers.length === 0,
    blockers,
    requirements,
    defaultsPackage,
    config,
    units,
    monitored,
    thresholdsFile: { path: OOMD_THRESHOLDS_FILE, exists: ownFile !== undefined, values: ownFile === undefined ? {} : parseThresholdsFile(ownFile) }
  }
}
