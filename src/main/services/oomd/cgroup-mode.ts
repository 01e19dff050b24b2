import type { RootFs } from '../system/rootfs'
import { SystemFacts } from '../system/facts'
import { cgroupFromMountinfo, type CgroupFact, type CgroupMode } from '../system/facts/cgroup'

export type { CgroupMode }

export interface CgroupInfo {
  mode: CgroupMode
  /** Where the cgroup2 hierarchy is mounted, if anywhere. */
  unifiedPath: string | null
  /** How it was decided, e.g. "statfs /sys/fs/cgroup: tmpfs (0x1021994)". */
  evidence: string
}

const flat = (f: CgroupFact): CgroupInfo => ({
  mode: f.mode,
  unifiedPath: f.unifiedPath,
  evidence: f.evidence.map((e) => `${e.source}: ${e.excerpt}`).join('; ')
})

/** For an offline root: the mount table captured in its /proc/self/mountinfo (the shared fact, services/system/facts/cgroup.ts). */
export function modeFromMountinfo(text: string): CgroupInfo {
  return flat(cgroupFromMountinfo(text))
}

/** The cgroup hierarchy as the inspector sees it: one function, services/system/facts. */
export async function detectCgroupMode(fs: RootFs): Promise<CgroupInfo> {
  return flat(await new SystemFacts({ fs }).cgroup())
}
