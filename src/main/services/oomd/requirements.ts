import type { Evidence, Remedy } from '../../../shared/contract/inspect'
import type { OomdRequirement } from '../../../shared/contract/oomd'
import type { CommandRunner } from '../system/command'
import type { RootFs } from '../system/rootfs'
import type { AnswerCache } from '../system/facts/answer-cache'
import { SystemFacts, type CgroupFact, type CmdlineFact, type PsiFact } from '../system/facts'
import { unifiedRemedy } from '../system/facts/cgroup'
import { cmdArg } from '../system/facts/cmdline'
import { cgroupV1Support, type SystemdVersionFact } from '../system/facts/systemd'
import { SYSTEM_UNIT_DIRS, unitFiles } from './conf-files'

function excerpt(text: string, lines = 6): string {
  return text.trim().split('\n').slice(0, lines).join('\n')
}

async function installedCheck(fs: RootFs): Promise<OomdRequirement> {
  const files = await unitFiles(fs, 'systemd-oomd.service', SYSTEM_UNIT_DIRS)
  const base = { id: 'installed' as const, title: 'systemd-oomd installed', hard: true }
  const remedy: Remedy = { text: 'Install the package that provides systemd-oomd.', command: 'dnf install /usr/lib/systemd/systemd-oomd' }
  if (files.masked) {
    return {
      ...base,
      status: 'fail',
      value: 'masked',
      reason: 'systemd-oomd.service is masked, so it cannot be started.',
      evidence: [{ source: 'unit search path', excerpt: 'systemd-oomd.service → /dev/null' }],
      remedy: { text: 'Unmask the unit.', command: 'systemctl unmask systemd-oomd.service' }
    }
  }
  if (!files.unitFile) {
    return {
      ...base,
      status: 'fail',
      value: 'not installed',
      reason: 'No systemd-oomd.service unit file was found in the unit search path.',
      evidence: [{ source: SYSTEM_UNIT_DIRS.join(', '), excerpt: 'systemd-oomd.service not found' }],
      remedy
    }
  }
  return {
    ...base,
    status: 'ok',
    value: files.unitFile.path,
    reason: 'The unit file is installed.',
    evidence: [{ source: files.unitFile.path, excerpt: 'present' }]
  }
}

function unifiedCheck(cg: CgroupFact, cmd: CmdlineFact, systemd: SystemdVersionFact): OomdRequirement {
  const base = { id: 'unified-cgroup' as const, title: 'Unified cgroup hierarchy (cgroup v2)', hard: true, evidence: cg.evidence }
  if (cg.mode === 'unified') return { ...base, status: 'ok', value: 'unified', reason: 'cgroup2 is mounted on /sys/fs/cgroup.' }
  if (cg.mode === 'unknown') return { ...base, status: 'unknown', value: 'unknown', reason: 'The cgroup hierarchy could not be determined.' }
  const support = cgroupV1Support(systemd.major)
  const also =
    support === 'removed'
      ? ` systemd ${systemd.major} no longer supports cgroup v1 at all (removed in 258).`
      : support === 'forced-only'
        ? ` systemd ${systemd.major} boots on cgroup v1 only with SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1.`
        : ''
  const reason =
    (cg.mode === 'hybrid'
      ? 'The hierarchy is hybrid: /sys/fs/cgroup is a tmpfs with cgroup v1 controllers, cgroup2 only on /sys/fs/cgroup/unified. systemd-oomd needs cgroup2 on /sys/fs/cgroup.'
      : 'The hierarchy is legacy (cgroup v1 only). systemd-oomd needs cgroup2 on /sys/fs/cgroup.') + also
  return { ...base, evidence: [...cg.evidence, ...systemd.evidence], status: 'fail', value: cg.mode, reason, remedy: unifiedRemedy(cmd) }
}

async function memoryControllerCheck(facts: SystemFacts, cg: CgroupFact, cmd: CmdlineFact): Promise<OomdRequirement> {
  const base = { id: 'memory-controller' as const, title: 'Memory controller on cgroup v2', hard: true }
  const evidence: Evidence[] = []
  const procCgroups = await facts.text('/proc/cgroups')
  const memLine = procCgroups?.split('\n').find((l) => l.startsWith('memory\t') || l.startsWith('memory '))
  if (memLine) evidence.push({ source: '/proc/cgroups', excerpt: memLine.trim() })
  const disabled =
    cmd.state === 'ok' ? cmd.kernel.filter((a) => a.key === 'cgroup_disable' && a.value !== undefined).flatMap((a) => (a.value as string).split(',')) : []
  if (disabled.includes('memory')) {
    return {
      ...base,
      status: 'fail',
      value: 'disabled on the kernel command line',
      reason: 'cgroup_disable=memory turns the memory controller off.',
      evidence: [...evidence, { source: '/proc/cmdline', excerpt: `cgroup_disable=${cmdArg(cmd, 'cgroup_disable') ?? 'memory'}` }],
      remedy: { text: 'Remove cgroup_disable=memory and reboot.', command: 'grubby --update-kernel=ALL --remove-args=cgroup_disable=memory' }
    }
  }
  if (!cg.unifiedPath) {
    const status = cg.mode === 'unknown' ? 'unknown' : 'fail'
    return {
      ...base,
      status,
      value: 'no cgroup2 hierarchy',
      reason: 'There is no cgroup2 hierarchy to attach the memory controller to.',
      evidence,
      remedy: status === 'fail' ? unifiedRemedy(cmd) : undefined
    }
  }
  const file = `${cg.unifiedPath}/cgroup.controllers`
  const r = await facts.read(file)
  if (!r.ok) return { ...base, status: 'unknown', value: 'unreadable', reason: `${file} could not be read (${r.reason}).`, evidence }
  const text = r.data.toString('utf8')
  evidence.unshift({ source: file, excerpt: text.trim() || '(empty)' })
  const controllers = text.trim().split(/\s+/).filter(Boolean)
  if (controllers.includes('memory')) return { ...base, status: 'ok', value: 'available', reason: 'cgroup2 offers the memory controller.', evidence }
  const reason =
    cg.mode === 'hybrid'
      ? 'The memory controller is bound to the cgroup v1 hierarchy (/sys/fs/cgroup/memory), so cgroup2 cannot use it.'
      : 'The cgroup2 hierarchy does not offer the memory controller.'
  return { ...base, status: 'fail', value: 'missing', reason, evidence, remedy: cg.mode === 'hybrid' ? unifiedRemedy(cmd) : undefined }
}

