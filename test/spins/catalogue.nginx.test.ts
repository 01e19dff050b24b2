import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseListing } from '../../src/main/services/spins/autoindex'
import { CATALOGUE_FILE, loadCatalogue, refreshCatalogue } from '../../src/main/services/spins/catalogue'
import { sourcesFromUrls, type SpinSource } from '../../src/main/services/spins/sources'
import type { SpinImage } from '../../src/shared/contract/spins'
import { mirrorUnavailable, setupMirrorEnv, type MirrorEnv } from './support/env'

const why = mirrorUnavailable()

describe.skipIf(why !== null)(`catalogue from a real nginx mirror${why ? ` (skipped: ${why})` : ''}`, () => {
  let env: MirrorEnv
  beforeAll(async () => {
    env = await setupMirrorEnv()
  }, 120_000)
  afterAll(async () => env?.dispose())

  const iso = (rel: string) => env.mirror.isos[rel]
  const hs9 = (c: string, v: string) => iso(`hs/9/x86_64/${c}/CentOS-Stream-Hyperscale-9-${c}-x86_64-Live-${v}.iso`)
  const hs10 = (c: string, v: string) => iso(`compose/Hyperscale-10-${c}/compose/Spins/x86_64/iso/CentOS-Stream-Hyperscale-Live-${v}-10-${c}.x86_64.iso`)

  function sources(): SpinSource[] {
    return [
      {
        id: 'hs9-x86_64',
        kind: 'autoindex',
        stream: '9',
        arch: 'x86_64',
        mirrors: [`${env.nginx.url}/hs/9/x86_64/`, `${env.nginx.url}/mirror2/hs/9/x86_64/`],
        depth: 1,
        exclude: ['^packages-']
      },
      // The first mirror has nothing: the listing must come from the second.
      { id: 'hs10-aarch64', kind: 'autoindex', mirrors: [`${env.nginx.url}/missing/hs/10/aarch64/`, `${env.nginx.url}/hs/10/aarch64/`], depth: 0, exclude: [] },
      { id: 'hs10-old', kind: 'productmd', mirrors: [`${env.nginx.url}/compose/Hyperscale-10-20240101.0/compose/metadata/images.json`], pathBase: '../' },
      { id: 'hs10-new', kind: 'productmd', mirrors: [`${env.nginx.url}/compose/Hyperscale-10-20240220.2/compose/metadata/images.json`], pathBase: '../' }
    ]
  }

  it('nginx autoindex pages parse into the files on disk', async () => {
    const res = await fetch(`${env.nginx.url}/hs/9/x86_64/20240301.1/`)
    const entries = parseListing(await res.text())
    const kde = hs9('20240301.1', 'KDE')
    // nginx shortens long names in the text but not in the href.
    expect(entries.find((e) => e.name === kde.name)).toMatchObject({ size: kde.size, sizeApprox: false, mtime: '2024-03-01T12:00:00Z' })
    expect(entries.map((e) => e.name).sort()).toEqual(
      ['CHECKSUM', kde.name, `${kde.name}.SHA256SUM`, hs9('20240301.1', 'GNOME').name, 'CentOS-Stream-Hyperscale-9-20240301.1-x86_64-boot.iso'].sort()
    )
  })

  it('finds the newest compose per variant from listings and from images.json', async () => {
    const cacheDir = path.join(env.work, 'cache-a')
    const state = await refreshCatalogue({ fetch, cacheDir, sources: sources() })
    expect(state.offline).toBe(false)
    const spins = state.catalogue!.spins
    const byId = new Map(spins.map((s) => [s.id, s]))
    expect([...byId.keys()].sort()).toEqual(['10-aarch64-gnome', '10-x86_64-gnome', '10-x86_64-kde', '9-x86_64-gnome', '9-x86_64-kde'])

    const kde9 = byId.get('9-x86_64-kde')!
    expect(kde9).toMatchObject({
      name: hs9('20240301.1', 'KDE').name,
      compose: '20240301.1',
      variant: 'KDE',
      arch: 'x86_64',
      stream: '9',
      size: hs9('20240301.1', 'KDE').size
    })
    expect(kde9.date?.slice(0, 10)).toBe('2024-03-01')
    // Both mirrors, preferred first.
    expect(kde9.urls).toEqual([env.url('/', hs9('20240301.1', 'KDE').rel), env.url('/mirror2/', hs9('20240301.1', 'KDE').rel)])
    // The signed CHECKSUM wins over the unsigned per-image SHA256SUM; its hash is sha256sum's.
    expect(kde9.checksum).toMatchObject({ confirmed: true, signed: true, algorithm: 'sha256', hash: hs9('20240301.1', 'KDE').sha256 })
    expect(kde9.checksum!.urls[0]).toBe(`${env.nginx.url}/hs/9/x86_64/20240301.1/CHECKSUM`)

    const gnomeA64 = byId.get('10-aarch64-gnome')!
    expect(gnomeA64.urls[0]).toContain('/missing/')
    expect(gnomeA64.checksum).toMatchObject({
      confirmed: true,
      signed: false,
      hash: iso('hs/10/aarch64/CentOS-Stream-Hyperscale-10-20240210.0-aarch64-Live-GNOME.iso').sha256
    })

    for (const v of ['GNOME', 'KDE']) {
      const s = byId.get(`10-x86_64-${v.toLowerCase()}`)!
      expect(s).toMatchObject({ name: hs10('20240220.2', v).name, compose: '20240220.2', size: hs10('20240220.2', v).size })
      expect(s.urls).toEqual([env.url('/', hs10('20240220.2', v).rel)])
      // images.json has the hash, and the CHECKSUM beside the image confirms it.
      expect(s.checksum).toMatchObject({ confirmed: true, hash: hs10('20240220.2', v).sha256 })
    }
    const reports = new Map(state.catalogue!.sources.map((r) => [r.id, r]))
    // Two composes x two variants in the 9 tree; the excluded folder and boot image do not count.
    expect(reports.get('hs9-x86_64')).toMatchObject({ ok: true, found: 4 })
  })

  it('takes bare URLs from Settings: a listing (JSON or HTML) and an images.json', async () => {
    const state = await refreshCatalogue({
      fetch,
      cacheDir: path.join(env.work, 'cache-b'),
      sources: sourcesFromUrls([
        `${env.nginx.url}/json/hs/10/aarch64/`,
        `${env.nginx.url}/compose/Hyperscale-10-20240101.0/compose/metadata/images.json`,
        `${env.nginx.url}/approx/hs/9/x86_64/20240105.0/`
      ])
    })
    const ids = state.catalogue!.spins.map((s) => s.id).sort()
    expect(ids).toEqual(['10-aarch64-gnome', '10-x86_64-gnome', '10-x86_64-kde', '9-x86_64-gnome', '9-x86_64-kde'])
    const gnome9 = state.catalogue!.spins.find((s) => s.id === '9-x86_64-gnome')!
    // "3.4M" in the listing; the exact size comes from the CHECKSUM's "# name: N bytes".
    expect(gnome9.size).toBe(hs9('20240105.0', 'GNOME').size)
    expect(state.catalogue!.spins.find((s) => s.id === '10-x86_64-kde')!.compose).toBe('20240101.0')
  })

  it('works offline from the cache and reports its age', async () => {
    const cacheDir = path.join(env.work, 'cache-c')
    const fresh = await refreshCatalogue({ fetch, cacheDir, sources: sources() })
    const cachedFile = JSON.parse(await readFile(path.join(cacheDir, CATALOGUE_FILE), 'utf8'))
    expect(cachedFile.spins).toHaveLength(fresh.catalogue!.spins.length)

    // Pretend the cache is an hour old.
    cachedFile.refreshedAt = new Date(Date.now() - 3600_000).toISOString()
    await writeFile(path.join(cacheDir, CATALOGUE_FILE), JSON.stringify(cachedFile))
    const loaded = await loadCatalogue(cacheDir)
    expect(loaded.ageSeconds).toBeGreaterThanOrEqual(3599)
    expect(loaded.ageSeconds).toBeLessThan(3700)

    // Every source unreachable (a port nothing listens on): the cache is served, marked offline.
    const dead = sources().map((s) => ({ ...s, mirrors: s.mirrors.map((m) => m.replace(env.nginx.url, 'http://127.0.0.1:9')) })) as SpinSource[]
    const offline = await refreshCatalogue({ fetch, cacheDir, sources: dead, timeoutMs: 3000 })
    expect(offline.offline).toBe(true)
    expect(offline.error).toMatch(/ECONNREFUSED|fetch failed/)
    expect(offline.catalogue!.spins.map((s: SpinImage) => s.id).sort()).toEqual(fresh.catalogue!.spins.map((s) => s.id).sort())
    expect(offline.ageSeconds).toBeGreaterThanOrEqual(3599)
  })

  it('keeps spins of a source that failed this time, marked stale', async () => {
    const cacheDir = path.join(env.work, 'cache-d')
    await refreshCatalogue({ fetch, cacheDir, sources: sources() })
    const partial = sources().map((s) => (s.id === 'hs10-aarch64' ? { ...s, mirrors: [`${env.nginx.url}/missing/nothing/`] } : s)) as SpinSource[]
    const state = await refreshCatalogue({ fetch, cacheDir, sources: partial })
    expect(state.offline).toBe(false)
    expect(state.catalogue!.sources.find((r) => r.id === 'hs10-aarch64')).toMatchObject({ ok: false, error: expect.stringMatching(/HTTP 404/) })
    expect(state.catalogue!.spins.find((s) => s.id === '10-aarch64-gnome')).toMatchObject({ stale: true })
    expect(state.catalogue!.spins.find((s) => s.id === '9-x86_64-kde')?.stale).toBeUndefined()
  })
})
