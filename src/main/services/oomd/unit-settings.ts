import { managedOomKeys, type ManagedOomKey } from '../../../shared/contract/oomd-keys'
import type { EffectiveValue, UnitOomSettings } from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'
import { SYSTEM_UNIT_DIRS, USER_UNIT_DIRS, unitFiles, type ConfFile } from './conf-files'
import { parseUnitIni } from './ini'
import { formatPermyriad, parsePermyriad } from './values'

/** The units whose ManagedOOM*= settings decide what systemd-oomd watches on a default install. */
export const WATCHED_UNITS: Array<{ unit: string; manager: 'system' | 'user' }> = [
  { unit: '-.slice', manager: 'system' },
  { unit: 'system.slice', manager: 'system' },
  { unit: 'user.slice', manager: 'system' },
  { unit: 'user@.service', manager: 'system' },
  { unit: 'app.slice', manager: 'user' },
  { unit: 'background.slice', manager: 'user' },
  { unit: 'session.slice', manager: 'user' }
]

/** systemd.resource-control(5) defaults. */
const DEFAULTS: Record<ManagedOomKey, string> = {
  ManagedOOMSwap: 'auto',
  ManagedOOMMemoryPressure: 'auto',
  ManagedOOMMemoryPressureLimit: '0%',
  ManagedOOMPreference: 'none'
}

const ALLOWED: Partial<Record<ManagedOomKey, string[]>> = {
  ManagedOOMSwap: ['auto', 'kill'],
  ManagedOOMMemoryPressure: ['auto', 'kill'],
  ManagedOOMPreference: ['none', 'avoid', 'omit']
}

function sectionFor(unit: string): string {
  const type = unit.slice(unit.lastIndexOf('.') + 1)
  return type.charAt(0).toUpperCase() + type.slice(1)
}

/** Applies the unit file, then its drop-ins; invalid values are ignored as systemd ignores them. */
export function mergeUnitSettings(unit: string, manager: 'system' | 'user', unitFile: ConfFile | null, dropIns: ConfFile[]): UnitOomSettings {
  const settings = Object.fromEntries(
    managedOomKeys.map((k): [ManagedOomKey, EffectiveValue] => [k, { key: k, value: DEFAULTS[k], source: null, default: DEFAULTS[k] }])
  ) as Record<ManagedOomKey, EffectiveValue>
  const section = sectionFor(unit)
  for (const file of unitFile ? [unitFile, ...dropIns] : dropIns) {
    for (const a of parseUnitIni(file.text)) {
      if (a.section !== section || !(managedOomKeys as readonly string[]).includes(a.key)) continue
      const key = a.key as ManagedOomKey
      let value: string | undefined
      if (a.value === '') value = DEFAULTS[key]
      else if (key === 'ManagedOOMMemoryPressureLimit') {
        const p = parsePermyriad(a.value)
        value = p.ok ? formatPermyriad(p.value) : undefined
      } else if (ALLOWED[key]?.includes(a.value)) value = a.value
      if (value === undefined) continue
      settings[key] = { key, value, source: file.path, line: a.line, default: DEFAULTS[key] }
    }
  }
  return { unit, manager, unitFile: unitFile?.path ?? null, dropIns: dropIns.map((d) => d.path), settings }
}

export async function readUnitSettings(fs: RootFs): Promise<UnitOomSettings[]> {
  return Promise.all(
    WATCHED_UNITS.map(async ({ unit, manager }) => {
      const files = await unitFiles(fs, unit, manager === 'system' ? SYSTEM_UNIT_DIRS : USER_UNIT_DIRS)
      return mergeUnitSettings(unit, manager, files.unitFile, files.dropIns)
    })
  )
}
