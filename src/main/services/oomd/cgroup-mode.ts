import type { RootFs } from '../system/rootfs'
import { cgroupModeFromMounts, type CgroupMode } from '../inspect/checks/cgroup'
import { parseMountinfo } from '../inspect/parsers/mountinfo'
import { CGROUP2_MAGIC, TMPFS_MAGIC, statfsType } from '../inspect/statfs'

export type { CgroupMode }

const CGROUP1_MAGIC = 0x27e0eb

export interface CgroupInfo {
  mode: CgroupMode
  /** Where the cgroup2 hierarchy is mounted, if anywhere. */
  unifiedPath: string | null
  /** How it was decided, e.g. "statfs /sys/fs/cgroup: tmpfs (0x1021994)". */
  evidence: string
}

const hex = (n: number): string => `0x${n.toString(16)}`

/**
 * What systemd itself checks: the filesystem magic on /sys/fs/cgroup. Undefined when the
 * path is no cgroup tree at all (a plain directory of a test tree), so the mount table decides.
 */
async function fromStatfs(fs: RootFs): Promise<CgroupInfo | undefined> {
  const top = await statfsType(fs, '/sys/fs/cgroup')
  if (!top) return undefined
  const topText = `statfs /sys/fs/cgroup: ${top.type} (${hex(top.magic)})`
  if (top.magic === CGROUP2_MAGIC) return { mode: 'unified', unifiedPath: '/sys/fs/cgroup', evidence: topText }
  if (top.magic !== TMPFS_MAGIC) return undefined
  const sub = await statfsType(fs, '/sys/fs/cgroup/unified')
  if (sub?.magic === CGROUP2_MAGIC) {
    return { mode: 'hybrid', unifiedPath: '/sys/fs/cgroup/unified', evidence: `${topText}; statfs /sys/fs/cgroup/unified: ${sub.type} (${hex(sub.magic)})` }
  }
  for (const v1 of ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/memory']) {
    const st = await statfsType(fs, v1)
    if (st?.magic === CGROUP1_MAGIC) return { mode: 'legacy', unifiedPath: null, evidence: `${topText}; statfs ${v1}: ${st.type} (${hex(st.magic)})` }
  }
  return undefined
}

/** For an offline root: the mount table captured in its /proc/self/mountinfo. */
export function modeFromMountinfo(text: string): CgroupInfo {
  const mounts = parseMountinfo(text)
  const mode = cgroupModeFromMounts(mounts)
  const at = (mp: string) => mounts.filter((m) => m.mountPoint === mp).at(-1)?.fsType
  const evidence = `mountinfo: /sys/fs/cgroup ${at('/sys/fs/cgroup') ?? 'not mounted'}${at('/sys/fs/cgroup/unified') ? `, /sys/fs/cgroup/unified ${at('/sys/fs/cgroup/unified')}` : ''}`
  const unifiedPath = mode === 'unified' ? '/sys/fs/cgroup' : mode === 'hybrid' ? '/sys/fs/cgroup/unified' : null
  return { mode, unifiedPath, evidence }
}

/**
 * The cgroup hierarchy for the oomd requirements, built from the inspector's statfs and
 * mountinfo helpers (services/inspect), plus where cgroup2 lives for cgroup.controllers.
 */
export async function detectCgroupMode(fs: RootFs): Promise<CgroupInfo> {
  if (fs.isLive) {
    const viaStatfs = await fromStatfs(fs)
    if (viaStatfs) return viaStatfs
  }
  const mountinfo = await fs.tryReadText('/proc/self/mountinfo')
  if (mountinfo !== undefined) return modeFromMountinfo(mountinfo)
  return { mode: 'unknown', unifiedPath: null, evidence: 'neither statfs nor /proc/self/mountinfo available under the root' }
}
