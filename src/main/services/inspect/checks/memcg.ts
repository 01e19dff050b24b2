import type { Check } from '../../../../shared/contract'
import type { Facts } from '../facts'

/**
 * memory_recursiveprot (Linux 5.7): memory.min/low protection propagates down the tree, so
 * a protected slice protects its services without per-leaf settings (resctl-demo's
 * MemCgRecursiveProt). systemd mounts cgroup2 with it when the kernel supports it.
 */
export async function memcgChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'cgroup.recursiveprot', group: 'cgroup', title: 'Memory protection propagation (memory_recursiveprot)' } as const
  const [mounts, cg] = await Promise.all([facts.mounts(), facts.cgroup()])
  const at = cg.unifiedPath
  const entry = mounts && at ? mounts.value.filter((m) => m.mountPoint === at && m.fsType === 'cgroup2').at(-1) : undefined
  if (!mounts || !at || !entry) {
    const why = !mounts ? 'mount table not readable' : !at ? `no cgroup v2 hierarchy (${cg.mode})` : `no cgroup2 mount at ${at} in ${mounts.source}`
    return [
      {
        ...base,
        status: cg.mode === 'hybrid' || cg.mode === 'legacy' ? 'warn' : 'unknown',
        value: why,
        evidence: [{ source: mounts?.source ?? '/proc/self/mountinfo', excerpt: why }],
        details: { mounted: false, recursiveprot: null }
      }
    ]
  }
  const on = entry.superOptions.includes('memory_recursiveprot')
  const evidence = [{ source: mounts.source, excerpt: `${entry.mountPoint} cgroup2 ${entry.superOptions.join(',')}` }]
  if (on) return [{ ...base, status: 'ok', value: `on (${at})`, evidence, details: { mounted: true, recursiveprot: true } }]
  return [
    {
      ...base,
      status: 'warn',
      value: `off: ${at} is mounted without memory_recursiveprot`,
      evidence,
      details: { mounted: true, recursiveprot: false },
      remedy: {
        text: 'Without it, memory.low/min protection set on a slice does not reach the services inside unless each sets its own. It needs Linux 5.7+; systemd 247+ mounts cgroup2 with it. It can be switched on live with a remount.',
        command: `mount -o remount,memory_recursiveprot ${at}`
      }
    }
  ]
}
