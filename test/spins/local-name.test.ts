import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseListing } from '../../src/main/services/spins/autoindex'
import { checkLocalName, destinationIn, lastSegment } from '../../src/main/services/spins/local-name'
import { dropUnsafeSpins } from '../../src/main/services/spins/catalogue-names'
import type { Catalogue } from '../../src/shared/contract/spins'

describe('local file names from the network (local-name.ts)', () => {
  it('accepts plain image names, decoding them fully', () => {
    expect(checkLocalName('CentOS-Stream-Hyperscale-9-x86_64-Live-KDE.iso')).toEqual({ ok: true, name: 'CentOS-Stream-Hyperscale-9-x86_64-Live-KDE.iso' })
    expect(checkLocalName('Live%20GNOME.iso')).toEqual({ ok: true, name: 'Live GNOME.iso' })
  })

  it.each([
    ['..%2F.bashrc', /slash/],
    ['..%252F..%252Fx.iso', /slash/], // decoded twice: still a traversal
    ['a%5Cb.iso', /backslash/],
    ['x%00.iso', /control/],
    ['x%0A.iso', /control/],
    ['x%C2%85.iso', /control/], // C1 NEXT LINE
    ['.bashrc', /dot/],
    ['%2E%2E', /dot/],
    ['', /empty/],
    ['%', /malformed/],
    [`${'a'.repeat(252)}.iso`, /longer than 255/],
    ['x.iso.part', /app uses/],
    ['x.iso.lock', /app uses/],
    ['x.iso.mismatch-3', /app uses/],
    [' x.iso', /white space/]
  ])('refuses %j', (raw, reason) => {
    const c = checkLocalName(raw)
    expect(c.ok).toBe(false)
    expect(c.reason).toMatch(reason)
  })

  it('splits on the raw slash before decoding, and keeps the destination in the folder', () => {
    expect(lastSegment('https://m.example/a/b/..%2F..%2Fx.iso?x=1#f')).toBe('..%2F..%2Fx.iso')
    expect(lastSegment('Spins/x86_64/iso/..%2F.bashrc')).toBe('..%2F.bashrc')
    expect(destinationIn('/srv/dl/', 'x%20y.iso')).toBe(path.join('/srv/dl', 'x y.iso'))
    expect(() => destinationIn('/srv/dl', '..%2F.bashrc')).toThrow(/contains a slash, so it cannot be saved in the download folder/)
  })

  it('a listing link that decodes to a path is not an entry; directories still are', () => {
    const html =
      '<pre><a href="..%2F..%2Fx-Live-GNOME.iso">x</a>  01-Mar-2024 12:00  10\n<a href="sub/">sub/</a>  01-Mar-2024 12:00  -\n<a href="ok-Live-KDE.iso">ok</a>  01-Mar-2024 12:00  10\n</pre>'
    expect(parseListing(html).map((e) => e.name)).toEqual(['sub', 'ok-Live-KDE.iso'])
    const json = JSON.stringify([
      { name: '..%2F.bashrc', type: 'file', size: 1 },
      { name: '.hidden.iso', type: 'file', size: 1 },
      { name: 'ok.iso', type: 'file', size: 1 }
    ])
    expect(parseListing(json).map((e) => e.name)).toEqual(['ok.iso'])
  })

  it('drops cached catalogue entries whose names are unsafe, with a notice', () => {
    const spin = (id: string, name: string) => ({ id, name, title: id, variant: 'KDE', arch: 'x86_64', stream: '9', urls: [], sourceId: 's' })
    const c: Catalogue = { schema: 1, refreshedAt: '', sources: [], spins: [spin('a', 'ok.iso'), spin('b', '../.bashrc'), spin('c', 'x%2Fy.iso')] }
    const out = dropUnsafeSpins(c)
    expect(out.catalogue.spins.map((s) => s.id)).toEqual(['a'])
    expect(out.notice).toMatch(/Dropped 2 catalogue entries .*b \(its file name contains a slash\); c \(its file name contains a slash\)/)
    expect(dropUnsafeSpins({ ...c, spins: [spin('a', 'ok.iso')] }).notice).toBeUndefined()
  })
})
