import { copyFile, mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSpinsService, type SpinsService } from '../../src/main/services/spins/service'
import { settingsSchema, type Settings } from '../../src/shared/contract/settings'
import type { DownloadInfo } from '../../src/shared/contract/spins'
import { mirrorUnavailable, setupMirrorEnv, type MirrorEnv } from './support/env'

const why = mirrorUnavailable()

describe.skipIf(why !== null)(`the spins service (catalogue, downloads, verification) on a real nginx${why ? ` (skipped: ${why})` : ''}`, () => {
  let env: MirrorEnv
  const kdeRel = 'hs/9/x86_64/20240301.1/CentOS-Stream-Hyperscale-9-20240301.1-x86_64-Live-KDE.iso'
  const kde = () => env.mirror.isos[kdeRel]
  let k = 0

  beforeAll(async () => {
    env = await setupMirrorEnv({ mib: 4, slowRate: '2m' })
  }, 120_000)
  afterAll(async () => env?.dispose())

  function service(opts: { cacheDir?: string; keys?: boolean; events?: DownloadInfo[] } = {}): { svc: SpinsService; downloadDir: string; cacheDir: string } {
    const n = ++k
    const cacheDir = opts.cacheDir ?? path.join(env.work, `cache-${n}`)
    const downloadDir = path.join(env.work, `downloads-${n}`)
    const settings: Settings = settingsSchema.parse({
      downloadDir,
      catalogueSources: [`${env.nginx.url}/hs/9/x86_64/20240301.1/`, `${env.nginx.url}/compose/Hyperscale-10-20240220.2/compose/metadata/images.json`],
      importedKeys: opts.keys === false ? [] : [env.key.publicKey]
    })
    const svc = createSpinsService({
      fetch,
      cacheDir,
      settings: async () => settings,
      env: {},
      emit: (i) => opts.events?.push(i),
      engine: { progressIntervalMs: 50 }
    })
    return { svc, downloadDir, cacheDir }
  }

  it('refreshes from Settings URLs, downloads a spin by id, and verifies it (signed)', async () => {
    const events: DownloadInfo[] = []
    const { svc, downloadDir } = service({ events })
    expect((await svc.list()).catalogue).toBeNull()
    const state = await svc.refresh()
    expect(state.catalogue!.spins.map((s) => s.id).sort()).toEqual(['10-x86_64-gnome', '10-x86_64-kde', '9-x86_64-gnome', '9-x86_64-kde'])
    expect((await svc.list()).catalogue!.spins).toHaveLength(4)

    const started = await svc.start({ spinId: '9-x86_64-kde' })
    expect(started.path).toBe(path.join(downloadDir, kde().name))
    const done = await svc.wait(started.id)
    expect(done).toMatchObject({ status: 'done', bytes: kde().size, total: kde().size, percent: 100, sha256: kde().sha256 })
    expect(done.verification).toMatchObject({
      state: 'signed-by-trusted-key',
      actual: kde().sha256,
      signature: { status: 'good', fingerprint: env.key.fingerprint }
    })
    const statuses = events.filter((e) => e.id === started.id).map((e) => e.status)
    expect(statuses[0]).toBe('checking')
    expect(statuses).toContain('verifying')
    expect(statuses.at(-1)).toBe('done')
    // Starting it again returns the finished download instead of fetching it twice.
    const again = await svc.start({ spinId: '9-x86_64-kde' })
    expect(again).toMatchObject({ id: started.id, status: 'done' })
    await expect(svc.cancel(started.id)).rejects.toMatchObject({ name: 'AlreadyFinished' })
    expect((await stat(done.path)).size).toBe(kde().size)
  })

  it('a spin with only an unsigned CHECKSUM: verified without trusted keys, signature-missing once a key is trusted', async () => {
    const { svc } = service({ keys: false })
    await svc.refresh()
    const info = await svc.wait((await svc.start({ spinId: '10-x86_64-gnome' })).id)
    // The ISO folder also has a CHECKSUM (unsigned): it is the source used.
    expect(info.verification).toMatchObject({ state: 'checksum-unsigned', signature: { status: 'unsigned' } })
    const { svc: withKey } = service()
    await withKey.refresh()
    const signedExpected = await withKey.wait((await withKey.start({ spinId: '10-x86_64-gnome' })).id)
    expect(signedExpected).toMatchObject({ status: 'done', verification: { state: 'signature-missing', signature: { status: 'unsigned' } } })
  })

  it('an unknown spin id is a clear error', async () => {
    const { svc } = service()
    await expect(svc.start({ spinId: 'nope' })).rejects.toMatchObject({ name: 'UnknownSpin', message: expect.stringMatching(/never refreshed/) })
  })

  it('pause keeps the part, resume finishes it; cancel deletes the part', async () => {
    const { svc } = service()
    const url = env.url('/slow/', kdeRel)
    const checksumUrl = env.url('/', 'hs/9/x86_64/20240301.1/CHECKSUM')
    const info = await svc.start({ url, checksumUrl })
    await until(async () => (await svc.downloads()).find((d) => d.id === info.id)!.bytes > 500_000)
    const paused = await svc.pause(info.id)
    expect(paused.status).toBe('paused')
    expect((await stat(`${paused.path}.part`)).size).toBe(paused.bytes)
    const resumed = await svc.resume(info.id)
    expect(resumed.status).toBe('checking')
    const done = await svc.wait(info.id)
    expect(done).toMatchObject({ status: 'done', sha256: kde().sha256, verification: { state: 'signed-by-trusted-key' } })

    const { svc: svc2 } = service()
    const other = await svc2.start({ url, checksumUrl })
    await until(async () => (await svc2.downloads())[0].bytes > 200_000)
    const cancelled = await svc2.cancel(other.id)
    expect(cancelled.status).toBe('cancelled')
    await expect(stat(`${other.path}.part`)).rejects.toThrow()
    await expect(stat(`${other.path}.part.json`)).rejects.toThrow()
  })

  it('a download interrupted by an app stop comes back paused and resumes from its part', async () => {
    const first = service()
    const url = env.url('/slow/', kdeRel)
    const info = await first.svc.start({ url, sha256: kde().sha256 })
    await until(async () => (await first.svc.downloads())[0].bytes > 700_000)
    // What the records say at the moment of the "crash".
    const crashCache = path.join(env.work, `crash-${k}`)
    await mkdir(crashCache, { recursive: true })
    await copyFile(path.join(first.cacheDir, 'spins-downloads.json'), path.join(crashCache, 'spins-downloads.json'))
    await first.svc.close()
    const kept = (await stat(`${info.path}.part`)).size

    const second = createSpinsService({
      fetch,
      cacheDir: crashCache,
      settings: async () => settingsSchema.parse({ downloadDir: path.dirname(info.path) }),
      env: {},
      emit: () => undefined
    })
    const listed = (await second.downloads())[0]
    expect(listed).toMatchObject({ id: info.id, status: 'paused' })
    expect(listed.notes.at(-1)).toMatch(/interrupted when the app stopped/)
    await env.nginx.clearAccessLog()
    await second.resume(info.id)
    const done = await second.wait(info.id)
    expect(done).toMatchObject({ status: 'done', verification: { state: 'hash-matches-published', checksumSource: 'the hash given with the URL' } })
    const log = (await env.nginx.accessLog()).filter((e) => e.uri.endsWith('.iso'))
    expect(log).toEqual([expect.objectContaining({ status: 206, range: `bytes=${kept}-` })])
  })

  it('a corrupted image is flagged as a hash mismatch and a tampered checksum file as a bad signature; neither gets the final name', async () => {
    const { svc } = service()
    const corrupt = await svc.wait((await svc.start({ url: env.url('/corrupt/', kde().name), checksumUrl: env.url('/corrupt/', 'CHECKSUM') })).id)
    expect(corrupt).toMatchObject({ status: 'failed', error: { name: 'HashMismatch' }, verification: { state: 'mismatch', file: `${corrupt.path}.mismatch` } })
    await expect(stat(corrupt.path)).rejects.toThrow()
    const { svc: svc2 } = service()
    const tampered = await svc2.wait((await svc2.start({ url: env.url('/tampered/', kde().name), checksumUrl: env.url('/tampered/', 'CHECKSUM') })).id)
    expect(tampered).toMatchObject({
      status: 'failed',
      error: { name: 'BadSignature' },
      verification: { state: 'bad-signature', file: `${tampered.path}.bad-signature` }
    })
    await expect(stat(tampered.path)).rejects.toThrow()
  })

  it('verifies a local file by checksum URL, path or hash, with imported or extra keys', async () => {
    const { svc } = service({ keys: false })
    const file = path.join(env.mirror.root, kdeRel)
    const url = env.url('/', 'hs/9/x86_64/20240301.1/CHECKSUM')
    expect((await svc.verify({ file, checksum: url })).state).toBe('signed-by-untrusted-key')
    expect((await svc.verify({ file, checksum: url, keys: [env.key.publicKey] })).state).toBe('signed-by-trusted-key')
    expect((await svc.verify({ file, checksum: path.join(env.mirror.root, 'tampered/CHECKSUM'), keys: [env.key.publicKey] })).state).toBe('bad-signature')
    expect((await svc.verify({ file, hash: kde().sha256 })).state).toBe('hash-matches-published')
    expect((await svc.verify({ file })).state).toBe('not-checked')
  })
})

async function until(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
