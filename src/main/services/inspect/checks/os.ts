import type { Check } from '../../../../shared/contract'
import { excerpt, type Facts } from '../facts'

export type OsFamily = 'centos-stream' | 'el' | 'fedora' | 'other'

/** Classifies an os-release: CentOS Stream, another Enterprise Linux (RHEL, Rocky, Alma...), Fedora, or other. */
export function classifyOs(os: Record<string, string>): { family: OsFamily; major?: number; hyperscaleSpin: boolean } {
  const id = (os.ID ?? '').toLowerCase()
  const like = (os.ID_LIKE ?? '').toLowerCase().split(/\s+/)
  const major = os.VERSION_ID ? Number.parseInt(os.VERSION_ID, 10) : undefined
  const platform = /^platform:el(\d+)/.exec(os.PLATFORM_ID ?? '')
  const hyperscaleSpin = (os.VARIANT_ID ?? '').toLowerCase().includes('hyperscale')
  let family: OsFamily = 'other'
  if (id === 'centos' && (/stream/i.test(os.NAME ?? '') || /stream/i.test(os.REDHAT_SUPPORT_PRODUCT_VERSION ?? ''))) family = 'centos-stream'
  else if (id === 'fedora') family = 'fedora'
  else if (id === 'rhel' || like.includes('rhel') || platform) family = 'el'
  return { family, major: Number.isFinite(major) ? major : platform ? Number(platform[1]) : undefined, hyperscaleSpin }
}

export async function osChecks(facts: Facts): Promise<Check[]> {
  const rel = await facts.osRelease()
  const base = { id: 'os.release', group: 'system', title: 'Operating system' } as const
  if (!rel) {
    return [
      { ...base, status: 'unknown', value: 'os-release not found', evidence: [{ source: '/etc/os-release', excerpt: 'missing (and /usr/lib/os-release)' }] }
    ]
  }
  const os = rel.value
  const { family, major, hyperscaleSpin } = classifyOs(os)
  const name = os.PRETTY_NAME ?? `${os.NAME ?? 'unknown'} ${os.VERSION_ID ?? ''}`.trim()
  const value = hyperscaleSpin ? `${name} (Hyperscale spin, ${os.VARIANT ?? os.VARIANT_ID})` : name
  const details = { id: os.ID ?? null, versionId: os.VERSION_ID ?? null, variantId: os.VARIANT_ID ?? null, family, major: major ?? null, hyperscaleSpin }
  const evidence = [{ source: rel.source, excerpt: excerpt(rel.text, 8) }]
  if (family === 'centos-stream' && major !== undefined && major >= 9) {
    return [{ ...base, status: 'ok', value, evidence, details }]
  }
  if (family === 'centos-stream') {
    return [
      {
        ...base,
        status: 'warn',
        value,
        evidence,
        details,
        remedy: {
          text: 'CentOS Stream 8 reached its end of life on 2024-05-31; current Hyperscale packages are built for CentOS Stream 9 and 10. Reinstall or upgrade to CentOS Stream 9 or 10.'
        }
      }
    ]
  }
  const remedy =
    family === 'el'
      ? 'Hyperscale packages are built against CentOS Stream 9 and 10; on other Enterprise Linux releases they may not install cleanly. Prefer CentOS Stream (or a Hyperscale spin).'
      : family === 'fedora'
        ? 'The Hyperscale SIG targets CentOS Stream; Fedora already ships most of these features (btrfs, systemd-oomd). The repository features of this app do not apply.'
        : 'The Hyperscale SIG targets CentOS Stream 9 and 10; checks below still describe this kernel.'
  return [{ ...base, status: 'warn', value, evidence, details, remedy: { text: remedy } }]
}
