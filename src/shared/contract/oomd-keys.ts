// No zod here: the renderer, the CLI and the services' start-up paths import this directly.
export const OOMD_SERVICE = 'systemd-oomd.service'
export const OOMD_SOCKET = 'systemd-oomd.socket'
/** The one file the app writes; "reset to defaults" removes it. */
export const OOMD_THRESHOLDS_FILE = '/etc/systemd/oomd.conf.d/60-hyperscale-companion.conf'

/** The [OOM] keys of oomd.conf, in the order the app writes them. */
export const thresholdKeys = ['SwapUsedLimit', 'DefaultMemoryPressureLimit', 'DefaultMemoryPressureDurationSec'] as const
export type ThresholdKey = (typeof thresholdKeys)[number]

/** systemd's compiled-in values (oomd.conf(5)). */
export const thresholdDefaults: Record<ThresholdKey, string> = {
  SwapUsedLimit: '90%',
  DefaultMemoryPressureLimit: '60%',
  DefaultMemoryPressureDurationSec: '30s'
}

export const managedOomKeys = ['ManagedOOMSwap', 'ManagedOOMMemoryPressure', 'ManagedOOMMemoryPressureLimit', 'ManagedOOMPreference'] as const
export type ManagedOomKey = (typeof managedOomKeys)[number]
