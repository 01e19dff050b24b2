import type { Check } from '../../../../shared/contract'
import type { Facts } from '../facts'

/** systemd-oomd first shipped in systemd 247. */
export const OOMD_MIN_SYSTEMD = 247

export async function systemdChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'systemd.version', group: 'system', title: 'systemd' } as const
  const sd = await facts.systemd()
  const evidence = sd.evidence
  const via = sd.via ?? ''
  if (sd.major === undefined || sd.full === undefined) {
    return [
      {
        ...base,
        status: 'unknown',
        value: 'systemd not found',
        evidence: evidence.length ? evidence : [{ source: 'systemctl, libsystemd-shared-*.so', excerpt: 'not found' }],
        details: { major: null, full: null }
      }
    ]
  }
  const version = { major: sd.major, full: sd.full }
  const details = { major: version.major, full: version.full, via }
  if (version.major < OOMD_MIN_SYSTEMD) {
    return [
      {
        ...base,
        status: 'warn',
        value: `systemd ${version.full}: older than ${OOMD_MIN_SYSTEMD}, no systemd-oomd`,
        evidence,
        details,
        remedy: {
          text: `systemd-oomd needs systemd ${OOMD_MIN_SYSTEMD} or newer. The Hyperscale SIG ships a newer systemd for CentOS Stream (enable the centos-hyperscale repository and update systemd).`
        }
      }
    ]
  }
  return [{ ...base, status: 'ok', value: `systemd ${version.major}${version.full !== String(version.major) ? ` (${version.full})` : ''}`, evidence, details }]
}
