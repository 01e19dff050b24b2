import type { Check, Evidence } from '../../../../shared/contract'
import { classifyRepo, releaseMarker } from '../../repos/hyperscale'
import { parseBool, parseIni, parseList } from '../../repos/ini'
import type { Facts } from '../facts'
import { CUT } from '../../system/facts/text'
import { findTool } from '../../system/facts/tools'
import { rpmInventory } from './rpm-inventory'
import { classifyOs } from './os'

/**
 * Which of three machines this is (sigs.centos.org/guide/spin): a Hyperscale spin sets
 * VARIANT_ID through centos-stream-spin-hyperscale-release; a Stream install converted to
 * Hyperscale still says ID=centos, so it is recognised by its Hyperscale repositories and
 * installed Hyperscale builds; anything else on CentOS Stream is stock.
 */

export type MachineKind = 'hyperscale-spin' | 'converted' | 'stock-stream' | 'other'

const SPIN_RELEASE = ['centos-stream-spin-hyperscale-release', 'centos-stream-hyperscale-spin-release']

interface RepoSeen {
  id: string
  file: string
  enabled: boolean
  flavour: string
}

/** Hyperscale binary repos in /etc/yum.repos.d, read as files (no dnf: a fixture root must start nothing). */
async function hyperscaleRepos(facts: Facts): Promise<RepoSeen[]> {
  const out: RepoSeen[] = []
  const names = (await facts.fs.list('/etc/yum.repos.d').catch(() => [] as string[])).filter((n) => n.endsWith('.repo')).sort()
  for (const name of names) {
    const file = `/etc/yum.repos.d/${name}`
    const text = await facts.text(file)
    if (!text) continue
    const ini = parseIni(text)
    if (ini.error) continue
    for (const sec of ini.sections) {
      if (sec.name === 'main') continue
      const v = (k: string) => sec.values.get(k)?.value
      const info = classifyRepo({ id: sec.name, metalink: v('metalink'), mirrorlist: v('mirrorlist'), baseurl: parseList(v('baseurl') ?? '') })
      if (!info || info.kind !== 'binary') continue
      out.push({ id: sec.name, file, enabled: parseBool(v('enabled') ?? '1') ?? true, flavour: info.testing ? `${info.variant} testing` : info.variant })
    }
  }
  return out
}

/** Hyperscale builds on disk: kernels in /boot and /lib/modules (readable under any root), and rpm -qa on the live system. */
async function hyperscaleBuilds(facts: Facts): Promise<{ builds: string[]; evidence: Evidence[]; spinPackage?: string }> {
  const builds = new Set<string>()
  const evidence: Evidence[] = []
  const release = await facts.text('/proc/sys/kernel/osrelease')
  if (release && releaseMarker(release.trim())) {
    builds.add(`kernel ${release.trim()} (running)`)
    evidence.push({ source: '/proc/sys/kernel/osrelease', excerpt: release.trim() })
  }
  for (const dir of ['/lib/modules', '/usr/lib/modules']) {
    for (const n of await facts.fs.list(dir).catch(() => [] as string[])) {
      if (releaseMarker(n)) builds.add(`kernel ${n}`)
    }
  }
  let spinPackage: string | undefined
  // Live only: under another root, rpm -qa would need that root's database (and a program start).
  const rpm = facts.live && (await findTool(facts, 'rpm')) ? await rpmInventory(facts) : undefined
  if (rpm && rpm.result.code === 0) {
    const marked: string[] = []
    for (const [name, vrs] of rpm.packages) {
      for (const vr of vrs) {
        if (SPIN_RELEASE.includes(name)) spinPackage = `${name}-${vr}`
        // The release is what follows the version's first "-" (a string cut: this runs per installed package).
        if (releaseMarker(vr.slice(vr.indexOf('-') + 1))) marked.push(`${name}-${vr}`)
      }
    }
    for (const m of marked.sort()) builds.add(m)
    evidence.push({
      source: 'rpm -qa',
      excerpt: marked.length
        ? `${marked.length} Hyperscale builds: ${marked.slice(0, 5).join(', ')}${marked.length > 5 ? `, ${CUT}` : ''}`
        : 'no package with a Hyperscale release marker (.hs/.hsx/.hsk)'
    })
  }
  return { builds: [...builds], evidence, spinPackage }
}

