import type { HyperscaleInfo, HyperscaleVariant } from '../../../shared/contract/repos'

/**
 * How the CentOS Hyperscale SIG names things (see docs/ARCHITECTURE §4 and the repo files
 * the release packages ship): repo ids centos-hyperscale[-<variant>][-testing], metalink
 * repo=centos-hyperscale-sig-packages-<variant>-$stream, EL8 mirrorlist
 * repo=hyperscale-packages-<variant>, mirror path .../hyperscale/$basearch/packages-<variant>/.
 */

const VARIANTS: readonly HyperscaleVariant[] = ['main', 'experimental', 'kernel', 'spin', 'hotfixes', 'facebook', 'intel', 'asahi']

export const HYPERSCALE_GPG_KEY = '/etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-SIG-HyperScale'

/** The release package that ships a variant's repo file. */
export function releasePackageFor(variant: HyperscaleVariant, testing = false): string {
  if (testing) return 'centos-release-hyperscale-testing'
  return variant === 'main' || variant === 'other' ? 'centos-release-hyperscale' : `centos-release-hyperscale-${variant}`
}

function variantFrom(token: string): HyperscaleVariant {
  return (VARIANTS as readonly string[]).includes(token) ? (token as HyperscaleVariant) : 'other'
}

interface RepoUrls {
  id: string
  metalink?: string
  mirrorlist?: string
  baseurl: string[]
}

/** Null for repos that are not Hyperscale's. URLs are the raw (unexpanded) values. */
export function classifyRepo(repo: RepoUrls): HyperscaleInfo | null {
  const id = repo.id.toLowerCase()
  const urls = [repo.metalink, repo.mirrorlist, ...repo.baseurl].filter((u): u is string => !!u).map((u) => u.toLowerCase())
  const fromUrl = urls
    .map((u) => /centos-hyperscale-sig-packages-([a-z0-9]+)|hyperscale-packages-([a-z0-9]+)|\/hyperscale\/[^/]+\/packages-([a-z0-9]+)/.exec(u))
    .find((m) => m !== null)
  const idMatch = /^centos-hyperscale(?:-(.+))?$/.exec(id) ?? /^hyperscale-packages-(.+)$/.exec(id)
  if (!idMatch && !fromUrl) return null

  const all = [id, ...urls]
  const kind: HyperscaleInfo['kind'] = all.some((s) => /-debug(info)?$|-debug-|\/debug(\/|$)/.test(s))
    ? 'debuginfo'
    : all.some((s) => /-source$|-source-|arch=source|\/source\//.test(s))
      ? 'source'
      : 'binary'
  const testing = /(^|-)testing(-|$)/.test(id) || urls.some((u) => /testing/.test(u))
  let variant: HyperscaleVariant = 'main'
  if (fromUrl) {
    variant = variantFrom(fromUrl[1] ?? fromUrl[2] ?? fromUrl[3])
  } else if (idMatch && idMatch[1]) {
    const first = idMatch[1].split('-').find((t) => !['testing', 'debuginfo', 'debug', 'source'].includes(t))
    variant = first ? variantFrom(first) : 'main'
  }
  return { variant, testing, kind, releasePackage: releasePackageFor(variant, testing) }
}

export interface ReleaseMarker {
  marker: string
  variant: HyperscaleVariant
}

/**
 * Finds the Hyperscale build marker in an RPM release: ".hs." main, ".hsx." experimental,
 * ".hsk." kernel, "hs+fb" / "hs+intel" / "hs+asahi" (e.g. 6.16.4-0.hs100.hs+asahi.el10),
 * "hs1" style counters as in 0.hs1.hsk.el10. Stock releases (580.el9) have none.
 */
export function releaseMarker(release: string): ReleaseMarker | null {
  const lower = release.toLowerCase()
  // Every marker starts with "hs": a release without it (almost every package of a stock
  // system, asked once per installed package by the machine check) has none, with no patterns run.
  if (!lower.includes('hs')) return null
  const parts = lower.split('.')
  let found: ReleaseMarker | null = null
  for (const p of parts) {
    const plus = /^hs\d*\+(fb|facebook|intel|asahi)/.exec(p)
    if (plus) {
      const v = plus[1] === 'fb' ? 'facebook' : (plus[1] as HyperscaleVariant)
      return { marker: `hs+${plus[1]}`, variant: v }
    }
    if (p === 'hsx') found = { marker: 'hsx', variant: 'experimental' }
    else if (p === 'hsk') found = { marker: 'hsk', variant: 'kernel' }
    else if (/^hs\d*$/.test(p) && !found) found = { marker: 'hs', variant: 'main' }
  }
  return found
}
