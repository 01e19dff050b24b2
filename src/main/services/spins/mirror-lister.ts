import { parseListing, type ListingEntry } from './autoindex'
import type { FetchLike } from './download'
import { fetchText } from './http'

export const joinUrl = (base: string, rel: string): string => new URL(rel, base.endsWith('/') ? base : base + '/').toString()

export interface MirrorLister {
  /** A directory (relative to the source root) from the mirror that last answered, then the others. */
  list(rel: string): Promise<ListingEntry[]>
  /** Index of the mirror that answered last. */
  preferred(): number
}

/**
 * Lists folders of one tree served by several mirrors: each listing tries the mirror that
 * answered last first, then the others in order, and reports every listing it read.
 */
export function mirrorLister(
  mirrors: readonly string[],
  deps: { fetch: FetchLike; timeoutMs?: number },
  onListed: (url: string, entries: ListingEntry[]) => void,
  preferredAtStart = 0
): MirrorLister {
  let preferred = preferredAtStart
  const list = async (rel: string): Promise<ListingEntry[]> => {
    const order = [preferred, ...mirrors.keys()].filter((v, i, a) => a.indexOf(v) === i)
    const res = await fetchText(
      deps.fetch,
      order.map((i) => joinUrl(mirrors[i], rel)),
      { timeoutMs: deps.timeoutMs }
    )
    const answered = order.find((i) => res.url.startsWith(mirrors[i]))
    if (answered !== undefined) preferred = answered
    const entries = parseListing(res.text)
    onListed(res.url, entries)
    return entries
  }
  return { list, preferred: () => preferred }
}
