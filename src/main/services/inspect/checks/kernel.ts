import type { Check } from '../../../../shared/contract'
import { markerTitle } from '../parsers/kernel-release'
import { argValue } from '../parsers/cmdline'
import type { Facts } from '../facts'
import { CUT } from '../../system/facts/text'

/** Kernel command-line parameters this app cares about (PSI, cgroups, SELinux). */
const RELEVANT = [
  'psi',
  'systemd.unified_cgroup_hierarchy',
  'systemd.legacy_systemd_cgroup_controller',
  'cgroup_disable',
  'cgroup_no_v1',
  'selinux',
  'enforcing',
  'lsm',
  'rootflags'
]

export async function kernelChecks(facts: Facts): Promise<Check[]> {
  const [relFact, cmdFact, osr] = await Promise.all([facts.kernelReleaseFact(), facts.cmdlineFact(), facts.osRelease()])
  const rel = relFact.release
  const checks: Check[] = []
  const base = { id: 'kernel.release', group: 'kernel', title: 'Kernel' } as const
  if (!rel) {
    checks.push({
      ...base,
      status: 'unknown',
      value: `kernel release unknown: ${relFact.reason ?? 'not found'}`,
      evidence: [{ source: '/proc/sys/kernel/osrelease', excerpt: relFact.reason ?? 'missing' }]
    })
  } else {
    const k = rel.value
    const details = {
      release: k.release,
      version: k.version,
      hyperscale: k.hyperscale,
      markers: k.hyperscaleMarkers,
      elMajor: k.elMajor ?? null,
      fedora: k.fedora ?? null,
      arch: k.arch ?? null
    }
    const evidence = [{ source: rel.source, excerpt: rel.text }]
    if (k.hyperscale) {
      checks.push({ ...base, status: 'ok', value: `${k.release} (Hyperscale build: ${k.hyperscaleMarkers.map(markerTitle).join(', ')})`, evidence, details })
    } else {
      const onStream = osr?.value.ID === 'centos'
      checks.push({
        ...base,
        status: 'warn',
        value: `${k.release} (not a Hyperscale build${k.elMajor ? `, stock EL${k.elMajor}` : ''})`,
        evidence,
        details,
        remedy: {
          text: onStream
            ? 'The Hyperscale kernel (release tagged .hsk.) builds in btrfs and newer features. Enable the centos-hyperscale-kernel repository (package centos-release-hyperscale-kernel) and install the kernel from it, then reboot.'
            : 'This is not a Hyperscale kernel build (no .hs/.hsx/.hsk/hs+ marker in the release). The feature checks below show what this kernel supports.'
        }
      })
    }
  }
  const cbase = { id: 'kernel.cmdline', group: 'kernel', title: 'Kernel command line' } as const
  if (cmdFact.state !== 'ok') {
    const what = cmdFact.state === 'unparseable' ? 'unparseable' : cmdFact.state === 'missing' ? 'missing' : 'not readable'
    checks.push({
      ...cbase,
      status: 'unknown',
      value: `/proc/cmdline ${what}`,
      evidence: [{ source: '/proc/cmdline', excerpt: cmdFact.reason ?? what }],
      details: { state: cmdFact.state }
    })
  } else {
    const cmd = { source: cmdFact.source, text: cmdFact.text as string, value: { kernel: cmdFact.kernel, init: cmdFact.init } }
    const relevant: Record<string, string> = {}
    for (const key of RELEVANT) {
      const v = argValue(cmd.value.kernel, key)
      if (v !== undefined) relevant[key] = v
    }
    const shown = Object.entries(relevant).map(([k, v]) => (v ? `${k}=${v}` : k))
    checks.push({
      ...cbase,
      status: 'ok',
      value: shown.length ? shown.join(' ') : `${cmd.value.kernel.length} parameters, none about PSI, cgroups or SELinux`,
      evidence: [{ source: cmd.source, excerpt: cmd.text.length > 1500 ? cmd.text.slice(0, 1500) + CUT : cmd.text }],
      details: { state: 'ok', parameters: cmd.value.kernel, init: cmd.value.init, relevant }
    })
  }
  return checks
}
