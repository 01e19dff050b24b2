import type { Check, Evidence } from '../../../../shared/contract'
import { parseSwaps } from '../parsers/procfs'
import type { Facts } from '../facts'
import { formatBytes } from './helpers'

export async function swapChecks(facts: Facts): Promise<Check[]> {
  const [swapsText, meminfo] = await Promise.all([facts.text('/proc/swaps'), facts.meminfo()])
  const base = { id: 'swap', group: 'system', title: 'Swap' } as const
  if (swapsText === undefined && meminfo === undefined) {
    return [{ ...base, status: 'unknown', value: 'neither /proc/swaps nor /proc/meminfo readable', evidence: [{ source: '/proc/swaps', excerpt: 'missing' }] }]
  }
  const swaps = swapsText ? parseSwaps(swapsText) : []
  const mem = meminfo ?? {}
  const totalKiB = mem.SwapTotal ?? swaps.reduce((a, s) => a + s.sizeKiB, 0)
  const zram = swaps.filter((s) => s.zram)
  const zramKiB = zram.reduce((a, s) => a + s.sizeKiB, 0)
  const evidence: Evidence[] = []
  if (swapsText !== undefined) evidence.push({ source: '/proc/swaps', excerpt: swapsText.trim() })
  if (mem.SwapTotal !== undefined) evidence.push({ source: '/proc/meminfo', excerpt: `SwapTotal: ${mem.SwapTotal} kB\nSwapFree: ${mem.SwapFree ?? '?'} kB` })
  const details = {
    totalBytes: totalKiB * 1024,
    zramBytes: zramKiB * 1024,
    devices: swaps.map((s) => ({
      filename: s.filename,
      type: s.type,
      sizeBytes: s.sizeKiB * 1024,
      usedBytes: s.usedKiB * 1024,
      priority: s.priority,
      zram: s.zram
    }))
  }
  if (totalKiB === 0) {
    return [
      {
        ...base,
        status: 'warn',
        value: 'no swap',
        evidence,
        details,
        remedy: {
          text: 'systemd-oomd strongly recommends swap (its swap policy acts on swap use), and without it memory pressure builds up quickly. Compressed swap in RAM (zram, e.g. with zram-generator) needs no disk space.'
        }
      }
    ]
  }
  const parts = [`${formatBytes(totalKiB * 1024)} total`]
  if (zram.length) parts.push(`${zram.length === swaps.length ? 'all' : formatBytes(zramKiB * 1024)} on zram`)
  parts.push(`${swaps.length} device${swaps.length === 1 ? '' : 's'}`)
  return [{ ...base, status: 'ok', value: parts.join(', '), evidence, details }]
}
