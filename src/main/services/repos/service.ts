import { accessSync } from 'node:fs'
import type {
  FlavourOffer,
  HyperscalePackage,
  KernelInfo,
  Prerequisite,
  Provenance,
  ReposAction,
  ReposRunResult,
  RepoList
} from '../../../shared/contract/repos'
import type { PrivilegedPlan, TerminalSessionInfo } from '../../../shared/contract/terminal'
import type { CommandRunner } from '../system/command'
import { createRootFs, type RootFs } from '../system/rootfs'
import { defaultElevation, type Elevation } from '../terminal/elevate'
import type { RunnablePlan } from '../terminal/runner'
import { Dnf } from './dnf'
import { kernelInfo } from './kernel'
import { listRepos } from './list'
import { flavoursFile, offerFor } from './flavours'
import { evaluatePrerequisites, streamInfo } from './prerequisites'
import { installedBuilds, provenance } from './provenance'
import { loadVars } from './vars'

export interface ReposServiceOptions {
  run: CommandRunner
  /** Work on this installroot (absolute) instead of the live system: dnf --installroot, rpm --root. */
  installroot?: string
  /** dnf --releasever; taken from the root's os-release when an installroot has none given. */
  releasever?: string
  /** uname -m for $basearch; the host's by default. */
  machine?: string
  /** Shown in plans; "direct" when this process is root. */
  elevation?: Elevation
  /** Reads through this root prefix; defaults to the installroot or "/". */
  fs?: RootFs
  /** The host's files (where dnf itself is installed); "/" by default. */
  hostFs?: RootFs
  /** resources/repos/flavours.json; found next to the app by default. */
  flavoursFile?: string
}

export interface ReposService {
  list(): Promise<RepoList>
  prerequisites(): Promise<Prerequisite[]>
  packages(): Promise<Provenance>
  /** Installed Hyperscale builds only (rpm + dnf history; no repository metadata, no network). */
  installedBuilds(): Promise<HyperscalePackage[]>
  kernel(): Promise<KernelInfo>
  flavours(): Promise<FlavourOffer>
  plan(action: ReposAction): Promise<PrivilegedPlan>
  /** Runs the plan only if it is still the one confirmed (`digest` from plan()). */
  run(action: ReposAction, runner: { start(plan: RunnablePlan): TerminalSessionInfo | Promise<TerminalSessionInfo> }, digest: string): Promise<ReposRunResult>
  readonly installroot?: string
}

/**
 * Synchronous on purpose: `repos list` asks whether a root has an rpm database while it reads
 * and parses the .repo files (synchronous work), and an answer from the thread pool would only
 * arrive after it, so the rpm query could no longer run beside the parse (issue 15).
 */
const hostExists = (p: string): boolean => {
  try {
    accessSync(p)
    return true
  } catch {
    return false
  }
}

export function createReposService(opts: ReposServiceOptions): ReposService {
  const installroot = opts.installroot && opts.installroot !== '/' ? opts.installroot : undefined
  const fs = opts.fs ?? createRootFs(installroot ?? '/')
  const elevation = opts.elevation ?? defaultElevation()
  const live = !installroot && fs.isLive
  let dnfPromise: Promise<Dnf> | undefined

  // With an installroot dnf cannot guess the release (no system-release package is asked), so
  // the root's own os-release supplies it, as `dnf --releasever` would be given by hand.
  const dnf = (): Promise<Dnf> =>
    (dnfPromise ??= (async () => {
      const releasever = opts.releasever ?? (installroot ? (await loadVars({ fs, machine: opts.machine })).releasever : undefined)
      return new Dnf(opts.run, { installroot, releasever }, hostExists, opts.hostFs ?? createRootFs('/'))
    })())

  const list = async (): Promise<RepoList> => {
    const d = await dnf()
    const vars = await loadVars({ fs, machine: opts.machine, releasever: d.target.releasever })
    return listRepos({ fs, dnf: d, vars })
  }
  const prereqState = async () => evaluatePrerequisites(fs, await dnf(), await list())
  const flavours = async (): Promise<FlavourOffer> => {
    const { loadFlavourTable } = await import('./flavour-table')
    const table = await loadFlavourTable(opts.flavoursFile ?? flavoursFile({}))
    const stream = await streamInfo(fs)
    return offerFor(table, stream.major ? String(stream.major) : null)
  }
  // Plans (and node:crypto for their digest) load with the first plan: reads never need them.
  const plan = async (action: ReposAction) => {
    const { buildPlan } = await import('./actions')
    return buildPlan(action, { dnf: await dnf(), fs, elevation, list, prerequisites: prereqState, flavours, live })
  }

  return {
    installroot,
    list,
    prerequisites: async () => (await prereqState()).list,
    packages: async () => provenance(await dnf(), await list()),
    installedBuilds: async () => installedBuilds(await dnf()),
    kernel: async () => kernelInfo({ dnf: await dnf(), run: opts.run, list: await list(), live, offer: await flavours() }),
    flavours,
    plan,
    async run(action, runner, digest) {
      const p = await plan(action)
      const { assertConfirmed } = await import('./plan-digest')
      assertConfirmed(p.steps, p.digest, digest)
      return { plan: p, session: await runner.start(p) }
    }
  }
}
