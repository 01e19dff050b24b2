import { realpathSync } from 'node:fs'
import path from 'node:path'
import type { Check, Evidence } from '../../../../shared/contract'
import { mountOption, type MountEntry } from '../parsers/mountinfo'
import type { Facts } from '../facts'

/**
 * btrfs mount options large fleets rely on: discard=async on SSDs (paced discards instead
 * of latency spikes; resctl-demo's BtrfsAsyncDiscard), space_cache=v2 (the free-space
 * tree; v1 is deprecated), and compression (Fedora and the Hyperscale spin mount with
 * compress=zstd:1).
 */

/** The path as the root sees it after links: the kernel's answer on the live root, chroot semantics in a tree. */
async function realSystemPath(facts: Facts, p: string): Promise<string | undefined> {
  try {
    if (facts.live) return realpathSync(facts.fs.resolve(p))
    return (await facts.fs.chase(p)).system
  } catch {
    return undefined
  }
}

/** Whether the device under a mount source spins: /sys/class/block/<dev> (a partition's parent disk answers). */
async function rotational(facts: Facts, source: string): Promise<{ rotational?: boolean; evidence?: Evidence }> {
  if (!source.startsWith('/dev/')) return {}
  const dev = await realSystemPath(facts, source)
  const name = path.posix.basename(dev ?? source)
  const own = await facts.text(`/sys/block/${name}/queue/rotational`)
  let file = `/sys/block/${name}/queue/rotational`
  let text = own
  if (text === undefined) {
    const sys = await realSystemPath(facts, `/sys/class/block/${name}`)
    if (sys) {
      file = `/sys/block/${path.posix.basename(path.posix.dirname(sys))}/queue/rotational`
      text = await facts.text(file)
    }
  }
  if (text === undefined || !/^[01]$/.test(text.trim())) return {}
  return { rotational: text.trim() === '1', evidence: { source: file, excerpt: text.trim() } }
}

interface Judged {
  mountPoint: string
  source: string
  ssd: boolean | null
  discard: string | null
  spaceCache: string | null
  compression: string | null
  problems: string[]
}

async function judge(facts: Facts, m: MountEntry, evidence: Evidence[]): Promise<Judged> {
  const rot = await rotational(facts, m.source)
  if (rot.evidence) evidence.push(rot.evidence)
  const discard = mountOption(m, 'discard')
  const nodiscard = mountOption(m, 'nodiscard')
  const spaceCache = mountOption(m, 'space_cache')
  const nospace = mountOption(m, 'nospace_cache')
  const compress = mountOption(m, 'compress-force') ?? mountOption(m, 'compress')
  const j: Judged = {
    mountPoint: m.mountPoint,
    source: m.source,
    ssd: rot.rotational === undefined ? null : !rot.rotational,
    discard: discard === true ? 'sync' : typeof discard === 'string' ? discard : nodiscard ? 'off' : null,
    spaceCache: typeof spaceCache === 'string' ? spaceCache : spaceCache === true ? 'v1' : nospace ? 'off' : null,
    compression: typeof compress === 'string' ? compress : compress === true ? 'zlib' : null,
    problems: []
  }
  if (j.ssd && j.discard !== 'async') j.problems.push(j.discard === 'sync' ? 'synchronous discard on an SSD (latency spikes)' : 'no discard=async on an SSD')
  if (j.spaceCache !== 'v2') j.problems.push(j.spaceCache === 'v1' ? 'space_cache v1 (deprecated)' : 'no space_cache=v2')
  if (!j.compression) j.problems.push('no compression')
  return j
}

export async function btrfsOptionChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'btrfs.options', group: 'btrfs', title: 'btrfs mount options' } as const
  const mounts = await facts.mounts()
  if (!mounts) return [{ ...base, status: 'unknown', value: 'mount table not readable', evidence: [{ source: '/proc/self/mountinfo', excerpt: 'missing' }] }]
  // One entry per filesystem: bind mounts and subvolumes of the same device share its options.
  const seen = new Set<string>()
  const fsMounts = mounts.value.filter((m) => m.fsType === 'btrfs' && !seen.has(m.source) && seen.add(m.source))
  if (!fsMounts.length)
    return [
      { ...base, status: 'ok', value: 'no btrfs mounted', evidence: [{ source: mounts.source, excerpt: 'no btrfs lines' }], details: { filesystems: [] } }
    ]
  const evidence: Evidence[] = fsMounts.map((m) => ({ source: mounts.source, excerpt: `${m.mountPoint} ${m.source} ${m.superOptions.join(',')}` }))
  const judged = await Promise.all(fsMounts.map((m) => judge(facts, m, evidence)))
  const bad = judged.filter((j) => j.problems.length)
  const value = judged
    .map(
      (j) =>
        `${j.mountPoint}: ${j.problems.length ? j.problems.join(', ') : `discard=${j.discard ?? 'default'}, space_cache=${j.spaceCache}, compress=${j.compression}`}`
    )
    .join('; ')
  const check: Check = { ...base, status: bad.length ? 'warn' : 'ok', value, evidence, details: { filesystems: judged } }
  if (bad.length) {
    const mp = bad[0].mountPoint
    check.remedy = {
      text: 'Mount btrfs with discard=async on SSDs (paces discards; the default since Linux 6.2 on SSDs), space_cache=v2 (the free-space tree, converted on the first mount with it) and compress=zstd:1 (what Fedora and the Hyperscale spin use). Put them in /etc/fstab; discard and compression also apply with a remount.',
      command: `mount -o remount,discard=async,compress=zstd:1 ${mp}`
    }
  }
  return [check]
}
