import type { Check } from '../../../../shared/contract'
import type { Facts } from '../facts'
import { procfsHardwareProbe, type HardwareSummary } from '../hardware'
import { formatBytes } from './helpers'
import { lazyDeadline } from '../../system/deadline'

/** The report never waits longer than this for the hardware summary; a slow probe keeps running and serves the next report. */
export const HARDWARE_TIMEOUT_MS = 1500

export async function hardwareChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'hardware.summary', group: 'hardware', title: 'Hardware' } as const
  if (!facts.live) {
    return [
      {
        ...base,
        status: 'unknown',
        notApplicable: true,
        value: 'not applicable under a fixture root (describes the live machine only)',
        evidence: [{ source: '/proc/cpuinfo, /proc/meminfo', excerpt: `not read for root ${facts.fs.root}` }]
      }
    ]
  }
  const probe = facts.hardware ?? procfsHardwareProbe
  const deadline = lazyDeadline(HARDWARE_TIMEOUT_MS)
  let hw: HardwareSummary | 'over'
  try {
    hw = await Promise.race([probe(facts), deadline.reached])
  } catch (err) {
    return [
      {
        ...base,
        status: 'unknown',
        value: `hardware probe failed: ${(err as Error).message}`,
        evidence: [{ source: '/proc/cpuinfo, /proc/meminfo', excerpt: (err as Error).message }]
      }
    ]
  } finally {
    deadline.cancel()
  }
  if (hw === 'over') {
    return [
      {
        ...base,
        status: 'unknown',
        value: deadline.stalled
          ? 'hardware probe stopped answering (nothing it waited for was still running); refresh to try again'
          : `hardware probe still running after ${HARDWARE_TIMEOUT_MS} ms; refresh to see it`,
        evidence: [{ source: '/proc/cpuinfo, /proc/meminfo', excerpt: deadline.stalled ? 'stopped answering' : 'timed out' }]
      }
    ]
  }
  const cpu = [hw.cpu.manufacturer, hw.cpu.brand].filter(Boolean).join(' ') || 'unknown CPU'
  const board = [hw.board.manufacturer, hw.board.model].filter(Boolean).join(' ')
  const value = `${cpu}, ${hw.cpu.cores} threads / ${hw.cpu.physicalCores} cores; ${formatBytes(hw.memory.totalBytes)} RAM${board ? `; board ${board}` : ''}`
  return [
    {
      ...base,
      status: 'ok',
      value,
      evidence: [{ source: '/proc/cpuinfo, /proc/meminfo, /sys/devices/virtual/dmi/id', excerpt: JSON.stringify(hw) }],
      details: { ...hw }
    }
  ]
}
