import { z } from 'zod'
import { event, method } from './define'
import type { CheckStatus, Evidence, PressureAverages, Remedy } from './inspect'

// The names and keys live in oomd-keys.ts (no zod): the CLI's and the services' start-up paths
// import them without building these schemas.
export {
  OOMD_SERVICE,
  OOMD_SOCKET,
  OOMD_THRESHOLDS_FILE,
  thresholdKeys,
  thresholdDefaults,
  managedOomKeys,
  type ThresholdKey,
  type ManagedOomKey
} from './oomd-keys'
import type { ManagedOomKey, ThresholdKey } from './oomd-keys'

export interface OomdUnitState {
  unit: string
  /** loaded, not-found, masked, … ("unknown" when no manager could be asked). */
  loadState: string
  /** active, inactive, failed, activating, … ("unknown" / "n/a" offline). */
  activeState: string
  subState: string
  /** enabled, disabled, static, masked, … as systemctl is-enabled prints it. */
  unitFileState: string
}

export interface OomdState {
  /** Where the states came from: the systemd1 bus API, `systemctl show`, unit files only, or nothing. */
  source: 'dbus' | 'systemctl' | 'unit-files' | 'offline-root' | 'unavailable'
  service: OomdUnitState
  socket: OomdUnitState
  enabled: boolean
  active: boolean
  /** Why the state is incomplete (e.g. "no systemd manager on the bus"). */
  note?: string
}

export type OomdRequirementId = 'installed' | 'unified-cgroup' | 'memory-controller' | 'psi' | 'swap'

export interface OomdRequirement {
  id: OomdRequirementId
  title: string
  status: CheckStatus
  /** A hard requirement blocks enabling when it fails; a soft one only warns. */
  hard: boolean
  value: string
  reason: string
  evidence: Evidence[]
  remedy?: Remedy
}

/** One effective setting and where it came from (`source` null = systemd's built-in default). */
export interface EffectiveValue {
  key: string
  value: string
  source: string | null
  /** 1-based line in `source`. */
  line?: number
  /** The built-in default, shown next to overridden values. */
  default: string
}

export interface OomdConfig {
  /** Files read, in the order systemd applies them (main file first). */
  files: string[]
  /** Files that mask a lower-priority file of the same name (symlink to /dev/null or empty). */
  masked: string[]
  settings: Record<ThresholdKey, EffectiveValue>
  /** Ignored assignments and values systemd-oomd would refuse. */
  warnings: string[]
}

export interface UnitOomSettings {
  unit: string
  manager: 'system' | 'user'
  /** The unit file systemd loads, null when only drop-ins exist (slices are implicit). */
  unitFile: string | null
  dropIns: string[]
  settings: Record<ManagedOomKey, EffectiveValue>
}

export interface OomctlCgroup {
  path: string
  memoryPressureLimit?: string
  pressure?: { avg10: number; avg60: number; avg300: number; total: string }
  currentMemoryUsage?: string
  swapUsage?: string
  /** Every other "Key: value" line, kept as printed (formats differ between versions). */
  extra: Record<string, string>
}

export interface OomctlDump {
  dryRun?: boolean
  swapUsedLimit?: string
  defaultMemoryPressureLimit?: string
  defaultMemoryPressureDuration?: string
  system?: { memory?: string; swap?: string }
  swapMonitored: OomctlCgroup[]
  memoryPressureMonitored: OomctlCgroup[]
}

export interface OomdMonitored {
  available: boolean
  reason?: string
  dump?: OomctlDump
}

export interface OomdDefaultsPackage {
  installed: boolean
  /** The vendor drop-ins found (systemd-oomd-defaults on Fedora, Debian's systemd-oomd). */
  files: string[]
}

export interface OomdStatus {
  schema: 1
  root: string
  state: OomdState
  /** True when every hard requirement passes. */
  canRun: boolean
  /** One sentence per failed hard requirement. */
  blockers: string[]
  requirements: OomdRequirement[]
  defaultsPackage: OomdDefaultsPackage
  config: OomdConfig
  units: UnitOomSettings[]
  monitored: OomdMonitored
  thresholdsFile: { path: string; exists: boolean; values: Partial<Record<ThresholdKey, string>> }
}

export interface OomdToggleResult {
  action: 'enable' | 'disable'
  /** The systemd calls made, in order (for the log panel and tests). */
  steps: string[]
  state: OomdState
}

export interface OomdThresholdsResult {
  path: string
  /** The file content written, or null when the file was removed. */
  content: string | null
  restart: 'restarted' | 'not-running' | 'offline-root' | 'systemd-unavailable'
  config: OomdConfig
}

export interface OomdPressureSample {
  /** Epoch milliseconds. */
  t: number
  /** Averages in percent; total stall time in microseconds. */
  some: PressureAverages | null
  full: PressureAverages | null
  error?: string
}

const rootField = z.string().min(1).max(4096).optional()
const thresholdValue = z.string().max(64).nullable().optional()
const none = z.object({}).strict()

/** Only the read accepts a root; changes always act on the running system. */
export const oomdMethods = {
  'oomd.status': method<OomdStatus>()(z.object({ root: rootField }).strict()),
  'oomd.enable': method<OomdToggleResult>()(none),
  'oomd.disable': method<OomdToggleResult>()(none),
  /** A value of null removes that key from the app's file; absent keys keep their current value. */
  'oomd.setThresholds': method<OomdThresholdsResult>()(
    z
      .object({
        values: z
          .object({
            SwapUsedLimit: thresholdValue,
            DefaultMemoryPressureLimit: thresholdValue,
            DefaultMemoryPressureDurationSec: thresholdValue
          })
          .strict()
      })
      .strict()
  ),
  'oomd.reset': method<OomdThresholdsResult>()(none)
}

export const oomdEvents = {
  'oomd.pressure': event<OomdPressureSample>()
}
