import type { FetchLike } from './transport'

/**
 * Redirects a download may follow. An https URL that redirects to plain http would let
 * anyone on the path swap the image, the listing or the checksum file while the user saw
 * "https" in the source list; such a redirect is refused, as is any scheme but http(s).
 */
export class RedirectRefused extends Error {
  override name = 'RedirectRefused'
}

export const MAX_REDIRECTS = 5

/** Resolves a Location header against the current URL, or throws RedirectRefused. */
export function nextLocation(from: string | URL, location: string): URL {
  const current = typeof from === 'string' ? new URL(from) : from
  let next: URL
  try {
    next = new URL(location, current)
  } catch {
    throw new RedirectRefused(`refused a redirect from ${current.host} to an invalid location`)
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new RedirectRefused(`refused a redirect from ${current.host} to a ${next.protocol} URL`)
  }
  if (current.protocol === 'https:' && next.protocol === 'http:') {
    throw new RedirectRefused(
      `refused a redirect from https://${current.host} to plain http://${next.host} (a downgrade anyone on the network could tamper with)`
    )
  }
  return next
}

/** fetch() that follows redirects itself, so each hop passes nextLocation's check. */
export function fetchNoDowngrade(fetchFn: FetchLike): FetchLike {
  return async (url, init = {}) => {
    let target = url
    for (let hops = 0; ; hops++) {
      const res = await fetchFn(target, { ...init, redirect: 'manual' })
      const location = res.headers.get('location')
      if (res.status < 300 || res.status >= 400 || res.status === 304 || !location) return res
      await res.body?.cancel().catch(() => undefined)
      if (hops >= MAX_REDIRECTS) throw new TypeError(`too many redirects from ${url}`)
      target = nextLocation(target, location).toString()
    }
  }
}
