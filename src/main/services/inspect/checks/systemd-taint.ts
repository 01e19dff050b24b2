import type { Check } from '../../../../shared/contract'
import type { Facts } from '../facts'
import { systemdBooted } from '../../systemd/booted'
import { monotonicMs } from '../../system/clock'
import { withAnswerTimeout } from '../../system/deadline'

/**
 * systemd's own verdict on the machine: the manager's Tainted property lists what it
 * considers broken (cgroupsv1, unmerged-usr, old-kernel, local-hwclock, var-run-bad,
 * overflowuid-not-65534, support-ended, ...; systemd's taint.c). Only a running manager
 * knows it, so it is read over D-Bus; without one the check says why it is unknown.
 */

const MEANING: Record<string, string> = {
  cgroupsv1: 'booted with cgroup v1 (hybrid or legacy)',
  'unmerged-usr': '/bin, /sbin, /lib are not links into /usr',
  'unmerged-bin': '/usr/sbin is not merged into /usr/bin',
  'old-kernel': "kernel older than systemd's minimum",
  'local-hwclock': 'RTC in local time',
  'var-run-bad': '/var/run is not a link to /run',
  'support-ended': 'os-release SUPPORT_END has passed',
  'overflowuid-not-65534': 'kernel overflow UID is not 65534',
  'overflowgid-not-65534': 'kernel overflow GID is not 65534',
  'short-uid-range': 'user namespace UID range is short',
  'short-gid-range': 'user namespace GID range is short',
  'split-usr': '/usr is a separate filesystem not mounted by the initrd',
  'mnt-ns': 'manager runs in a mount namespace'
}

export const TAINT_TIMEOUT_MS = 1500
/** Taint flags change with a reboot or a daemon-reload, not between two refreshes of the report. */
const CACHE_MS = 30_000
const cache = new WeakMap<object, { at: number; value: Promise<string> }>()

function readTainted(connect: NonNullable<Facts['connect']>): Promise<string> {
  const hit = cache.get(connect)
  if (hit && monotonicMs() - hit.at < CACHE_MS) return hit.value
  const value = (async () => {
    // Loaded on first use: dbus-next is only needed on the live root, and the CLI's inspect chunk stays small.
    const { withSystemd } = await import('../../systemd/session')
    return String(await withSystemd(connect, (c) => c.getManagerProperty('Tainted'), { interactive: false, callTimeoutMs: TAINT_TIMEOUT_MS }))
  })()
  cache.set(connect, { at: monotonicMs(), value })
  value.catch(() => cache.delete(connect))
  return value
}

export async function systemdTaintChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'systemd.taint', group: 'system', title: 'systemd taint flags' } as const
  if (!facts.live)
    return [
      {
        ...base,
        status: 'unknown',
        notApplicable: true,
        value: 'not applicable under a fixture root (only a running systemd knows its taint flags)',
        evidence: [{ source: 'org.freedesktop.systemd1 Tainted', excerpt: `not read for root ${facts.fs.root}` }]
      }
    ]
  if (!facts.connect)
    return [
      {
        ...base,
        status: 'unknown',
        value: 'no D-Bus connection was given to the inspector',
        evidence: [{ source: 'org.freedesktop.systemd1 Tainted', excerpt: 'not read' }]
      }
    ]
  // Without systemd as init no bus round trip is needed to know there is no manager.
  if (!(await systemdBooted(facts.fs))) {
    return [
      {
        ...base,
        status: 'unknown',
        value: 'no systemd manager reachable: not booted with systemd (no /run/systemd/system)',
        evidence: [{ source: '/run/systemd/system', excerpt: 'missing (sd_booted() is false)' }],
        details: { flags: null }
      }
    ]
  }
  let tainted: string
  try {
    tainted = await withAnswerTimeout(readTainted(facts.connect), TAINT_TIMEOUT_MS, () => new Error(`no answer within ${TAINT_TIMEOUT_MS} ms`))
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    return [
      {
        ...base,
        status: 'unknown',
        value: `no systemd manager reachable: ${why.replace(/\.$/, '')}`,
        evidence: [{ source: 'org.freedesktop.systemd1 Tainted (system bus)', excerpt: why }],
        details: { flags: null }
      }
    ]
  }
  const flags = tainted.split(':').filter(Boolean)
  const evidence = [{ source: 'org.freedesktop.systemd1 Manager.Tainted', excerpt: tainted || '(empty)' }]
  if (!flags.length) return [{ ...base, status: 'ok', value: 'not tainted', evidence, details: { flags } }]
  return [
    {
      ...base,
      status: 'warn',
      value: flags.map((f) => (MEANING[f] ? `${f} (${MEANING[f]})` : f)).join('; '),
      evidence,
      details: { flags },
      remedy: {
        text: `systemd reports this machine as tainted. ${flags.includes('cgroupsv1') ? 'cgroupsv1: boot with the unified hierarchy (see cgroup hierarchy above). ' : ''}Each flag names a setup current systemd no longer supports or tests; fix them before updating systemd.`
      }
    }
  ]
}
