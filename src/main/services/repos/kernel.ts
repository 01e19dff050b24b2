import os from 'node:os'
import type { FlavourOffer, KernelBuild, KernelInfo, KernelProvider, RepoList } from '../../../shared/contract/repos'
import { assertRepoId } from '../terminal/validate'
import type { CommandRunner } from '../system/command'
import type { Dnf } from './dnf'
import { releaseMarker } from './hyperscale'
import { installedSet } from './rpmdb'

export function kernelBuild(release: string): KernelBuild {
  const m = releaseMarker(release)
  return m ? { release, hyperscale: true, marker: m.marker } : { release, hyperscale: false }
}

export interface KernelDeps {
  dnf: Dnf
  run: CommandRunner
  list: RepoList
  /** False for an installroot: its "running" and boot kernels are the host's, not its own. */
  live: boolean
  offer: FlavourOffer
}

/**
 * Which configured Hyperscale repositories (enabled or not) offer a Hyperscale kernel build,
 * asked of the repo metadata with dnf repoquery (--repo also reads disabled repos). Streams
 * without a kernel flavour get their kernel from main or experimental, and which one varies
 * over time, so no table says it.
 */
export async function kernelProviders(dnf: Dnf, list: RepoList): Promise<{ providers: KernelProvider[]; note?: string }> {
  const repos = list.repos.filter((r) => r.hyperscale?.kind === 'binary' && !r.hyperscale.testing)
  if (repos.length === 0) return { providers: [], note: 'no Hyperscale repository is configured yet; set one up first' }
  const ids = repos.map((r) => assertRepoId(r.id))
  const res = await dnf.query([
    '-q',
    'repoquery',
    ...ids.map((id) => `--repo=${id}`),
    '--queryformat',
    '%{repoid}\t%{version}-%{release}.%{arch}\n',
    'kernel',
    'kernel-core'
  ])
  if (res.code !== 0)
    return { providers: [], note: `dnf repoquery failed: ${(res.stderr || res.stdout).trim().split('\n').slice(-1)[0] ?? `exit ${res.code}`}` }
  const providers: KernelProvider[] = []
  for (const line of res.stdout.split('\n')) {
    const [repo, release] = line.trim().split('\t')
    if (!repo || !release || !ids.includes(repo)) continue
    const marker = releaseMarker(release.replace(/\.[A-Za-z0-9_]+$/, ''))
    if (!marker || providers.some((p) => p.repo === repo && p.release === release)) continue
    providers.push({ repo, release, marker: marker.marker, enabled: repos.find((r) => r.id === repo)!.enabled })
  }
  return providers.length ? { providers } : { providers, note: `none of ${ids.join(', ')} ships a Hyperscale kernel build (.hs/.hsx/.hsk) at the moment` }
}

/** Installed kernels as version-release.arch (the /boot/vmlinuz-<x> suffix). */
export async function installedKernels(dnf: Dnf): Promise<string[]> {
  const res = await dnf.rpm(['-q', '--queryformat', '%{VERSION}-%{RELEASE}.%{ARCH}\n', '--', 'kernel-core', 'kernel'])
  const out = new Set<string>()
  for (const line of res.stdout.split('\n')) {
    const l = line.trim()
    if (/^[A-Za-z0-9._+~^-]+-[A-Za-z0-9._+~^]+\.[A-Za-z0-9_]+$/.test(l)) out.add(l)
  }
  return [...out]
}

export async function kernelInfo({ dnf, run, list, live, offer }: KernelDeps): Promise<KernelInfo> {
  const [installed, releasePkgs] = await Promise.all([installedKernels(dnf), installedSet(dnf, ['centos-release-hyperscale-kernel'])])
  const info: KernelInfo = {
    running: live ? kernelBuild(os.release()) : null,
    defaultBoot: null,
    installed: installed.map(kernelBuild),
    kernelRepoConfigured: list.repos.some((r) => r.hyperscale?.variant === 'kernel' && r.hyperscale.kind === 'binary'),
    kernelReleasePackageInstalled: releasePkgs.has('centos-release-hyperscale-kernel'),
    route: offer.kernelRoute
  }
  if (offer.kernelRoute === 'repo-metadata') {
    const found = await kernelProviders(dnf, list)
    info.providers = found.providers
    if (found.note) info.providersNote = found.note
  }
  if (!live) {
    info.defaultBootError = 'the boot entry of an installroot is not managed here'
    return info
  }
  const res = await run(['grubby', '--default-kernel'], { timeoutMs: 15_000 })
  const path = res.stdout.trim().split('\n')[0] ?? ''
  const m = /^\/boot\/vmlinuz-(\S+)$/.exec(path)
  if (res.spawnError) info.defaultBootError = 'grubby is not installed'
  else if (res.code !== 0 || !m)
    info.defaultBootError = `grubby --default-kernel failed: ${(res.stderr || res.stdout).trim().split('\n')[0] ?? `exit ${res.code}`}`
  else info.defaultBoot = kernelBuild(m[1])
  return info
}
