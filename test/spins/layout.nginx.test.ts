import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CATALOGUE_FILE, refreshCatalogue } from '../../src/main/services/spins/catalogue'
import { checksumFilesFor, variantFromName } from '../../src/main/services/spins/layout'
import { loadSourcesFile, parseSourcesDoc, type SpinSource } from '../../src/main/services/spins/sources'
import type { Catalogue, CatalogueState, SpinImage } from '../../src/shared/contract/spins'
import { startNginx, type NginxServer } from '../support/nginx'
import { HSC, PROJECT_ROOT } from '../support/paths'
import { mirrorUnavailable } from './support/env'
import { makeTestKey, type TestKey } from './support/gpg'
import { buildSigTree, IMAGES_10, IMAGES_9, type SigTree } from './support/sig-tree'

const why = mirrorUnavailable()

/** The bundled defaults, pointed at the test mirror instead of mirror.stream.centos.org. */
async function bundledSourcesAt(base: string): Promise<SpinSource[]> {
  const doc = await loadSourcesFile(path.join(PROJECT_ROOT, 'resources/spins/sources.json'))
  return doc.sources.map((s) => ({ ...s, mirrors: s.mirrors.map((m) => m.replace('https://mirror.stream.centos.org/', `${base}/`)) })) as SpinSource[]
}

describe('checksum files and spin names on the SIG layout (pure)', () => {
  it('groups per-image, directory-wide and signed checksum files with the right image', () => {
    const names = ['CHECKSUM', 'CHECKSUM.sig', 'A-KDE-20240710.x86_64.iso.sha256', 'B-GNOME-20240710.x86_64.iso.sha256', 'SHA256SUMS.asc', 'README']
    const a = checksumFilesFor('A-KDE-20240710.x86_64.iso', names)
    expect(a.names).toContain('A-KDE-20240710.x86_64.iso.sha256')
    expect(a.names).not.toContain('B-GNOME-20240710.x86_64.iso.sha256')
    expect(a.names).toEqual(expect.arrayContaining(['CHECKSUM', 'SHA256SUMS.asc']))
    expect(a.names).not.toContain('CHECKSUM.sig')
    expect(a.detached).toEqual(['CHECKSUM.sig'])
  })

  it('names a spin by its desktop, else by what is left of the file name', () => {
    expect(variantFromName('CentOS-Stream-Hyperscale-9-KDE-20240710.0.x86_64.iso')).toBe('KDE')
    expect(variantFromName('CentOS-Stream-9-Hyperscale-Workstation-x86_64-20240801.iso')).toBe('Workstation')
    expect(variantFromName('CentOS-Stream-Hyperscale-9-Cloud-Desk-aarch64-20240801.iso')).toBe('Cloud-Desk')
    expect(variantFromName('CentOS-Stream-Hyperscale-9-x86_64-20240801.iso')).toBe('Live')
  })
})

