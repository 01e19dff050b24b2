import type { Check, Evidence } from '../../../../shared/contract'
import { argValue, argValues } from '../parsers/cmdline'
import { parseProcCgroups } from '../parsers/procfs'
import { cgroupModeFromMounts, unifiedRemedy, type CgroupMode } from '../../system/facts/cgroup'
import { cgroupV1Support, type CgroupV1Support } from '../../system/facts/systemd'
import type { Facts } from '../facts'

export type { CgroupMode }
export { cgroupModeFromMounts }

const V1_WORDS: Record<CgroupV1Support, string> = {
  removed: 'which no longer supports cgroup v1 (removed in systemd 258)',
  'forced-only': 'which refuses to boot on cgroup v1 unless SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 is set (systemd 256 and 257)',
  supported: 'which still supports cgroup v1 (deprecated; removed in systemd 258)',
  unknown: 'version unknown; systemd 258 and later no longer support cgroup v1'
}

export async function cgroupChecks(facts: Facts): Promise<Check[]> {
  const [cg, cmd, cmdFact, procCgroupsText, systemd] = await Promise.all([
    facts.cgroup(),
    facts.cmdline(),
    facts.cmdlineFact(),
    facts.text('/proc/cgroups'),
    facts.systemd()
  ])
  const mode: CgroupMode = cg.mode
  const evidence: Evidence[] = [...cg.evidence]
  if (cg.via === 'statfs' && cg.mountinfoMode && cg.mountinfoMode !== mode)
    evidence.push({ source: 'mountinfo', excerpt: `cgroup mounts imply ${cg.mountinfoMode}` })
  const hierarchyArg = cmd ? argValue(cmd.value.kernel, 'systemd.unified_cgroup_hierarchy') : undefined
  if (hierarchyArg !== undefined) evidence.push({ source: '/proc/cmdline', excerpt: `systemd.unified_cgroup_hierarchy=${hierarchyArg}` })
  const v1 = mode === 'hybrid' || mode === 'legacy'
  const support = cgroupV1Support(systemd.major)
  if (v1) evidence.push(...(systemd.evidence.length ? systemd.evidence : [{ source: 'systemd version', excerpt: 'not found' }]))
  const systemdText = systemd.major !== undefined ? `systemd ${systemd.major}` : 'systemd'
  const modeCheck: Check = {
    id: 'cgroup.mode',
    group: 'cgroup',
    title: 'cgroup hierarchy',
    status: mode === 'unified' ? 'ok' : mode === 'unknown' ? 'unknown' : support === 'removed' ? 'fail' : 'warn',
    value:
      mode === 'unified'
        ? 'unified (cgroup v2)'
        : mode === 'hybrid'
          ? `hybrid (v1 controllers, v2 on /sys/fs/cgroup/unified): systemd-oomd cannot run; ${systemdText}, ${V1_WORDS[support]}`
          : mode === 'legacy'
            ? `legacy (cgroup v1 only): systemd-oomd cannot run; ${systemdText}, ${V1_WORDS[support]}`
            : 'unknown',
    evidence,
    details: {
      mode,
      mountinfoMode: cg.mountinfoMode,
      unifiedHierarchyArg: hierarchyArg ?? null,
      via: cg.via,
      systemdMajor: systemd.major ?? null,
      cgroupV1Support: v1 ? support : null
    }
  }
  if (v1) modeCheck.remedy = unifiedRemedy(cmdFact)
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
  if (v2Dir)
    cEvidence.push({
      source: `${v2Dir}/cgroup.controllers`,
      excerpt: v2Text === undefined ? 'missing' : v2Text.trim() || '(empty: every controller is bound to a v1 hierarchy)'
    })
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
    cCheck.remedy = {
      text: 'The memory controller is switched off on the kernel command line; systemd-oomd and memory limits need it.',
      command: 'grubby --update-kernel=ALL --remove-args=cgroup_disable=memory'
    }
  } else if (status === 'warn' && mode !== 'unified') {
    cCheck.remedy = {
      text: 'Controllers are attached to cgroup v1 hierarchies, so the memory controller is not available on cgroup v2 where systemd-oomd looks for it.',
      command: unifiedRemedy(cmdFact).command
    }
  } else if (status === 'warn') {
    cCheck.remedy = { text: 'The memory controller is not available on the cgroup v2 root; systemd-oomd needs it (MEMCG in the kernel).' }
  }
  checks.push(cCheck)
  return checks
}
