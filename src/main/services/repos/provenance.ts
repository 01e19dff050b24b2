import { dnfHistory } from './history'
import type { HyperscalePackage, HyperscaleUpdate, Provenance, RepoList } from '../../../shared/contract/repos'
import type { Dnf } from './dnf'
import { releaseMarker } from './hyperscale'
import { installedPackages, type InstalledPackage } from './rpmdb'
import { assertRepoId } from '../terminal/validate'

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? ''
}

function rows(stdout: string, fields: number): string[][] {
  return stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f.length === fields && f[0] !== '')
}

/** Enabled binary Hyperscale repos; kernel repos separately, since the kernel has its own action. */
export function enabledHyperscale(list: RepoList): { all: string[]; packages: string[] } {
  const hs = list.repos.filter((r) => r.enabled && r.hyperscale && r.hyperscale.kind === 'binary')
  return {
    all: hs.map((r) => assertRepoId(r.id)),
    packages: hs.filter((r) => r.hyperscale!.variant !== 'kernel').map((r) => assertRepoId(r.id))
  }
}

/**
 * Installed Hyperscale builds (by release marker) with the repo dnf recorded. Local only: rpm
 * and dnf's history database, no repository metadata, so it is cheap enough for a fact run by
 * every Ansible gather.
 */
export async function installedBuilds(dnf: Dnf, installed?: InstalledPackage[]): Promise<HyperscalePackage[]> {
  const all = installed ?? (await installedPackages(dnf))
  const fromRepo = new Map<string, string>()
  const marked = all.filter((p) => releaseMarker(p.release))
  if (marked.length > 0) {
    // from_repo lives in dnf's history database; no repo metadata is needed to read it.
    const res = await dnf.query(['-q', 'repoquery', '--installed', '--disablerepo=*', '--queryformat', '%{name}\t%{arch}\t%{from_repo}\n'])
    for (const [name, arch, repo] of rows(res.stdout, 3)) if (repo && repo !== '@System') fromRepo.set(`${name}.${arch}`, repo.replace(/^@/, ''))
  }
  return marked.map((p): HyperscalePackage => {
    const m = releaseMarker(p.release)!
    const pkg: HyperscalePackage = { name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, marker: m.marker, variant: m.variant }
    const repo = fromRepo.get(`${p.name}.${p.arch}`)
    if (repo) pkg.fromRepo = repo
    return pkg
  })
}

/**
 * Installed Hyperscale builds with the repo dnf recorded, how many Hyperscale updates the
 * enabled repos offer, and which stock packages they could replace.
 */
export async function provenance(dnf: Dnf, list: RepoList): Promise<Provenance> {
  const installed = await installedPackages(dnf)
  const repos = enabledHyperscale(list)
  const [builds, history] = await Promise.all([installedBuilds(dnf, installed), dnfHistory(dnf)])
  const result: Provenance = { packages: builds, history, updates: [], switchable: [], enabledHyperscaleRepos: repos.all }

  if (repos.all.length === 0) return result
  const repoArgs = repos.all.map((id) => `--repo=${id}`)
  const byName = new Map(installed.map((p) => [`${p.name}.${p.arch}`, p]))
  const upg = await dnf.query(['-q', 'repoquery', ...repoArgs, '--upgrades', '--latest-limit=1', '--queryformat', '%{name}\t%{arch}\t%{evr}\t%{repoid}\n'])
  if (upg.code !== 0 || upg.spawnError) {
    result.error = `dnf could not list Hyperscale updates: ${lastLine(upg.stderr) || upg.spawnError || `exit ${upg.code}`}`
    return result
  }
  result.updates = rows(upg.stdout, 4).map(([name, arch, evr, repo]): HyperscaleUpdate => {
    const inst = byName.get(`${name}.${arch}`) ?? installed.find((p) => p.name === name)
    const u: HyperscaleUpdate = { name, arch, available: evr, repo }
    if (inst) u.installed = `${inst.version}-${inst.release}`
    return u
  })

  if (repos.packages.length > 0) {
    const avail = await dnf.query(['-q', 'repoquery', ...repos.packages.map((id) => `--repo=${id}`), '--queryformat', '%{name}\n'])
    if (avail.code === 0) {
      const offered = new Set(
        avail.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      )
      // The kernel has its own action (installed next to the running one), also where it comes
      // from a general repo such as experimental on Stream 9.
      const stock = new Set(installed.filter((p) => offered.has(p.name) && !releaseMarker(p.release) && !/^kernel(-|$)/.test(p.name)).map((p) => p.name))
      result.switchable = [...stock].sort()
    } else {
      result.error = `dnf could not list the Hyperscale packages: ${lastLine(avail.stderr) || `exit ${avail.code}`}`
    }
  }
  return result
}
