import type { OomctlCgroup, OomctlDump, OomdMonitored } from '../../../shared/contract/oomd'
import type { CommandRunner } from '../system/command'

/**
 * Log prefixes oomctl output picks up when captured from a journal or CI log:
 * "Jun 23 15:44:01 host ", "15:44:01 ", "[ 3336.100446] ", then "tag[pid]: ".
 */
const LOG_PREFIX = /^(?:[A-Z][a-z]{2} +\d{1,2} +)?(?:\d{2}:\d{2}:\d{2}(?:\.\d+)? +)?(?:\[ *\d+\.\d+\] +)?(?:\S+ +)?[\w.@-]+\[\d+\]: ?/

function num(re: RegExp, s: string): number | undefined {
  const m = re.exec(s)
  return m ? Number(m[1]) : undefined
}

/**
 * Parses `oomctl` (dump) output by its "Key: value" lines rather than by indentation: the
 * layout moved between systemd versions, and logs turn tabs into spaces or add prefixes.
 */
export function parseOomctl(text: string): OomctlDump {
  const dump: OomctlDump = { swapMonitored: [], memoryPressureMonitored: [] }
  let section: 'swap' | 'memory' | 'system' | null = null
  let cg: OomctlCgroup | null = null
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(LOG_PREFIX, '').trim()
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const key = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (/^Swap Monitored CGroups$/i.test(key)) {
      section = 'swap'
      cg = null
      continue
    }
    if (/^Memory Pressure Monitored CGroups$/i.test(key)) {
      section = 'memory'
      cg = null
      continue
    }
    if (/^System Context$/i.test(key)) {
      section = 'system'
      cg = null
      continue
    }
    if (key === 'Path') {
      cg = { path: value, extra: {} }
      // A dump cut off above its section header is most likely the pressure list (the longer one).
      if (section === 'swap') dump.swapMonitored.push(cg)
      else dump.memoryPressureMonitored.push(cg)
      continue
    }
    if (cg) {
      if (key === 'Memory Pressure Limit') cg.memoryPressureLimit = value
      else if (key === 'Pressure') {
        const total = /Total:\s*(.+)$/.exec(value)?.[1]?.trim() ?? ''
        cg.pressure = {
          avg10: num(/Avg10:\s*([\d.]+)/i, value) ?? 0,
          avg60: num(/Avg60:\s*([\d.]+)/i, value) ?? 0,
          avg300: num(/Avg300:\s*([\d.]+)/i, value) ?? 0,
          total
        }
      } else if (key === 'Current Memory Usage') cg.currentMemoryUsage = value
      else if (key === 'Swap Usage') cg.swapUsage = value
      else cg.extra[key] = value
      continue
    }
    if (section === 'system') {
      dump.system ??= {}
      if (key === 'Memory') dump.system.memory = value
      else if (key === 'Swap') dump.system.swap = value
      continue
    }
    if (key === 'Dry Run') dump.dryRun = /^(yes|true|1)$/i.test(value)
    else if (key === 'Swap Used Limit') dump.swapUsedLimit = value
    else if (key === 'Default Memory Pressure Limit') dump.defaultMemoryPressureLimit = value
    else if (key === 'Default Memory Pressure Duration') dump.defaultMemoryPressureDuration = value
  }
  return dump
}

/** Asks the running systemd-oomd (oomctl talks to it over varlink). */
export async function readMonitored(run: CommandRunner, live: boolean, managerMayAnswer?: () => Promise<boolean>): Promise<OomdMonitored> {
  if (!live) return { available: false, reason: 'oomctl asks the running systemd-oomd; an offline root has none' }
  if (managerMayAnswer && !(await managerMayAnswer()))
    return { available: false, reason: "systemd-oomd is not running: systemd is not this system's init (no /run/systemd/system)" }
  const res = await run(['oomctl'], { timeoutMs: 5000 })
  if (res.spawnError) return { available: false, reason: `oomctl is not installed (${res.spawnError})` }
  if (res.code !== 0) {
    const why = res.stderr.trim().split('\n')[0] || `oomctl exited with ${res.code}`
    return { available: false, reason: `systemd-oomd is not answering: ${why}` }
  }
  return { available: true, dump: parseOomctl(res.stdout) }
}
