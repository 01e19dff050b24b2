import { z } from 'zod'
import { method } from './define'
import type { PrivilegedPlan, TerminalSessionInfo } from './terminal'

/** A value as written in the .repo file and with dnf's variables substituted. */
export interface Expandable {
  raw: string
  expanded: string
}

export { FLAVOURS, type HyperscaleFlavour, type HyperscaleVariant } from './flavours'
import { FLAVOURS, type HyperscaleFlavour, type HyperscaleVariant } from './flavours'

export interface FlavourRow {
  flavour: HyperscaleFlavour
  label: string
  description: string
  /** centos-hyperscale[-<flavour>] */
  repoId: string
  baseurl: string
  testingBaseurl: string
  /** The package that adds the repo file; absent when none is known (then it is set up by hand). */
  releasePackage?: string
  testingReleasePackage?: string
  /** Where the row's facts come from. */
  source: string
}

export interface FlavourOffer {
  /** The CentOS Stream major of the system, when it is one. */
  stream: string | null
  offered: FlavourRow[]
  /** Flavours this stream does not have, each with the reason. */
  absent: Array<{ flavour: HyperscaleFlavour; label: string; reason: string }>
  /** How the Hyperscale kernel is installed on this stream. */
  kernelRoute: 'kernel-flavour' | 'repo-metadata'
  /** The data file the table was read from. */
  dataFile: string
}

export interface HyperscaleInfo {
  variant: HyperscaleVariant
  /** A testing (pre-release) repository of that variant. */
  testing: boolean
  kind: 'binary' | 'debuginfo' | 'source'
  /** The release package that would bring this repo (centos-release-hyperscale[-variant]). */
  releasePackage: string
}

export interface RepoEntry {
  /** The repository id as dnf uses it: the [section] name with variables substituted. */
  id: string
  /** The [section] name as written, when it differs from the id (it contains variables). */
  section?: string
  /** System path of the .repo file, e.g. /etc/yum.repos.d/hs.repo. */
  file: string
  /** 1-based line of the [section] header. */
  line: number
  name: Expandable
  enabled: boolean
  baseurl: Expandable[]
  metalink?: Expandable
  mirrorlist?: Expandable
  /** Effective gpgcheck (the repo's own value, else dnf.conf [main], else dnf's default). */
  gpgcheck: boolean
  gpgcheckSource: 'repo' | 'dnf.conf' | 'default'
  gpgkey: Expandable[]
  /** dnf's default is 99; lower wins. */
  priority: number
  /** Set when a dnf5 repos.override.d file changed this repo; the file's path. */
  overriddenBy?: string
  hyperscale?: HyperscaleInfo
}

export interface RepoProblem {
  file: string
  /** 1-based; 0 when the problem is about the whole file. */
  line: number
  message: string
  /** "error": the file was skipped like dnf skips it; "warning": it loaded. */
  severity: 'error' | 'warning'
}

export interface RepoFileInfo {
  path: string
  repoIds: string[]
  /** The package that owns the file (rpm -qf), when any. */
  owner?: string
  /** True when the file failed to parse (see problems). */
  malformed: boolean
}

export interface DnfInfo {
  /** 4, 5, or null when dnf was not found. */
  major: 4 | 5 | null
  version: string
  /** The dnf options that aim every command at an installroot (empty on the live system). */
  targetArgs: string[]
}

export interface RepoList {
  reposDir: string
  /** The installroot the service works on, when not the live system. */
  installroot?: string
  vars: Record<string, string>
  repos: RepoEntry[]
  files: RepoFileInfo[]
  problems: RepoProblem[]
  dnf: DnfInfo
}

export type PrerequisiteId = 'stream' | 'extras-common' | 'epel' | 'crb' | 'gpg-key'

export interface Prerequisite {
  id: PrerequisiteId
  title: string
  status: 'ok' | 'missing' | 'not-applicable' | 'unknown'
  detail: string
  /** The one-click fix, when one exists: pass this id to repos.plan/run as {kind:'fix'}. */
  fixable: boolean
  hint?: string
}

export interface HyperscalePackage {
  name: string
  epoch: string
  version: string
  release: string
  arch: string
  /** The build marker found in the release: hs, hsx, hsk, hs+fb, ... */
  marker: string
  variant: HyperscaleVariant
  /** The repo dnf installed it from, when dnf recorded one. */
  fromRepo?: string
}

export interface HyperscaleUpdate {
  name: string
  arch: string
  /** version-release available from an enabled Hyperscale repo. */
  available: string
  installed?: string
  repo: string
}

