import type { Check } from '../../../../shared/contract'
import type { Facts } from '../facts'
import { systeminformationProbe, type HardwareSummary } from '../hardware'
import { formatBytes } from './helpers'

/** The report never waits longer than this for the hardware summary; a slow probe keeps running and serves the next report. */
export const HARDWARE_TIMEOUT_MS = 1500

export async function hardwareChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'hardware.summary', group: 'hardware', title: 'Hardware' } as const
  if (!facts.live) {
    return [{ ...base, status: 'unknown', notApplicable: true, value: 'not applicable under a fixture root (describes the live machine only)', evidence: [{ source: 'systeminformation', excerpt: `not run for root ${facts.fs.root}` }] }]
  }
  const probe = facts.hardware ?? systeminformationProbe
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), HARDWARE_TIMEOUT_MS)
  })
  let hw: HardwareSummary | 'timeout'
  try {
    hw = await Promise.race([probe(), timeout])
  } catch (err) {
    return [{ ...base, status: 'unknown', value: `hardware probe failed: ${(err as Error).message}`, evidence: [{ source: 'systeminformation', excerpt: (err as Error).message }] }]
  } finally {
    clearTimeout(timer)
  }
  if (hw === 'timeout') {
    return [{ ...base, status: 'unknown', value: `hardware probe still running after ${HARDWARE_TIMEOUT_MS} ms; refresh to see it`, evidence: [{ source: 'systeminformation', excerpt: 'timed out' }] }]
  }
  const cpu = [hw.cpu.manufacturer, hw.cpu.brand].filter(Boolean).join(' ') || 'unknown CPU'
  const board = [hw.board.manufacturer, hw.board.model].filter(Boolean).join(' ')
  const value = `${cpu}, ${hw.cpu.cores} threads / ${hw.cpu.physicalCores} cores; ${formatBytes(hw.memory.totalBytes)} RAM${board ? `; board ${board}` : ''}`
  return [
    {
      ...base,
      status: 'ok',
      value,
      evidence: [{ source: 'systeminformation cpu(), mem(), baseboard()', excerpt: JSON.stringify(hw) }],
      details: { ...hw }
    }
  ]
}
