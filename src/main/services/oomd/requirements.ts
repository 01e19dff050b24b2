import { promises as fsp } from 'node:fs'
import type { Evidence, Remedy } from '../../../shared/contract/inspect'
import type { OomdRequirement } from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'
import { detectCgroupMode, type CgroupInfo } from './cgroup-mode'
import { SYSTEM_UNIT_DIRS, unitFiles } from './conf-files'
import { parsePressure } from '../inspect/parsers/pressure'

const UNIFIED_ARG = 'systemd.unified_cgroup_hierarchy'

function excerpt(text: string, lines = 6): string {
  return text.trim().split('\n').slice(0, lines).join('\n')
}

/** Kernel command line flags like "psi=1" or "systemd.unified_cgroup_hierarchy=0". */
function cmdlineArg(cmdline: string | undefined, name: string): string | undefined {
  for (const word of (cmdline ?? '').trim().split(/\s+/)) {
    if (word === name) return ''
    if (word.startsWith(`${name}=`)) return word.slice(name.length + 1)
  }
  return undefined
}

function unifiedRemedy(cmdline: string | undefined): Remedy {
  const forced = cmdlineArg(cmdline, UNIFIED_ARG)
  if (forced !== undefined && /^(0|no|false|off)$/i.test(forced)) {
    return {
      text: `The kernel command line forces the legacy hierarchy (${UNIFIED_ARG}=${forced}). Remove it and reboot.`,
      command: `grubby --update-kernel=ALL --remove-args=${UNIFIED_ARG}`
    }
  }
  return {
    text: 'Boot with the unified (cgroup v2) hierarchy, then reboot. CentOS Stream 8 defaults to the hybrid hierarchy; Stream 9 and later use v2 unless told otherwise.',
    command: `grubby --update-kernel=ALL --args=${UNIFIED_ARG}=1`
  }
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
  return { ...base, status: 'ok', value: files.unitFile.path, reason: 'The unit file is installed.', evidence: [{ source: files.unitFile.path, excerpt: 'present' }] }
}

function unifiedCheck(cg: CgroupInfo, cmdline: string | undefined): OomdRequirement {
  const base = { id: 'unified-cgroup' as const, title: 'Unified cgroup hierarchy (cgroup v2)', hard: true, evidence: [{ source: 'statfs/mountinfo', excerpt: cg.evidence }] }
  if (cg.mode === 'unified') return { ...base, status: 'ok', value: 'unified', reason: 'cgroup2 is mounted on /sys/fs/cgroup.' }
  if (cg.mode === 'unknown') return { ...base, status: 'unknown', value: 'unknown', reason: 'The cgroup hierarchy could not be determined.' }
  const reason =
    cg.mode === 'hybrid'
      ? 'The hierarchy is hybrid: /sys/fs/cgroup is a tmpfs with cgroup v1 controllers, cgroup2 only on /sys/fs/cgroup/unified. systemd-oomd needs cgroup2 on /sys/fs/cgroup.'
      : 'The hierarchy is legacy (cgroup v1 only). systemd-oomd needs cgroup2 on /sys/fs/cgroup.'
  return { ...base, status: 'fail', value: cg.mode, reason, remedy: unifiedRemedy(cmdline) }
}

async function memoryControllerCheck(fs: RootFs, cg: CgroupInfo, cmdline: string | undefined): Promise<OomdRequirement> {
  const base = { id: 'memory-controller' as const, title: 'Memory controller on cgroup v2', hard: true }
  const evidence: Evidence[] = []
  const procCgroups = await fs.tryReadText('/proc/cgroups')
  const memLine = procCgroups?.split('\n').find((l) => l.startsWith('memory\t') || l.startsWith('memory '))
  if (memLine) evidence.push({ source: '/proc/cgroups', excerpt: memLine.trim() })
  const disabled = cmdlineArg(cmdline, 'cgroup_disable')
  if (disabled !== undefined && disabled.split(',').includes('memory')) {
    return {
      ...base,
      status: 'fail',
      value: 'disabled on the kernel command line',
      reason: 'cgroup_disable=memory turns the memory controller off.',
      evidence: [...evidence, { source: '/proc/cmdline', excerpt: `cgroup_disable=${disabled}` }],
      remedy: { text: 'Remove cgroup_disable=memory and reboot.', command: 'grubby --update-kernel=ALL --remove-args=cgroup_disable' }
    }
  }
  if (!cg.unifiedPath) {
    const status = cg.mode === 'unknown' ? 'unknown' : 'fail'
    return { ...base, status, value: 'no cgroup2 hierarchy', reason: 'There is no cgroup2 hierarchy to attach the memory controller to.', evidence, remedy: status === 'fail' ? unifiedRemedy(cmdline) : undefined }
  }
  const file = `${cg.unifiedPath}/cgroup.controllers`
  const text = await fs.tryReadText(file)
  if (text === undefined) return { ...base, status: 'unknown', value: 'unreadable', reason: `${file} could not be read.`, evidence }
  evidence.unshift({ source: file, excerpt: text.trim() || '(empty)' })
  const controllers = text.trim().split(/\s+/).filter(Boolean)
  if (controllers.includes('memory')) return { ...base, status: 'ok', value: 'available', reason: 'cgroup2 offers the memory controller.', evidence }
  const reason =
    cg.mode === 'hybrid'
      ? 'The memory controller is bound to the cgroup v1 hierarchy (/sys/fs/cgroup/memory), so cgroup2 cannot use it.'
      : 'The cgroup2 hierarchy does not offer the memory controller.'
  return { ...base, status: 'fail', value: 'missing', reason, evidence, remedy: cg.mode === 'hybrid' ? unifiedRemedy(cmdline) : undefined }
}

