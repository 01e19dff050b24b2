import { FACT_KIND, type FactOomd, type FactRepo, type HostFact } from '../../../shared/contract/fleet'
import type { InspectReport } from '../../../shared/contract/inspect'
import type { OomdState } from '../../../shared/contract/oomd'
import type { HyperscalePackage, RepoList } from '../../../shared/contract/repos'

/** Everything the fact is made of, each read by the caller (so tests can give any of them). */
export interface FactSources {
  inspect(): Promise<InspectReport>
  repoList(): Promise<RepoList>
  installedBuilds(): Promise<HyperscalePackage[]>
  oomdState(): Promise<OomdState>
  hostname(): Promise<string | null>
  version: string
  now?: () => Date
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

function oomdFact(s: OomdState): FactOomd {
  // Only a manager (D-Bus or systemctl show) knows whether the service runs; unit files only tell enablement.
  const live = s.source === 'dbus' || s.source === 'systemctl'
  return { source: s.source, enabled: s.source === 'unavailable' ? null : s.enabled, active: live ? s.active : null }
}

/**
 * Builds the fact. A failing part never fails the fact: Ansible would drop the whole
 * document, so repos and oomd degrade to an error note / nulls instead.
 */
export async function buildFact(src: FactSources): Promise<HostFact> {
  const [inspect, list, builds, oomd, hostname] = await Promise.all([
    src.inspect(),
    src.repoList().then(
      (v) => ({ v }),
      (e: unknown) => ({ e: message(e) })
    ),
    src.installedBuilds().then(
      (v) => ({ v }),
      (e: unknown) => ({ e: message(e) })
    ),
    src.oomdState().then(oomdFact, (): FactOomd => ({ source: 'unavailable', enabled: null, active: null })),
    src.hostname().catch(() => null)
  ])
  const configured: FactRepo[] =
    'v' in list
      ? list.v.repos.flatMap((r) =>
          r.hyperscale ? [{ id: r.id, variant: r.hyperscale.variant, testing: r.hyperscale.testing, kind: r.hyperscale.kind, enabled: r.enabled }] : []
        )
      : []
  const repos: HostFact['repos'] = {
    enabled: configured.filter((r) => r.enabled && r.kind === 'binary').map((r) => r.id),
    configured,
    packages: 'v' in builds ? builds.v : []
  }
  const errors = ['e' in list ? `repository files: ${list.e}` : '', 'e' in builds ? `installed packages: ${builds.e}` : ''].filter(Boolean)
  if (errors.length) repos.error = errors.join('; ')
  return {
    schema: inspect.schema,
    kind: FACT_KIND,
    hsc: src.version,
    generatedAt: (src.now?.() ?? new Date()).toISOString(),
    hostname,
    inspect,
    repos,
    oomd
  }
}
