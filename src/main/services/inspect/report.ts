import type { Check, CheckGroup, InspectReport } from '../../../shared/contract'
import { checkGroupOrder } from '../../../shared/contract/check-groups'
import { Facts, type InspectDeps } from './facts'
import { monotonicMs, utcIsoString } from '../system/clock'
import { lazyDeadline } from '../system/deadline'
import { osChecks } from './checks/os'
import { kernelChecks } from './checks/kernel'
import { kconfigChecks } from './checks/kconfig'
import { cgroupChecks } from './checks/cgroup'
import { psiChecks } from './checks/psi'
import { btrfsChecks } from './checks/btrfs'
import { systemdChecks } from './checks/systemd'
import { swapChecks } from './checks/swap'
import { secureBootChecks, selinuxChecks } from './checks/security'
import { rpmCowChecks } from './checks/rpm-cow'
import { rpmCowStackChecks } from './checks/rpm-cow-stack'
import { hardwareChecks } from './checks/hardware'
import { machineChecks } from './checks/machine'
import { ioChecks } from './checks/io'
import { btrfsOptionChecks } from './checks/btrfs-options'
import { swapSizeChecks } from './checks/swap-size'
import { memcgChecks } from './checks/memcg'
import { bpfLsmChecks } from './checks/bpf-lsm'
import { systemdTaintChecks } from './checks/systemd-taint'
import { brokenCheck } from './checks/helpers'

export type { InspectDeps } from './facts'

interface Producer {
  id: string
  group: CheckGroup
  title: string
  run: (facts: Facts) => Promise<Check[]>
}

const PRODUCERS: Producer[] = [
  { id: 'os', group: 'system', title: 'Operating system', run: osChecks },
  { id: 'machine', group: 'system', title: 'Which machine this is', run: machineChecks },
  { id: 'systemd', group: 'system', title: 'systemd', run: systemdChecks },
  { id: 'swap', group: 'system', title: 'Swap', run: swapChecks },
  { id: 'kernel', group: 'kernel', title: 'Kernel', run: kernelChecks },
  { id: 'kconfig', group: 'kernel-config', title: 'Kernel config', run: kconfigChecks },
  { id: 'cgroup', group: 'cgroup', title: 'cgroups', run: cgroupChecks },
  { id: 'psi', group: 'psi', title: 'PSI', run: psiChecks },
  { id: 'btrfs', group: 'btrfs', title: 'btrfs', run: btrfsChecks },
  { id: 'rpm', group: 'storage', title: 'RPM copy-on-write', run: rpmCowChecks },
  { id: 'rpm-stack', group: 'storage', title: 'RPM copy-on-write: packages, plugin, dnf, rpmdb', run: rpmCowStackChecks },
  { id: 'selinux', group: 'security', title: 'SELinux', run: selinuxChecks },
  { id: 'secureboot', group: 'security', title: 'Secure Boot', run: secureBootChecks },
  { id: 'hardware', group: 'hardware', title: 'Hardware', run: hardwareChecks },
  // Operator checks (issue #12): resctl-demo sysreqs, moby check-config.sh, systemd README.
  { id: 'io', group: 'storage', title: 'IO control', run: ioChecks },
  { id: 'btrfs-options', group: 'btrfs', title: 'btrfs mount options', run: btrfsOptionChecks },
  { id: 'swap-size', group: 'system', title: 'Swap size', run: swapSizeChecks },
  { id: 'memcg', group: 'cgroup', title: 'Memory protection', run: memcgChecks },
  { id: 'bpf-lsm', group: 'security', title: 'BPF LSM', run: bpfLsmChecks },
  { id: 'systemd-taint', group: 'system', title: 'systemd taint', run: systemdTaintChecks }
]

/**
 * The whole report's budget. No single check may hold the report past it: a producer still
 * waiting (a program or D-Bus call that does not answer) becomes one "unknown" line saying so,
 * and the rest of the report is shown. Program timeouts inside the checks are shorter.
 */
export const REPORT_BUDGET_MS = 8000

/** Runs every check concurrently over shared, read-once facts; one failing check becomes "unknown", never a failed report. */
export async function runInspection(deps: InspectDeps & { budgetMs?: number }): Promise<InspectReport> {
  const started = monotonicMs()
  const facts = new Facts(deps)
  const budget = deps.budgetMs ?? REPORT_BUDGET_MS
  const deadline = lazyDeadline(budget)
  const results = await Promise.all(
    PRODUCERS.map(async (p) => {
      try {
        const r = await Promise.race([p.run(facts), deadline.reached])
        if (r !== 'over') return r
        return [
          {
            id: `${p.id}.timeout`,
            group: p.group,
            title: p.title,
            status: 'unknown' as const,
            value: deadline.stalled ? 'no answer: nothing it waited for was still running' : `no answer within the report's ${budget / 1000} s budget`,
            evidence: [
              {
                source: 'inspector',
                excerpt: deadline.stalled
                  ? `${p.title}: stopped waiting when nothing it waited for was left running (a program or D-Bus call that can no longer answer); refresh to try again`
                  : `${p.title}: still waiting after ${budget} ms (a program or D-Bus call did not answer); refresh to try again`
              }
            ]
          }
        ]
      } catch (err) {
        return [brokenCheck(`${p.id}.error`, p.group, p.title, err)]
      }
    })
  ).finally(() => deadline.cancel())
  const order = new Map(checkGroupOrder.map((g, i) => [g, i]))
  // Stable sort: groups in display order, checks within a group in producer order.
  const checks = results.flat().sort((a, b) => (order.get(a.group) ?? 99) - (order.get(b.group) ?? 99))
  const summary = { ok: 0, warn: 0, fail: 0, unknown: 0 }
  for (const c of checks) summary[c.status]++
  return {
    schema: 1,
    generatedAt: utcIsoString(Date.now()),
    root: deps.fs.root,
    durationMs: Math.round((monotonicMs() - started) * 10) / 10,
    checks,
    summary
  }
}
