import type { CommandRunner } from '../system/command'
import type { UnitRuntimeState } from './client'

/** The states `systemctl is-enabled` prints (systemctl(1)); anything else means it failed. */
export const FILE_STATES: ReadonlySet<string> = new Set([
  'enabled',
  'enabled-runtime',
  'linked',
  'linked-runtime',
  'alias',
  'masked',
  'masked-runtime',
  'static',
  'indirect',
  'disabled',
  'generated',
  'transient',
  'bad',
  'not-found'
])

export const SHOW_PROPERTIES = ['Id', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState'] as const

/** Parses `systemctl show -p …` output: KEY=VALUE blocks, one block per unit, blank-line separated. */
export function parseSystemctlShow(text: string): Array<Record<string, string>> {
  const blocks: Array<Record<string, string>> = []
  let cur: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line) {
      if (Object.keys(cur).length) blocks.push(cur)
      cur = {}
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    cur[line.slice(0, eq)] = line.slice(eq + 1)
  }
  if (Object.keys(cur).length) blocks.push(cur)
  return blocks
}

export interface ShowResult {
  states?: UnitRuntimeState[]
  error?: string
}

/** Asks the running manager through systemctl (needs systemd as PID 1, no bus access of our own). */
export async function systemctlShow(run: CommandRunner, units: string[]): Promise<ShowResult> {
  const res = await run(['systemctl', 'show', '-p', SHOW_PROPERTIES.join(','), ...units], { timeoutMs: 10_000 })
  if (res.spawnError) return { error: `systemctl could not be started (${res.spawnError})` }
  if (res.code !== 0) return { error: firstLine(res.stderr) || `systemctl show exited with ${res.code}` }
  const blocks = parseSystemctlShow(res.stdout)
  const states: UnitRuntimeState[] = []
  for (const [i, unit] of units.entries()) {
    const b = blocks.find((x) => x.Id === unit) ?? blocks[i]
    if (!b) return { error: `systemctl show printed nothing for ${unit}` }
    states.push({
      unit,
      loadState: b.LoadState || 'unknown',
      activeState: b.ActiveState || 'unknown',
      subState: b.SubState || 'unknown',
      // Empty for units without a unit file (e.g. transient ones).
      unitFileState: b.UnitFileState || 'unknown'
    })
  }
  return { states }
}

export interface IsEnabledResult {
  state?: string
  error?: string
}

/**
 * `systemctl [--root=DIR] is-enabled UNIT` reads unit files directly when no manager runs,
 * so it works on an offline tree and on machines without systemd as PID 1. One unit per
 * call: a missing unit prints nothing on stdout, which would shift a multi-unit answer.
 */
export async function systemctlIsEnabled(run: CommandRunner, unit: string, root?: string): Promise<IsEnabledResult> {
  const argv = ['systemctl', ...(root ? [`--root=${root}`] : []), 'is-enabled', unit]
  const res = await run(argv, { timeoutMs: 10_000 })
  if (res.spawnError) return { error: `systemctl could not be started (${res.spawnError})` }
  const state = res.stdout.trim().split('\n')[0]?.trim() ?? ''
  if (FILE_STATES.has(state)) return { state }
  const err = firstLine(res.stderr)
  if (/No such file or directory|not found|does not exist/i.test(err)) return { state: 'not-found' }
  return { error: err || `systemctl is-enabled exited with ${res.code}` }
}

/**
 * Several units in one systemctl process when each answers with a state line and nothing
 * goes to stderr (the usual case: one process instead of one per unit on `hsc oomd status`);
 * any other answer is asked again unit by unit, where a missing unit cannot shift the rest.
 */
export async function systemctlIsEnabledAll(run: CommandRunner, units: readonly string[], root?: string): Promise<IsEnabledResult[]> {
  const res = await run(['systemctl', ...(root ? [`--root=${root}`] : []), 'is-enabled', ...units], { timeoutMs: 10_000 })
  if (res.spawnError) return units.map(() => ({ error: `systemctl could not be started (${res.spawnError})` }))
  const lines = res.stdout
    .trim()
    .split('\n')
    .map((l) => l.trim())
  if (lines.length === units.length && lines.every((l) => FILE_STATES.has(l)) && !res.stderr.trim()) return lines.map((state) => ({ state }))
  return Promise.all(units.map((u) => systemctlIsEnabled(run, u, root)))
}

/** Offline enable/disable of a unit tree (an image or --root); never used on the live system. */
export async function systemctlOffline(run: CommandRunner, root: string, verb: 'enable' | 'disable', units: string[]): Promise<void> {
  if (!root || root === '/') throw new Error('systemctlOffline is only for a --root tree')
  const res = await run(['systemctl', `--root=${root}`, verb, ...units], { timeoutMs: 30_000 })
  if (res.spawnError || res.code !== 0) {
    throw new Error(firstLine(res.stderr) || res.spawnError || `systemctl ${verb} exited with ${res.code}`)
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.trim() ?? ''
}
