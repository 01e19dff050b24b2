import type { Check, Evidence } from '../../../../shared/contract'
import { parseEfiBoolVar } from '../parsers/versions'
import { argValue } from '../parsers/cmdline'
import type { Facts } from '../facts'

const EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c'

export async function selinuxChecks(facts: Facts): Promise<Check[]> {
  const [enforce, config, cmd] = await Promise.all([facts.text('/sys/fs/selinux/enforce'), facts.text('/etc/selinux/config'), facts.cmdline()])
  const configured = config ? /^\s*SELINUX=(\w+)/m.exec(config)?.[1] : undefined
  const selinuxArg = cmd ? argValue(cmd.value.kernel, 'selinux') : undefined
  const evidence: Evidence[] = [
    { source: '/sys/fs/selinux/enforce', excerpt: enforce === undefined ? 'missing (SELinux disabled or not in this kernel)' : enforce.trim() }
  ]
  if (configured) evidence.push({ source: '/etc/selinux/config', excerpt: `SELINUX=${configured}` })
  if (selinuxArg !== undefined) evidence.push({ source: '/proc/cmdline', excerpt: `selinux=${selinuxArg}` })
  const mode = enforce === undefined ? 'disabled' : enforce.trim() === '1' ? 'enforcing' : enforce.trim() === '0' ? 'permissive' : 'unknown'
  const base = { id: 'selinux', group: 'security', title: 'SELinux' } as const
  const details = { mode, configured: configured ?? null, selinuxArg: selinuxArg ?? null }
  if (mode === 'enforcing') return [{ ...base, status: 'ok', value: 'enforcing', evidence, details }]
  if (mode === 'unknown') return [{ ...base, status: 'unknown', value: `unexpected enforce value ${JSON.stringify(enforce?.trim())}`, evidence, details }]
  const value = mode + (configured && configured !== mode ? ` (configured: ${configured}, applies after reboot)` : '')
  const remedy =
    mode === 'permissive'
      ? { text: 'SELinux logs but does not enforce. CentOS Stream runs it enforcing; after checking for denials, switch it on.', command: 'setenforce 1' }
      : selinuxArg === '0'
        ? {
            text: 'SELinux is switched off by selinux=0 on the kernel command line. Remove it and reboot; the first boot relabels the filesystem.',
            command: 'grubby --update-kernel=ALL --remove-args=selinux'
          }
        : {
            text: 'SELinux is not active. CentOS Stream expects it enforcing: set SELINUX=enforcing in /etc/selinux/config and reboot (the first boot relabels the filesystem).'
          }
  return [{ ...base, status: 'warn', value, evidence, details, remedy }]
}

export async function secureBootChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'secureboot', group: 'security', title: 'Secure Boot' } as const
  const efi = await facts.fs.exists('/sys/firmware/efi')
  if (!efi) {
    return [
      {
        ...base,
        status: 'unknown',
        value: 'not an EFI boot (legacy BIOS or no firmware info)',
        evidence: [{ source: '/sys/firmware/efi', excerpt: 'missing' }],
        details: { efi: false, secureBoot: null, setupMode: null }
      }
    ]
  }
  const sbPath = `/sys/firmware/efi/efivars/SecureBoot-${EFI_GLOBAL}`
  const smPath = `/sys/firmware/efi/efivars/SetupMode-${EFI_GLOBAL}`
  const read = async (p: string) => {
    try {
      return await facts.fs.readBuffer(p)
    } catch {
      return undefined
    }
  }
  const [sb, sm] = await Promise.all([read(sbPath), read(smPath)])
  const secureBoot = sb ? parseEfiBoolVar(sb) : undefined
  const setupMode = sm ? parseEfiBoolVar(sm) : undefined
  const hex = (b?: Buffer) => (b ? [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ') : 'not readable')
  const evidence: Evidence[] = [{ source: sbPath, excerpt: hex(sb) }]
  if (sm) evidence.push({ source: smPath, excerpt: hex(sm) })
  const details = { efi: true, secureBoot: secureBoot ?? null, setupMode: setupMode ?? null }
  if (secureBoot === undefined) return [{ ...base, status: 'unknown', value: 'EFI, but the SecureBoot variable is not readable', evidence, details }]
  if (secureBoot) {
    const note =
      'With Secure Boot on, only signed kernels and modules load: kernels and kmods from SIG repositories must be signed with a key the firmware or MOK list trusts.'
    return [{ ...base, status: 'ok', value: 'enabled', evidence, details: { ...details, note } }]
  }
  return [{ ...base, status: 'ok', value: setupMode ? 'disabled (firmware in setup mode)' : 'disabled', evidence, details }]
}
