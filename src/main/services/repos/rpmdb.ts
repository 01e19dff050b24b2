import type { Dnf } from './dnf'

export interface InstalledPackage {
  name: string
  epoch: string
  version: string
  release: string
  arch: string
}

/** Which of `names` are installed (rpm -q prints "package X is not installed" for the others). */
export async function installedSet(dnf: Dnf, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set()
  const res = await dnf.rpm(['-q', '--queryformat', '%{NAME}\n', '--', ...names])
  if (res.spawnError) return new Set()
  const wanted = new Set(names)
  return new Set(
    res.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => wanted.has(l))
  )
}

/** Every installed package; empty when rpm is missing or the root has no database. */
export async function installedPackages(dnf: Dnf): Promise<InstalledPackage[]> {
  const res = await dnf.rpm(['-qa', '--queryformat', '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n'])
  if (res.spawnError || res.code !== 0) return []
  const out: InstalledPackage[] = []
  for (const line of res.stdout.split('\n')) {
    const f = line.split('\t')
    if (f.length !== 5) continue
    out.push({ name: f[0], epoch: f[1], version: f[2], release: f[3], arch: f[4] })
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}
