import type { Evidence, Remedy } from '../../../../shared/contract'
import { parseMountinfo, type MountEntry } from '../../inspect/parsers/mountinfo'
import type { RootFs } from '../rootfs'
import { CGROUP2_MAGIC, TMPFS_MAGIC, statfsType } from '../statfs'
import { cmdArg, type CmdlineFact } from './cmdline'

export type CgroupMode = 'unified' | 'hybrid' | 'legacy' | 'unknown'

const CGROUP1_MAGIC = 0x27e0eb
const UNIFIED_ARG = 'systemd.unified_cgroup_hierarchy'

export interface CgroupFact {
  mode: CgroupMode
  /** Where the cgroup2 hierarchy is mounted, if anywhere. */
  unifiedPath: string | null
  /** How it was decided: statfs(2) on the live root, else the mount table. */
  via: 'statfs' | 'mountinfo' | 'none'
  evidence: Evidence[]
  /** What the mount table alone says (a cross-check on the live root), null without one. */
  mountinfoMode: CgroupMode | null
}

/** cgroup mode from the mount table: what a fixture root can tell (and a cross-check on the live root). */
export function cgroupModeFromMounts(mounts: MountEntry[]): CgroupMode {
  const at = (mp: string) => mounts.filter((m) => m.mountPoint === mp).at(-1)
  const top = at('/sys/fs/cgroup')
  if (top?.fsType === 'cgroup2') return 'unified'
  if (top?.fsType === 'tmpfs') return at('/sys/fs/cgroup/unified')?.fsType === 'cgroup2' ? 'hybrid' : 'legacy'
  if (mounts.some((m) => m.fsType === 'cgroup')) return 'legacy'
  return 'unknown'
}

export const unifiedPathFor = (mode: CgroupMode): string | null => (mode === 'unified' ? '/sys/fs/cgroup' : mode === 'hybrid' ? '/sys/fs/cgroup/unified' : null)

const hex = (n: number): string => `0x${n.toString(16)}`

/**
 * The way systemd decides it: statfs(2) magic of /sys/fs/cgroup is CGROUP2_SUPER_MAGIC →
 * unified; tmpfs there with cgroup2 on /sys/fs/cgroup/unified → hybrid; tmpfs with v1
 * hierarchies → legacy. Anything else (a container's odd layout) falls back to the mount table.
 */
async function fromStatfs(fs: RootFs): Promise<{ mode: CgroupMode; evidence: Evidence[] } | undefined> {
  const top = await statfsType(fs, '/sys/fs/cgroup')
  if (!top) return undefined
  const evidence: Evidence[] = [{ source: 'statfs /sys/fs/cgroup', excerpt: `${top.type} (${hex(top.magic)})` }]
  if (top.magic === CGROUP2_MAGIC) return { mode: 'unified', evidence }
  if (top.magic !== TMPFS_MAGIC) return undefined
  const uni = await statfsType(fs, '/sys/fs/cgroup/unified')
  if (uni?.magic === CGROUP2_MAGIC) {
    evidence.push({ source: 'statfs /sys/fs/cgroup/unified', excerpt: `${uni.type} (${hex(uni.magic)})` })
    return { mode: 'hybrid', evidence }
  }
  for (const v1 of ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/memory']) {
    const st = await statfsType(fs, v1)
    if (st?.magic === CGROUP1_MAGIC) {
      evidence.push({ source: `statfs ${v1}`, excerpt: `${st.type} (${hex(st.magic)})` })
      return { mode: 'legacy', evidence }
    }
  }
  return undefined
}

function mountsEvidence(source: string, text: string): Evidence {
  const lines = text.split('\n').filter((l) => / - (cgroup2?|tmpfs) /.test(l) && l.includes('/sys/fs/cgroup'))
  return { source, excerpt: lines.join('\n') || 'no cgroup mounts' }
}

/** The one cgroup-mode answer for the inspector and systemd-oomd's requirements. */
export async function detectCgroup(fs: RootFs, mounts: { source: string; text: string; value: MountEntry[] } | undefined): Promise<CgroupFact> {
  const mountinfoMode = mounts ? cgroupModeFromMounts(mounts.value) : null
  if (fs.isLive) {
    const st = await fromStatfs(fs)
    if (st) return { mode: st.mode, unifiedPath: unifiedPathFor(st.mode), via: 'statfs', evidence: st.evidence, mountinfoMode }
  }
  if (!mounts)
    return {
      mode: 'unknown',
      unifiedPath: null,
      via: 'none',
      evidence: [{ source: '/proc/self/mountinfo', excerpt: 'missing (and no statfs answer)' }],
      mountinfoMode
    }
  const mode = mountinfoMode as CgroupMode
  return { mode, unifiedPath: unifiedPathFor(mode), via: 'mountinfo', evidence: [mountsEvidence(mounts.source, mounts.text)], mountinfoMode }
}

/** For a captured mount table alone (tests, offline roots). */
export function cgroupFromMountinfo(text: string, source = '/proc/self/mountinfo'): CgroupFact {
  const value = parseMountinfo(text)
  const mode = cgroupModeFromMounts(value)
  return { mode, unifiedPath: unifiedPathFor(mode), via: 'mountinfo', evidence: [mountsEvidence(source, text)], mountinfoMode: mode }
}

/** How to get to cgroup v2: remove a forcing `=0`, else ask for the unified hierarchy. */
export function unifiedRemedy(cmd: CmdlineFact | undefined): Remedy {
  const forced = cmdArg(cmd, UNIFIED_ARG)
  if (forced !== undefined && /^(0|no|n|false|off)$/i.test(forced)) {
    return {
      text: `The kernel command line forces the cgroup v1 hierarchy (${UNIFIED_ARG}=${forced}). Remove it and reboot; systemd-oomd and current systemd need cgroup v2.`,
      command: `grubby --update-kernel=ALL --remove-args=${UNIFIED_ARG}`
    }
  }
  return {
    text: 'Boot with the unified cgroup v2 hierarchy, then reboot. CentOS Stream 8 defaults to the hybrid hierarchy; Stream 9 and later use v2 unless told otherwise. systemd-oomd needs v2.',
    command: `grubby --update-kernel=ALL --args=${UNIFIED_ARG}=1`
  }
}
