import type { Check, Evidence } from '../../../../shared/contract'
import { mountFor } from '../parsers/mountinfo'
import { parseSwaps } from '../parsers/procfs'
import type { Facts } from '../facts'
import { GiB, formatBytes } from './helpers'

/**
 * Swap size against memory and where it lives. resctl-demo's sysreqs want swap of at least
 * min(RAM / 3, 32 GiB) so anonymous memory can be reclaimed under pressure (Linux 5.8's
 * balanced reclaim made swap useful on SSDs), and on the root filesystem's device; a
 * swap file inherits its filesystem's properties (on btrfs it must be NOCOW, no compression).
 */
export async function swapSizeChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'swap.size', group: 'system', title: 'Swap size and location' } as const
  const [swapsText, meminfo, mounts] = await Promise.all([facts.text('/proc/swaps'), facts.meminfo(), facts.mounts()])
  const mem = meminfo ?? {}
  if (swapsText === undefined || mem.MemTotal === undefined) {
    return [
      {
        ...base,
        status: 'unknown',
        value: `${swapsText === undefined ? '/proc/swaps' : '/proc/meminfo MemTotal'} not readable`,
        evidence: [{ source: swapsText === undefined ? '/proc/swaps' : '/proc/meminfo', excerpt: 'missing or unreadable' }]
      }
    ]
  }
  const memBytes = mem.MemTotal * 1024
  const want = Math.min(memBytes / 3, 32 * GiB)
  const swaps = parseSwaps(swapsText)
  const total = swaps.reduce((a, s) => a + s.sizeKiB * 1024, 0)
  const rootMount = mounts ? mountFor(mounts.value, '/') : undefined
  const where = swaps.map((s) => {
    if (s.zram) return { filename: s.filename, kind: 'zram', filesystem: null as string | null, onRootDevice: false }
    if (s.type === 'file') {
      const m = mounts ? mountFor(mounts.value, s.filename) : undefined
      return {
        filename: s.filename,
        kind: 'file',
        filesystem: m?.fsType ?? null,
        onRootDevice: m !== undefined && rootMount !== undefined && m.source === rootMount.source
      }
    }
    const onRoot =
      rootMount !== undefined && rootMount.source.startsWith('/dev/') && s.filename.replace(/p?\d+$/, '') === rootMount.source.replace(/p?\d+$/, '')
    return { filename: s.filename, kind: 'partition', filesystem: null, onRootDevice: onRoot }
  })
  const evidence: Evidence[] = [
    { source: '/proc/swaps', excerpt: swapsText.trim() },
    { source: '/proc/meminfo', excerpt: `MemTotal: ${mem.MemTotal} kB` }
  ]
  if (rootMount && mounts) evidence.push({ source: mounts.source, excerpt: `/ on ${rootMount.source} (${rootMount.fsType})` })
  const details = { memTotalBytes: memBytes, swapBytes: total, recommendedBytes: Math.round(want), devices: where }
  const placed = where.map((w) =>
    w.kind === 'zram'
      ? `${w.filename} (zram, in RAM)`
      : w.kind === 'file'
        ? `${w.filename} (file on ${w.filesystem ?? '?'}${w.onRootDevice ? ', root filesystem' : ''})`
        : `${w.filename} (partition${w.onRootDevice ? ', root disk' : ''})`
  )
  if (total >= want)
    return [
      {
        ...base,
        status: 'ok',
        value: `${formatBytes(total)} for ${formatBytes(memBytes)} RAM (>= ${formatBytes(want)}): ${placed.join(', ')}`,
        evidence,
        details
      }
    ]
  return [
    {
      ...base,
      status: 'warn',
      value: `${total ? formatBytes(total) : 'no swap'} for ${formatBytes(memBytes)} RAM; at least ${formatBytes(want)} recommended${placed.length ? `: ${placed.join(', ')}` : ''}`,
      evidence,
      details,
      remedy: {
        text: `Give the machine at least ${formatBytes(want)} of swap (a third of RAM, at most 32 GiB), so memory pressure can push out cold anonymous pages instead of thrashing the page cache. On btrfs use a swap file made with btrfs filesystem mkswapfile (NOCOW, uncompressed); zram-generator adds compressed swap in RAM.`,
        command: `btrfs filesystem mkswapfile --size ${Math.ceil(want / GiB)}g /swap/swapfile && swapon /swap/swapfile`
      }
    }
  ]
}
