/** What a kernel release string (uname -r) says about its build. */
export interface KernelReleaseInfo {
  release: string
  /** Upstream version, e.g. "6.16.4". */
  version: string
  /** Hyperscale SIG build markers found in the release, e.g. ["hsk"] or ["hs+fb"]. */
  hyperscaleMarkers: string[]
  hyperscale: boolean
  /** Enterprise Linux major version from ".elN" / ".elN_M". */
  elMajor?: number
  /** Fedora release from ".fcN". */
  fedora?: number
  arch?: string
}

const ARCHES = ['x86_64', 'aarch64', 'ppc64le', 's390x', 'i686', 'armv7hl', 'riscv64']

/**
 * Hyperscale tags its RPM releases: ".hs." main, ".hsx." experimental, ".hsk." kernel, and
 * "hs+fb", "hs+intel", "hs+asahi" for the flavoured kernels (e.g. 6.16.4-0.hs1.hsk.el10).
 * Dot-separated tokens are compared whole, so "hs1" (the SIG's release counter) or a
 * "hsomething" local version never counts on its own.
 */
export function parseKernelRelease(release: string): KernelReleaseInfo {
  const r = release.trim()
  let rest = r
  let arch: string | undefined
  for (const a of ARCHES) {
    if (rest.endsWith('.' + a)) {
      arch = a
      rest = rest.slice(0, -a.length - 1)
      break
    }
  }
  const version = /^(\d+(?:\.\d+){1,2})/.exec(r)?.[1] ?? ''
  const dash = rest.indexOf('-')
  const tokens = (dash >= 0 ? rest.slice(dash + 1) : '').split(/[.\-_]/)
  const markers: string[] = []
  for (const t of tokens) {
    if (t === 'hs' || t === 'hsx' || t === 'hsk' || t === 'hs+fb' || t === 'hs+intel' || t === 'hs+asahi') {
      if (!markers.includes(t)) markers.push(t)
    }
  }
  // Each pattern only where its token can be: a cold report compiles a pattern on first use.
  const el = rest.includes('.el') ? /\.el(\d+)(?:_\d+)?(?:\.|$)/.exec(rest) : null
  const fc = rest.includes('.fc') ? /\.fc(\d+)(?:\.|$)/.exec(rest) : null
  return {
    release: r,
    version,
    hyperscaleMarkers: markers,
    hyperscale: markers.length > 0,
    elMajor: el ? Number(el[1]) : undefined,
    fedora: fc ? Number(fc[1]) : undefined,
    arch
  }
}

const markerNames: Record<string, string> = {
  hs: 'Hyperscale main',
  hsx: 'Hyperscale experimental',
  hsk: 'Hyperscale kernel',
  'hs+fb': 'Hyperscale Facebook flavour',
  'hs+intel': 'Hyperscale Intel flavour',
  'hs+asahi': 'Hyperscale Asahi flavour'
}

export const markerTitle = (m: string): string => markerNames[m] ?? m