/** The PSI requirement in the shared vocabulary (services/system/facts/psi.ts). */
function psiCheck(facts: SystemFacts, psi: PsiFact): OomdRequirement {
  const base = { id: 'psi' as const, title: 'Pressure stall information (PSI) readable', hard: true, evidence: psi.evidence }
  const sentence = psi.summary.charAt(0).toUpperCase() + psi.summary.slice(1) + '.'
  switch (psi.state) {
    case 'available':
      return { ...base, status: 'ok', value: 'readable', reason: 'All three pressure files can be read.' }
    case 'unparseable':
      return { ...base, status: 'unknown', value: 'unparseable', reason: `${sentence} What they hold is not PSI data, so nothing can be concluded from them.` }
    case 'unreadable':
      // The unit's ConditionPathExists= passes here, yet systemd-oomd cannot read the values.
      return { ...base, status: 'fail', value: 'not readable', reason: `${sentence} systemd-oomd cannot read memory pressure.`, remedy: psi.remedy }
    case 'off-at-boot':
    case 'absent':
      return { ...base, status: 'fail', value: psi.state === 'absent' ? 'not present' : 'off at boot', reason: `PSI is ${psi.summary}.`, remedy: psi.remedy }
    default:
      if (!facts.live)
        return { ...base, status: 'unknown', value: 'offline root', reason: 'This root has no /proc/pressure files; the kernel that boots it decides.' }
      return {
        ...base,
        status: 'fail',
        value: 'not present',
        reason: `The kernel has no /proc/pressure files (${psi.summary}).`,
        remedy: { text: 'Run a kernel built with CONFIG_PSI=y and boot it with PSI on (psi=1 where CONFIG_PSI_DEFAULT_DISABLED=y).' }
      }
  }
}

async function swapCheck(facts: SystemFacts): Promise<OomdRequirement> {
  const base = { id: 'swap' as const, title: 'Swap available', hard: false }
  const swaps = await facts.text('/proc/swaps')
  if (swaps === undefined) return { ...base, status: 'unknown', value: 'unknown', reason: '/proc/swaps could not be read.', evidence: [] }
  const devices = swaps
    .trim()
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
  const evidence: Evidence[] = [{ source: '/proc/swaps', excerpt: excerpt(swaps) }]
  if (devices.length > 0) {
    return {
      ...base,
      status: 'ok',
      value: `${devices.length} device${devices.length > 1 ? 's' : ''}`,
      reason: 'Swap is active, so SwapUsedLimit= can act.',
      evidence
    }
  }
  return {
    ...base,
    status: 'warn',
    value: 'none',
    reason:
      'No swap is active. systemd-oomd still acts on memory pressure, but ManagedOOMSwap= and SwapUsedLimit= never trigger, and without swap the kernel can only reclaim file pages, so pressure tends to rise abruptly.',
    evidence,
    remedy: { text: 'Add a swap device or compressed swap in RAM (zram, e.g. from the zram-generator package).' }
  }
}

/** The oomd requirements in display order; only `hard` ones block enabling. */
export async function checkRequirements(fs: RootFs, run?: CommandRunner, answers?: AnswerCache): Promise<OomdRequirement[]> {
  const facts = new SystemFacts({ fs, run, answers })
  const [cg, cmd, psi, systemd] = await Promise.all([facts.cgroup(), facts.cmdlineFact(), facts.psi(), facts.systemd()])
  return Promise.all([installedCheck(fs), unifiedCheck(cg, cmd, systemd), memoryControllerCheck(facts, cg, cmd), psiCheck(facts, psi), swapCheck(facts)])
}

/** One sentence per failed hard requirement. */
export function blockersOf(reqs: OomdRequirement[]): string[] {
  return reqs.filter((r) => r.hard && r.status === 'fail').map((r) => `${r.title}: ${r.reason}`)
}
