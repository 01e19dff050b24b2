import os from 'node:os'
import type { KernelBuild, KernelInfo, RepoList } from '../../../shared/contract/repos'
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

export async function kernelInfo({ dnf, run, list, live }: KernelDeps): Promise<KernelInfo> {
  const [installed, releasePkgs] = await Promise.all([installedKernels(dnf), installedSet(dnf, ['centos-release-hyperscale-kernel'])])
  const info: KernelInfo = {
    running: live ? kernelBuild(os.release()) : null,
    defaultBoot: null,
    installed: installed.map(kernelBuild),
    kernelRepoConfigured: list.repos.some((r) => r.hyperscale?.variant === 'kernel' && r.hyperscale.kind === 'binary'),
    kernelReleasePackageInstalled: releasePkgs.has('centos-release-hyperscale-kernel')
  }
  if (!live) {
    info.defaultBootError = 'the boot entry of an installroot is not managed here'
    return info
  }
  const res = await run(['grubby', '--default-kernel'], { timeoutMs: 15_000 })
  const path = res.stdout.trim().split('\n')[0] ?? ''
  const m = /^\/boot\/vmlinuz-(\S+)$/.exec(path)
  if (res.spawnError) info.defaultBootError = 'grubby is not installed'
  else if (res.code !== 0 || !m) info.defaultBootError = `grubby --default-kernel failed: ${(res.stderr || res.stdout).trim().split('\n')[0] ?? `exit ${res.code}`}`
  else info.defaultBoot = kernelBuild(m[1])
  return info
}