export async function machineChecks(facts: Facts): Promise<Check[]> {
  const base = { id: 'system.machine', group: 'system', title: 'Which machine this is' } as const
  const rel = await facts.osRelease()
  if (!rel)
    return [
      {
        ...base,
        status: 'unknown',
        value: 'os-release not found',
        evidence: [{ source: '/etc/os-release', excerpt: 'missing (and /usr/lib/os-release)' }],
        details: { kind: null }
      }
    ]
  const os = classifyOs(rel.value)
  const osLine = `ID=${rel.value.ID ?? ''}${rel.value.VARIANT_ID ? ` VARIANT_ID=${rel.value.VARIANT_ID}` : ''} VERSION_ID=${rel.value.VERSION_ID ?? ''}`
  const evidence: Evidence[] = [{ source: rel.source, excerpt: osLine }]
  const [repos, found] = await Promise.all([hyperscaleRepos(facts), hyperscaleBuilds(facts)])
  const enabled = repos.filter((r) => r.enabled)
  if (repos.length)
    evidence.push({
      source: '/etc/yum.repos.d',
      excerpt: repos.map((r) => `${r.id} (${r.flavour}, ${r.enabled ? 'enabled' : 'disabled'}) in ${r.file}`).join('\n')
    })
  evidence.push(...found.evidence)
  if (found.spinPackage) evidence.push({ source: 'rpm -q', excerpt: `${found.spinPackage} installed` })
  const details = {
    kind: null as MachineKind | null,
    variantId: rel.value.VARIANT_ID ?? null,
    hyperscaleRepos: repos.map((r) => ({ id: r.id, enabled: r.enabled, flavour: r.flavour })),
    hyperscaleBuilds: found.builds.slice(0, 50),
    spinReleasePackage: found.spinPackage ?? null
  }
  const stream = `CentOS Stream ${os.major ?? ''}`.trim()

  if (os.hyperscaleSpin || found.spinPackage) {
    details.kind = 'hyperscale-spin'
    return [
      { ...base, status: 'ok', value: `Hyperscale spin (${rel.value.VARIANT ?? rel.value.VARIANT_ID ?? found.spinPackage}) on ${stream}`, evidence, details }
    ]
  }
  if (os.family !== 'centos-stream') {
    details.kind = 'other'
    return [
      {
        ...base,
        status: 'unknown',
        value: `not CentOS Stream (${rel.value.PRETTY_NAME ?? rel.value.ID ?? 'unknown'}): neither stock Stream, a converted machine nor a spin`,
        evidence,
        details
      }
    ]
  }
  if (enabled.length > 0 || found.builds.length > 0) {
    details.kind = 'converted'
    const parts = [
      enabled.length
        ? `${enabled.length} Hyperscale repositor${enabled.length === 1 ? 'y' : 'ies'} enabled (${enabled.map((r) => r.id).join(', ')})`
        : 'no Hyperscale repository enabled',
      found.builds.length ? `${found.builds.length} Hyperscale build${found.builds.length === 1 ? '' : 's'} installed` : 'no Hyperscale build installed yet'
    ]
    return [{ ...base, status: 'ok', value: `${stream} converted to Hyperscale: ${parts.join(', ')}`, evidence, details }]
  }
  details.kind = 'stock-stream'
  return [
    {
      ...base,
      status: 'ok',
      value: `stock ${stream}: no Hyperscale repository enabled and no Hyperscale build found`,
      evidence,
      details,
      remedy: {
        text: 'To convert this machine, set up the Hyperscale repositories (Repositories > Set up Hyperscale, or hsc repos setup), then switch to the Hyperscale builds.',
        command: 'hsc repos setup'
      }
    }
  ]
}