async function readPsi(fs: RootFs, file: string): Promise<{ ok: true; text: string } | { ok: false; code: string }> {
  try {
    const text = await fsp.readFile(fs.resolve(file), 'utf8')
    parsePressure(text, file)
    return { ok: true, text }
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code ?? 'EBADMSG' }
  }
}

async function psiCheck(fs: RootFs): Promise<OomdRequirement> {
  const base = { id: 'psi' as const, title: 'Pressure stall information (PSI) readable', hard: true }
  const files = ['/proc/pressure/memory', '/proc/pressure/cpu', '/proc/pressure/io']
  const results = await Promise.all(files.map(async (f) => ({ f, r: await readPsi(fs, f) })))
  const evidence: Evidence[] = results.map(({ f, r }) => ({ source: f, excerpt: r.ok ? excerpt(r.text, 2) : `read failed: ${r.code}` }))
  const failed = results.filter((x) => !x.r.ok)
  if (failed.length === 0) return { ...base, status: 'ok', value: 'readable', reason: 'All three pressure files can be read.', evidence }
  const codes = failed.map((x) => (x.r.ok ? '' : x.r.code))
  if (!fs.isLive && failed.length === files.length && codes.every((c) => c === 'ENOENT')) {
    return { ...base, status: 'unknown', value: 'offline root', reason: 'This root has no /proc/pressure files; the kernel that boots it decides.', evidence }
  }
  if (codes.every((c) => c === 'ENOENT')) {
    return {
      ...base,
      status: 'fail',
      value: 'not present',
      reason: 'The kernel has no /proc/pressure files (built without CONFIG_PSI).',
      evidence,
      remedy: { text: 'Run a kernel built with CONFIG_PSI=y, such as the Hyperscale kernel.' }
    }
  }
  return {
    ...base,
    status: 'fail',
    value: 'not readable',
    // The unit's ConditionPathExists= passes here, yet systemd-oomd cannot read the values.
    reason: `The pressure files exist but cannot be read (${[...new Set(codes)].join(', ')}): PSI is disabled in this kernel.`,
    evidence,
    remedy: { text: 'Enable PSI on the kernel command line (CentOS Stream kernels build it disabled by default) and reboot.', command: 'grubby --update-kernel=ALL --args=psi=1' }
  }
}

async function swapCheck(fs: RootFs): Promise<OomdRequirement> {
  const base = { id: 'swap' as const, title: 'Swap available', hard: false }
  const swaps = await fs.tryReadText('/proc/swaps')
  if (swaps === undefined) return { ...base, status: 'unknown', value: 'unknown', reason: '/proc/swaps could not be read.', evidence: [] }
  const devices = swaps.trim().split('\n').slice(1).filter((l) => l.trim())
  const evidence: Evidence[] = [{ source: '/proc/swaps', excerpt: excerpt(swaps) }]
  if (devices.length > 0) {
    return { ...base, status: 'ok', value: `${devices.length} device${devices.length > 1 ? 's' : ''}`, reason: 'Swap is active, so SwapUsedLimit= can act.', evidence }
  }
  return {
    ...base,
    status: 'warn',
    value: 'none',
    reason: 'No swap is active. systemd-oomd still acts on memory pressure, but ManagedOOMSwap= and SwapUsedLimit= never trigger, and without swap the kernel can only reclaim file pages, so pressure tends to rise abruptly.',
    evidence,
    remedy: { text: 'Add a swap device or compressed swap in RAM (zram, e.g. from the zram-generator package).' }
  }
}

/** The oomd requirements in display order; only `hard` ones block enabling. */
export async function checkRequirements(fs: RootFs): Promise<OomdRequirement[]> {
  const [cg, cmdline] = await Promise.all([detectCgroupMode(fs), fs.tryReadText('/proc/cmdline')])
  return Promise.all([installedCheck(fs), unifiedCheck(cg, cmdline), memoryControllerCheck(fs, cg, cmdline), psiCheck(fs), swapCheck(fs)])
}

/** One sentence per failed hard requirement. */
export function blockersOf(reqs: OomdRequirement[]): string[] {
  return reqs.filter((r) => r.hard && r.status === 'fail').map((r) => `${r.title}: ${r.reason}`)
}