/** What "Undo last transaction" would undo: none when dnf's history is provably empty. */
export interface DnfHistory {
  state: 'some' | 'none' | 'unknown'
  /** "#12 (install foo, Tue Nov 26 04:22:28 2026)", when readable. */
  last?: string
}

export interface Provenance {
  packages: HyperscalePackage[]
  history: DnfHistory
  /** Installed packages with a newer build in the enabled Hyperscale repos. */
  updates: HyperscaleUpdate[]
  /** Installed non-Hyperscale builds that an enabled Hyperscale repo also ships (what "move" would switch). */
  switchable: string[]
  enabledHyperscaleRepos: string[]
  /** Set when dnf could not answer (e.g. metadata unreachable); packages still come from rpm. */
  error?: string
}

export interface KernelBuild {
  /** version-release.arch, as in /boot/vmlinuz-<this>. */
  release: string
  hyperscale: boolean
  marker?: string
}

export interface KernelInfo {
  /** uname -r; null when the service works on an installroot. */
  running: KernelBuild | null
  /** From grubby --default-kernel; null when grubby is missing or failed. */
  defaultBoot: KernelBuild | null
  defaultBootError?: string
  installed: KernelBuild[]
  kernelRepoConfigured: boolean
  kernelReleasePackageInstalled: boolean
  /** 'kernel-flavour' (Stream 10: its own repo) or 'repo-metadata' (Stream 9: whichever Hyperscale repo ships one). */
  route?: 'kernel-flavour' | 'repo-metadata'
  /** Hyperscale repos whose metadata offers a Hyperscale kernel build (route 'repo-metadata'). */
  providers?: KernelProvider[]
  /** Why no provider was found, or what dnf said. */
  providersNote?: string
}

export interface KernelProvider {
  repo: string
  enabled: boolean
  /** version-release.arch */
  release: string
  marker: string
}

const repoId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'repo ids contain only letters, digits and . _ : -')
  .refine((s) => !s.startsWith('-'), 'repo ids must not start with "-"')

export const kernelRelease = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+~^-]*$/, 'not a kernel version-release.arch')

export const reposAction = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('setup'),
      experimental: z.boolean().default(false),
      kernel: z.boolean().default(false),
      spin: z.boolean().default(false),
      /** Testing builds of every chosen flavour that has a testing release package. */
      testing: z.boolean().default(false),
      /** Further flavours by name (the booleans above are shorthands). */
      flavours: z.array(z.enum(FLAVOURS)).max(FLAVOURS.length).default([])
    })
    .strict(),
  z.object({ kind: z.literal('toggle'), id: repoId, enabled: z.boolean() }).strict(),
  z.object({ kind: z.literal('fix'), prerequisite: z.enum(['stream', 'extras-common', 'epel', 'crb', 'gpg-key']) }).strict(),
  /** assumeYes false: dnf shows the transaction and asks in the terminal. */
  z.object({ kind: z.literal('sync'), assumeYes: z.boolean().default(false) }).strict(),
  z.object({ kind: z.literal('undo'), assumeYes: z.boolean().default(false) }).strict(),
  z.object({ kind: z.literal('installKernel') }).strict(),
  /** Experimental repo, rpm-plugin-reflink + python3-dnf-plugin-cow, and the plugin switched on. */
  z.object({ kind: z.literal('enableRpmCow') }).strict(),
  z.object({ kind: z.literal('setDefaultKernel'), release: kernelRelease }).strict()
])

export type ReposAction = z.output<typeof reposAction>
export type ReposActionInput = z.input<typeof reposAction>

export interface ReposRunResult {
  plan: PrivilegedPlan
  session: TerminalSessionInfo
}

const empty = z.object({}).strict()
const actionInput = z.object({ action: reposAction }).strict()
/** The digest of the plan the user confirmed (PrivilegedPlan.digest). */
export const planDigestSchema = z.string().regex(/^[0-9a-f]{64}$/, 'not a plan digest (64 hex digits)')
const runInput = z.object({ action: reposAction, digest: planDigestSchema }).strict()

export const reposMethods = {
  'repos.list': method<RepoList>()(empty),
  'repos.prerequisites': method<Prerequisite[]>()(empty),
  'repos.packages': method<Provenance>()(empty),
  'repos.kernel': method<KernelInfo>()(empty),
  /** The flavours this system's stream has, and why the others are absent. */
  'repos.flavours': method<FlavourOffer>()(empty),
  /** The exact commands an action would run; nothing is started. */
  'repos.plan': method<PrivilegedPlan>()(actionInput),
  /**
   * Builds the plan again (never trusting a client's argv), refuses with PlanChanged unless its
   * digest is the confirmed one, and starts it through the context's privileged runner.
   */
  'repos.run': method<ReposRunResult>()(runInput)
}
