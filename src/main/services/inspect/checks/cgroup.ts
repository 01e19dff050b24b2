import type { Check, Evidence } from '../../../../shared/contract'
import { argValue, argValues } from '../parsers/cmdline'
import { parseProcCgroups } from '../parsers/procfs'
import type { MountEntry } from '../parsers/mountinfo'
import { CGROUP2_MAGIC, TMPFS_MAGIC, statfsType } from '../statfs'
import type { Facts } from '../facts'

export type CgroupMode = 'unified' | 'hybrid' | 'legacy' | 'unknown'

const UNIFIED_REMEDY = {
  text: 'systemd-oomd needs the unified cgroup v2 hierarchy. Boot with it (the default from CentOS Stream 9 on; EL8 needs the parameter) and reboot.',
  command: 'grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1'
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

/**
 * The live answer, the way systemd decides it: statfs(2) magic of /sys/fs/cgroup is
 * CGROUP2_SUPER_MAGIC → unified; tmpfs there with cgroup2 on /sys/fs/cgroup/unified → hybrid;
 * tmpfs alone → legacy.
 */
async function liveMode(facts: Facts): Promise<{ mode: CgroupMode; evidence: Evidence[] }> {
  const top = await statfsType(facts.fs, '/sys/fs/cgroup')
  if (!top) return { mode: 'unknown', evidence: [{ source: 'statfs /sys/fs/cgroup', excerpt: 'failed' }] }
  const evidence: Evidence[] = [{ source: 'statfs /sys/fs/cgroup', excerpt: `${top.type} (0x${top.magic.toString(16)})` }]
  if (top.magic === CGROUP2_MAGIC) return { mode: 'unified', evidence }
  if (top.magic === TMPFS_MAGIC) {
    const uni = await statfsType(facts.fs, '/sys/fs/cgroup/unified')
    evidence.push({ source: 'statfs /sys/fs/cgroup/unified', excerpt: uni ? `${uni.type} (0x${uni.magic.toString(16)})` : 'missing' })
    return { mode: uni?.magic === CGROUP2_MAGIC ? 'hybrid' : 'legacy', evidence }
  }
  return { mode: 'unknown', evidence }
}

export async function cgroupChecks(facts: Facts): Promise<Check[]> {
  const [mounts, cmd, procCgroupsText] = await Promise.all([facts.mounts(), facts.cmdline(), facts.text('/proc/cgroups')])
  let mode: CgroupMode
  let evidence: Evidence[]
  if (facts.live) {
    const live = await liveMode(facts)
    mode = live.mode
    evidence = live.evidence
    // Unusual layouts (e.g. a v1 controller mounted straight on /sys/fs/cgroup in a container): trust the mount table.
    if (mode === 'unknown' && mounts) {
      mode = cgroupModeFromMounts(mounts.value)
      evidence.push({ source: mounts.source, excerpt: `cgroup mounts imply ${mode}` })
    }
  } else {
    mode = mounts ? cgroupModeFromMounts(mounts.value) : 'unknown'
    const lines = mounts ? mounts.text.split('\n').filter((l) => / - (cgroup2?|tmpfs) /.test(l) && l.includes('/sys/fs/cgroup')) : []
    evidence = [{ source: mounts?.source ?? '/proc/self/mountinfo', excerpt: mounts ? lines.join('\n') || 'no cgroup mounts' : 'missing' }]
  }
  const hierarchyArg = cmd ? argValue(cmd.value.kernel, 'systemd.unified_cgroup_hierarchy') : undefined
  if (hierarchyArg !== undefined) evidence.push({ source: '/proc/cmdline', excerpt: `systemd.unified_cgroup_hierarchy=${hierarchyArg}` })
  const modeCheck: Check = {
    id: 'cgroup.mode',
    group: 'cgroup',
    title: 'cgroup hierarchy',
    status: mode === 'unified' ? 'ok' : mode === 'unknown' ? 'unknown' : 'warn',
    value: mode === 'unified' ? 'unified (cgroup v2)' : mode === 'hybrid' ? 'hybrid (v1 controllers, v2 on /sys/fs/cgroup/unified): systemd-oomd cannot run' : mode === 'legacy' ? 'legacy (cgroup v1 only): systemd-oomd cannot run' : 'unknown',
    evidence,
    details: { mode, mountinfoMode: mounts ? cgroupModeFromMounts(mounts.value) : null, unifiedHierarchyArg: hierarchyArg ?? null }
  }
  if (mode === 'hybrid' || mode === 'legacy') modeCheck.remedy = UNIFIED_REMEDY
  const checks: Check[] = [modeCheck]

  // Controllers: the v2 root lists what it can delegate; /proc/cgroups shows every controller and whether it is enabled.
  const v2Dir = mode === 'unified' ? '/sys/fs/cgroup' : mode === 'hybrid' ? '/sys/fs/cgroup/unified' : undefined
  const v2Text = v2Dir ? await facts.text(`${v2Dir}/cgroup.controllers`) : undefined
  const v2 = v2Text !== undefined ? v2Text.trim().split(/\s+/).filter(Boolean) : []
  const proc = procCgroupsText ? parseProcCgroups(procCgroupsText) : []
  const disabledArgs = cmd ? argValues(cmd.value.kernel, 'cgroup_disable').flatMap((v) => v.split(',')) : []
  const enabled = proc.filter((c) => c.enabled).map((c) => c.name)
  const disabled = [...new Set([...proc.filter((c) => !c.enabled).map((c) => c.name), ...disabledArgs])]
  const onV1 = proc.filter((c) => c.enabled && c.hierarchy > 0).map((c) => c.name)
  const cEvidence: Evidence[] = []
  if (v2Dir) cEvidence.push({ source: `${v2Dir}/cgroup.controllers`, excerpt: v2Text === undefined ? 'missing' : v2Text.trim() || '(empty: every controller is bound to a v1 hierarchy)' })
  if (procCgroupsText) cEvidence.push({ source: '/proc/cgroups', excerpt: procCgroupsText.trim() })
  if (disabledArgs.length) cEvidence.push({ source: '/proc/cmdline', excerpt: `cgroup_disable=${disabledArgs.join(',')}` })
  const memoryOnV2 = v2.includes('memory')
  const memoryDisabled = disabled.includes('memory')
  let status: Check['status']
  let value: string
  if (!v2Text && !procCgroupsText) {
    status = 'unknown'
    value = 'no controller list readable'
  } else if (memoryDisabled) {
    status = 'fail'
    value = `memory controller disabled${disabledArgs.includes('memory') ? ' by cgroup_disable=memory' : ''}`
  } else if (mode === 'unified') {
    status = memoryOnV2 ? 'ok' : 'warn'
    value = v2.length ? v2.join(' ') : 'none listed'
  } else {
    status = mode === 'unknown' ? 'unknown' : 'warn'
    value = `v1: ${onV1.join(' ') || 'none'}${v2Dir ? `; v2: ${v2.join(' ') || 'none'}` : ''}`
  }
  const cCheck: Check = {
    id: 'cgroup.controllers',
    group: 'cgroup',
    title: 'cgroup controllers',
    status,
    value,
    evidence: cEvidence.length ? cEvidence : [{ source: '/proc/cgroups', excerpt: 'missing' }],
    details: { v2Controllers: v2, enabled, disabled, v1Bound: onV1, cgroupDisable: disabledArgs }
  }
  if (memoryDisabled && disabledArgs.includes('memory')) {
    cCheck.remedy = { text: 'The memory controller is switched off on the kernel command line; systemd-oomd and memory limits need it.', command: 'grubby --update-kernel=ALL --remove-args=cgroup_disable=memory' }
  } else if (status === 'warn' && mode !== 'unified') {
    cCheck.remedy = { text: 'Controllers are attached to cgroup v1 hierarchies, so the memory controller is not available on cgroup v2 where systemd-oomd looks for it.', command: UNIFIED_REMEDY.command }
  } else if (status === 'warn') {
    cCheck.remedy = { text: 'The memory controller is not available on the cgroup v2 root; systemd-oomd needs it (MEMCG in the kernel).' }
  }
  checks.push(cCheck)
  return checks
}