describe.skipIf(why !== null)(`spin catalogue on the SIG's images/<channel>/ layout, real nginx${why ? ` (skipped: ${why})` : ''}`, () => {
  let key: TestKey
  let tree: SigTree
  let nginx: NginxServer
  let work: string
  beforeAll(async () => {
    key = await makeTestKey()
    tree = await buildSigTree(key)
    nginx = await startNginx({ root: tree.root, locations: [{ prefix: '/mirror2/' }] })
    work = await mkdtemp(path.join(os.tmpdir(), 'hsc-sig-layout-'))
  }, 120_000)
  afterAll(async () => {
    await nginx?.stop()
    await key?.dispose()
    await tree?.dispose()
    if (work) await rm(work, { recursive: true, force: true })
  })

  const iso = (rel: string) => tree.isos[rel]

  it('the bundled defaults find both channels and arches, newest per spin, with the checksum file that covers each', async () => {
    const state = await refreshCatalogue({ fetch, cacheDir: path.join(work, 'cache-a'), sources: await bundledSourcesAt(nginx.url) })
    expect(state.offline).toBe(false)
    const spins = state.catalogue!.spins
    const byId = new Map(spins.map((s) => [s.id, s]))
    expect([...byId.keys()].sort()).toEqual(['9-experimental-aarch64-kde', '9-experimental-x86_64-kde', '9-main-x86_64-workstation'])

    const newKde = iso(`${IMAGES_9}/experimental/x86_64/CentOS-Stream-Hyperscale-9-KDE-20240710.0.x86_64.iso`)
    const kde = byId.get('9-experimental-x86_64-kde')!
    expect(kde).toMatchObject({
      name: newKde.name,
      channel: 'experimental',
      experimental: true,
      stream: '9',
      arch: 'x86_64',
      variant: 'KDE',
      compose: '20240710.0',
      size: newKde.size
    })
    expect(kde.title).toContain('experimental')
    expect(kde.date?.slice(0, 10)).toBe('2024-07-10')
    expect(kde.urls[0]).toBe(`${nginx.url}/${newKde.rel}`)
    // The clear-signed CHECKSUM is preferred over the per-image .sha256; both list the same hash.
    expect(kde.checksum).toMatchObject({ confirmed: true, signed: true, file: 'CHECKSUM', algorithm: 'sha256', hash: newKde.sha256 })

    const arm = byId.get('9-experimental-aarch64-kde')!
    expect(arm).toMatchObject({ arch: 'aarch64', channel: 'experimental', experimental: true })
    expect(arm.checksum).toMatchObject({
      confirmed: true,
      signed: false,
      file: 'SHA256SUMS',
      detachedSignatures: ['SHA256SUMS.sig'],
      hash: iso(`${IMAGES_9}/experimental/aarch64/${arm.name}`).sha256
    })

    const ws = byId.get('9-main-x86_64-workstation')!
    expect(ws).toMatchObject({ channel: 'main', experimental: false, arch: 'x86_64', compose: '20240801' })
    expect(ws.checksum).toMatchObject({ confirmed: true, file: `${ws.name}.sha256`, hash: iso(`${IMAGES_9}/main/${ws.name}`).sha256 })

    // The package repository's ISO (a later "compose") never wins, nor does the boot image appear.
    expect(spins.some((s) => s.name.includes('29991231'))).toBe(false)
    expect(spins.some((s) => /boot/.test(s.name))).toBe(false)

    const r9 = state.catalogue!.sources.find((r) => r.id === 'hyperscale-9-images')!
    expect(r9).toMatchObject({ ok: true, found: 4, findings: { channels: ['experimental', 'kernel', 'main'], packageRepos: 1, skippedIsos: 1 } })
  })

  it('a stream without images says where it looked and what it found instead', async () => {
    const sources = (await bundledSourcesAt(nginx.url)).filter((s) => s.stream === '10')
    const state = await refreshCatalogue({ fetch, cacheDir: path.join(work, 'cache-b'), sources })
    expect(state.catalogue!.spins).toEqual([])
    const report = state.catalogue!.sources[0]
    expect(report).toMatchObject({ ok: true, found: 0, findings: { directories: 3, isos: 0 } })
    expect(report.summary).toContain(`${nginx.url}/${IMAGES_10}/`)
    expect(report.summary).toContain('3 directories')
    expect(report.summary).toContain('no .iso files')
  })

  it('mirror failover: a dead first mirror, the listing and images come from the second', async () => {
    const sources = (await bundledSourcesAt(nginx.url))
      .filter((s) => s.stream === '9')
      .map((s) => ({ ...s, mirrors: [`${nginx.url}/nothing-here/${IMAGES_9}/`, `${nginx.url}/mirror2/${IMAGES_9}/`] })) as SpinSource[]
    const state = await refreshCatalogue({ fetch, cacheDir: path.join(work, 'cache-c'), sources })
    expect(state.catalogue!.spins).toHaveLength(3)
    const kde = state.catalogue!.spins.find((s) => s.id === '9-experimental-x86_64-kde')!
    expect(kde.urls[1]).toContain('/mirror2/')
    expect(kde.checksum?.confirmed).toBe(true)
  })

  it('stale cache: a channel source that fails keeps its spins marked stale; entries of sources no longer configured are dropped', async () => {
    const cacheDir = path.join(work, 'cache-d')
    const good = await bundledSourcesAt(nginx.url)
    await refreshCatalogue({ fetch, cacheDir, sources: good })
    // A cache entry left over from an older source list (the old per-arch package-tree sources).
    const cached = JSON.parse(await readFile(path.join(cacheDir, CATALOGUE_FILE), 'utf8')) as Catalogue
    const leftover: SpinImage = { ...cached.spins[0], id: '9-x86_64-kde', sourceId: 'hyperscale-9-x86_64', channel: undefined, experimental: undefined }
    cached.spins.push(leftover)
    await writeFile(path.join(cacheDir, CATALOGUE_FILE), JSON.stringify(cached))

    const broken = good.map((s) => (s.stream === '9' ? { ...s, mirrors: [`${nginx.url}/gone/`] } : s)) as SpinSource[]
    const state = await refreshCatalogue({ fetch, cacheDir, sources: broken })
    expect(state.offline).toBe(false)
    const r9 = state.catalogue!.sources.find((r) => r.id === 'hyperscale-9-images')!
    expect(r9).toMatchObject({ ok: false, error: expect.stringMatching(/HTTP 404/) })
    expect(r9.summary).toMatch(/^Could not list .*\/gone\//)
    const stale = state.catalogue!.spins.filter((s) => s.stale)
    expect(stale.map((s) => s.id).sort()).toEqual(['9-experimental-aarch64-kde', '9-experimental-x86_64-kde', '9-main-x86_64-workstation'])
    expect(stale.find((s) => s.id === '9-experimental-x86_64-kde')).toMatchObject({ channel: 'experimental', experimental: true })
    expect(state.catalogue!.spins.some((s) => s.id === '9-x86_64-kde')).toBe(false)
  })

  it('the bundled source list parses and starts at the SIG images folders of 9 and 10', async () => {
    const doc = parseSourcesDoc(JSON.parse(await readFile(path.join(PROJECT_ROOT, 'resources/spins/sources.json'), 'utf8')), 'sources.json')
    expect(doc.sources.flatMap((s) => s.mirrors)).toEqual([
      'https://mirror.stream.centos.org/SIGs/9-stream/hyperscale/images/',
      'https://mirror.stream.centos.org/SIGs/10-stream/hyperscale/images/'
    ])
  })

  it.skipIf(!existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs')))(
    'hsc spins list shows channel, experimental label and checksum file; an empty stream explains itself',
    async () => {
      const resources = path.join(work, 'resources')
      await mkdir(path.join(resources, 'spins'), { recursive: true })
      const doc = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'resources/spins/sources.json'), 'utf8'))
      doc.sources = await bundledSourcesAt(nginx.url)
      await writeFile(path.join(resources, 'spins/sources.json'), JSON.stringify(doc))
      const env = {
        ...process.env,
        NO_COLOR: '1',
        HSC_RESOURCES_DIR: resources,
        HSC_SETTINGS_FILE: path.join(work, 'cli-settings.json'),
        HSC_CACHE_DIR: path.join(work, 'cli-cache')
      }
      const hsc = (...args: string[]) => spawnSync(process.execPath, [HSC, ...args], { encoding: 'utf8', env, timeout: 60_000 })

      const json = hsc('spins', 'list', '--refresh', '--json')
      expect(json.status, json.stderr).toBe(0)
      const state = JSON.parse(json.stdout) as CatalogueState
      expect(state.catalogue!.spins.find((x) => x.id === '9-experimental-x86_64-kde')).toMatchObject({ channel: 'experimental', experimental: true })

      const text = hsc('spins', 'list')
      expect(text.status).toBe(0)
      expect(text.stdout).toMatch(/9-experimental-x86_64-kde\s+experimental\s+KDE\s+x86_64\s+9\s+\S+ \S+\s+2024-07-10\s+signed CHECKSUM/)
      expect(text.stdout).toMatch(/9-main-x86_64-workstation\s+main\s+Workstation\s+x86_64\s+9\s+\S+ \S+\s+2024-08-01\s+unsigned \S+\.iso\.sha256/)
      expect(text.stdout).toContain('experimental channel')

      // Only the empty stream: the list says where it looked and what was there.
      doc.sources = (await bundledSourcesAt(nginx.url)).filter((x) => x.stream === '10')
      await writeFile(path.join(resources, 'spins/sources.json'), JSON.stringify(doc))
      const empty = hsc('spins', 'list', '--refresh')
      expect(empty.status).toBe(0)
      expect(empty.stdout).toContain('lists no spin')
      expect(empty.stdout).toMatch(
        /source hyperscale-10-images: Looked in http:\/\/127\.0\.0\.1:\d+\/SIGs\/10-stream\/hyperscale\/images\/.*3 directories.*no \.iso files/
      )
    }
  )
})
