import { promises as fsp } from 'node:fs'
import type { RootFs } from '../system/rootfs'

/*
 * Cgroup hierarchy detection for the oomd requirements. The inspector (services/inspect)
 * had no cgroup module yet when this was written; once it has one, this file should go.
 */

export type CgroupMode = 'unified' | 'hybrid' | 'legacy' | 'unknown'

const CGROUP2_SUPER_MAGIC = 0x63677270
const TMPFS_MAGIC = 0x01021994
const CGROUP_SUPER_MAGIC = 0x27e0eb

export interface CgroupInfo {
  mode: CgroupMode
  /** Where the cgroup2 hierarchy is mounted, if anywhere. */
  unifiedPath: string | null
  /** How it was decided, e.g. "statfs /sys/fs/cgroup: tmpfs (0x1021994)". */
  evidence: string
}

function fsName(type: number): string {
  if (type === CGROUP2_SUPER_MAGIC) return 'cgroup2fs'
  if (type === TMPFS_MAGIC) return 'tmpfs'
  if (type === CGROUP_SUPER_MAGIC) return 'cgroupfs'
  return 'other'
}

async function statfsType(path: string): Promise<number | undefined> {
  try {
    return Number((await fsp.statfs(path)).type)
  } catch {
    return undefined
  }
}

/** What systemd itself checks (cg_unified_cached): the filesystem magic on /sys/fs/cgroup. */
async function fromStatfs(fs: RootFs): Promise<CgroupInfo | undefined> {
  const top = await statfsType(fs.resolve('/sys/fs/cgroup'))
  if (top === undefined) return undefined
  const hex = (n: number): string => `0x${n.toString(16)}`
  const topText = `statfs /sys/fs/cgroup: ${fsName(top)} (${hex(top)})`
  if (top === CGROUP2_SUPER_MAGIC) return { mode: 'unified', unifiedPath: '/sys/fs/cgroup', evidence: topText }
  // Not a cgroup mount at all (e.g. a plain directory): let the mount table decide.
  if (top !== TMPFS_MAGIC) return undefined
  const sub = await statfsType(fs.resolve('/sys/fs/cgroup/unified'))
  if (sub === CGROUP2_SUPER_MAGIC) {
    return { mode: 'hybrid', unifiedPath: '/sys/fs/cgroup/unified', evidence: `${topText}; statfs /sys/fs/cgroup/unified: cgroup2fs (${hex(sub)})` }
  }
  for (const v1 of ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/memory']) {
    if ((await statfsType(fs.resolve(v1))) === CGROUP_SUPER_MAGIC) {
      return { mode: 'legacy', unifiedPath: null, evidence: `${topText}; statfs ${v1}: cgroupfs (${hex(CGROUP_SUPER_MAGIC)})` }
    }
  }
  // A tmpfs without cgroup mounts below is no cgroup tree (e.g. a directory under /tmp).
  return undefined
}

/** For an offline root: the mount table captured in its /proc/self/mountinfo, if any. */
export function modeFromMountinfo(text: string): CgroupInfo {
  const mounts = new Map<string, string>()
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0) continue
    const left = line.slice(0, sep).split(' ')
    const right = line.slice(sep + 3).split(' ')
    if (left.length >= 5 && right.length >= 1) mounts.set(left[4], right[0])
  }
  const top = mounts.get('/sys/fs/cgroup')
  const evidence = `mountinfo: /sys/fs/cgroup ${top ?? 'not mounted'}${mounts.has('/sys/fs/cgroup/unified') ? `, /sys/fs/cgroup/unified ${mounts.get('/sys/fs/cgroup/unified')}` : ''}`
  if (top === 'cgroup2') return { mode: 'unified', unifiedPath: '/sys/fs/cgroup', evidence }
  if (top === 'tmpfs' && mounts.get('/sys/fs/cgroup/unified') === 'cgroup2') return { mode: 'hybrid', unifiedPath: '/sys/fs/cgroup/unified', evidence }
  if (top === 'tmpfs') return { mode: 'legacy', unifiedPath: null, evidence }
  return { mode: 'unknown', unifiedPath: null, evidence }
}

export async function detectCgroupMode(fs: RootFs): Promise<CgroupInfo> {
  if (fs.isLive) {
    const viaStatfs = await fromStatfs(fs)
    if (viaStatfs) return viaStatfs
  }
  const mountinfo = await fs.tryReadText('/proc/self/mountinfo')
  if (mountinfo !== undefined) return modeFromMountinfo(mountinfo)
  return { mode: 'unknown', unifiedPath: null, evidence: 'neither statfs nor /proc/self/mountinfo available under the root' }
}
