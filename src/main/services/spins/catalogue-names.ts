import type { Catalogue, CatalogueState } from '../../../shared/contract/spins'
import { checkLocalName } from './local-name'

/**
 * A cached catalogue may predate the name checks or have been edited: entries whose file name
 * is not a plain local name are dropped, and the state says so.
 */
export function dropUnsafeSpins<T extends Catalogue | null>(catalogue: T): { catalogue: T; notice?: string } {
  if (!catalogue) return { catalogue }
  const dropped: string[] = []
  const spins = catalogue.spins.filter((s) => {
    const c = typeof s?.name === 'string' ? checkLocalName(s.name) : { ok: false, reason: 'is missing' }
    // The stored name must already be the decoded form the download would use.
    if (c.ok && c.name === s.name) return true
    dropped.push(`${String(s?.id ?? '?').slice(0, 80)} (its file name ${c.ok ? 'is percent-encoded' : c.reason})`)
    return false
  })
  if (dropped.length === 0) return { catalogue }
  return {
    catalogue: { ...catalogue, spins },
    notice: `Dropped ${dropped.length} catalogue ${dropped.length === 1 ? 'entry' : 'entries'} whose file name cannot be used in the download folder: ${dropped.join('; ')}. Refresh the catalogue.`
  }
}

export function withSafeSpins(state: CatalogueState): CatalogueState {
  const { catalogue, notice } = dropUnsafeSpins(state.catalogue)
  return notice ? { ...state, catalogue, notice } : state
}
