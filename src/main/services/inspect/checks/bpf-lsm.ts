import type { Check, Evidence } from '../../../../shared/contract'
import { optionLine, optionState } from '../parsers/kernel-config'
import type { Facts } from '../facts'

/** CONFIG_LSM's value without its quotes ("landlock,lockdown,bpf" → landlock,lockdown,bpf). */
function unquoted(raw: string): string {
  const from = raw.startsWith('"') ? 1 : 0
  const to = raw.length > from && raw.endsWith('"') ? raw.length - 1 : raw.length
  return raw.slice(from, to)
}

/**
 * systemd's RestrictFileSystems= (and BPF-based sandboxing generally) needs the BPF LSM
 * in the active LSM list and BTF type information (CONFIG_DEBUG_INFO_BTF) for its programs
 * (systemd README, "Required for RestrictFileSystems="; moby check-config.sh lists BPF
 * options too). The active list is /sys/kernel/security/lsm; without securityfs it is the
 * lsm= parameter, else the kernel's built-in CONFIG_LSM order.
 */
export async function bpfLsmChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'bpf.lsm', group: 'security', title: 'BPF LSM and BTF (RestrictFileSystems=)' } as const
  const [kc, cmd, active, btf] = await Promise.all([
    facts.kernelConfig(),
    facts.cmdlineFact(),
    facts.read('/sys/kernel/security/lsm'),
    facts.fs.exists('/sys/kernel/btf/vmlinux')
  ])
  const bpfLsm = optionState(kc.config, 'BPF_LSM')
  const btfCfg = optionState(kc.config, 'DEBUG_INFO_BTF')
  const lsmCfg = optionState(kc.config, 'LSM')
  const evidence: Evidence[] = [{ source: kc.source ?? 'kernel config', excerpt: [bpfLsm, btfCfg, lsmCfg].map(optionLine).join('\n') }]
  let list: string[] | undefined
  let listFrom: string
  const activeText = active.ok ? active.data.toString().trim() : undefined
  const lsmArg = cmd.state === 'ok' ? cmd.kernel.filter((a) => a.key === 'lsm' && a.value !== undefined).at(-1)?.value : undefined
  if (activeText !== undefined && /^[a-z0-9_,]*$/.test(activeText)) {
    list = activeText.split(',').filter(Boolean)
    listFrom = '/sys/kernel/security/lsm'
    evidence.push({ source: listFrom, excerpt: activeText })
  } else if (lsmArg !== undefined) {
    list = lsmArg.split(',').filter(Boolean)
    listFrom = '/proc/cmdline lsm='
    evidence.push({ source: '/proc/cmdline', excerpt: `lsm=${lsmArg}` })
  } else if (lsmCfg.state === 'value' && lsmCfg.raw) {
    list = unquoted(lsmCfg.raw).split(',').filter(Boolean)
    listFrom = 'CONFIG_LSM (no lsm= and securityfs not readable)'
  } else {
    listFrom = 'none'
  }
  if (!active.ok) evidence.push({ source: '/sys/kernel/security/lsm', excerpt: active.reason })
  if (facts.live) evidence.push({ source: '/sys/kernel/btf/vmlinux', excerpt: btf ? 'present' : 'missing' })
  const inList = list?.includes('bpf')
  const hasBtf = btfCfg.state === 'builtin' || (facts.live && btf)
  const details = { bpfLsm: bpfLsm.state, debugInfoBtf: btfCfg.state, btfPresent: facts.live ? btf : null, activeLsms: list ?? null, activeFrom: listFrom }
  if (bpfLsm.state === 'unknown' && list === undefined)
    return [{ ...base, status: 'unknown', value: 'no kernel config and no LSM list to read', evidence, details }]
  const problems: string[] = []
  if (bpfLsm.state === 'not-set') problems.push('kernel built without CONFIG_BPF_LSM')
  else if (inList === false) problems.push(`bpf not in the active LSM list (${list?.join(',')})`)
  if (!hasBtf && btfCfg.state !== 'unknown') problems.push('no BTF (CONFIG_DEBUG_INFO_BTF)')
  if (!problems.length) {
    const sure = inList === true && hasBtf
    return [
      {
        ...base,
        status: sure ? 'ok' : 'unknown',
        value: sure ? `bpf active (${listFrom}), BTF present` : 'BPF LSM built, active list or BTF unknown',
        evidence,
        details
      }
    ]
  }
  const remedy =
    bpfLsm.state === 'not-set' || (!hasBtf && btfCfg.state === 'not-set')
      ? { text: "systemd's RestrictFileSystems= needs a kernel with CONFIG_BPF_LSM=y and CONFIG_DEBUG_INFO_BTF=y (CentOS Stream 9/10 kernels have both)." }
      : {
          text: 'The BPF LSM is built but not active, so RestrictFileSystems= cannot work. Add bpf to the lsm= list on the kernel command line (keep the others in their order) and reboot.',
          command: `grubby --update-kernel=ALL --args=lsm=${[...(list ?? []).filter((l) => l !== 'bpf'), 'bpf'].join(',')}`
        }
  return [{ ...base, status: 'warn', value: problems.join('; '), evidence, details, remedy }]
}
