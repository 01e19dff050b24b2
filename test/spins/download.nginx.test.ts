import { readdirSync } from 'node:fs'
import { copyFile, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDownload, type DownloadOutcome, type FetchLike, type ProgressSample } from '../../src/main/services/spins/download'
import { fetchTransport, nodeHttpGet, type HttpGet } from '../../src/main/services/spins/transport'
import { socketHttpGet } from '../../src/main/services/spins/socket-transport'
import { partPath, readPartMeta } from '../../src/main/services/spins/part-file'
import { freePort, startStallServer } from '../support/nginx'
import { mirrorUnavailable, setupMirrorEnv, type MirrorEnv } from './support/env'

const why = mirrorUnavailable()

/** Node's fetch, except that the first `times` bodies break after `cutAt` bytes (a dropped connection). */
function cuttingFetch(cutAt: number, times = 1): FetchLike {
  let remaining = times
  return async (url, init) => {
    const res = await fetch(url, init)
    if (remaining <= 0 || !res.body || res.status >= 300) return res
    remaining--
    let seen = 0
    let cut = false
    const reader = res.body.getReader()
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        // Erroring a stream drops what is queued: deliver the last bytes first, fail on the next read.
        if (cut) return ctl.error(new TypeError('terminated (test: connection dropped)'))
        const { done, value } = await reader.read()
        if (done) return ctl.close()
        if (seen + value.byteLength >= cutAt) {
          ctl.enqueue(value.subarray(0, cutAt - seen))
          seen = cutAt
          cut = true
          await reader.cancel()
          return
        }
        seen += value.byteLength
        ctl.enqueue(value)
      },
      cancel: (reason) => reader.cancel(reason)
    })
    return new Response(body, { status: res.status, headers: res.headers })
  }
}

function expectDone(out: DownloadOutcome): Extract<DownloadOutcome, { status: 'done' }> {
  expect(out.status).toBe('done')
  return out as Extract<DownloadOutcome, { status: 'done' }>
}

describe.skipIf(why !== null)(`downloads from a real nginx mirror${why ? ` (skipped: ${why})` : ''}`, () => {
  let env: MirrorEnv
  const rel = 'hs/9/x86_64/20240301.1/CentOS-Stream-Hyperscale-9-20240301.1-x86_64-Live-KDE.iso'
  const image = () => env.mirror.isos[rel]
  let n = 0
  const dest = () => path.join(env.work, `dl-${++n}`, image().name)

  beforeAll(async () => {
    env = await setupMirrorEnv({ mib: 4, slowRate: '2m' })
  }, 120_000)
  afterAll(async () => env?.dispose())

  async function freshDest(): Promise<string> {
    const d = dest()
    await mkdir(path.dirname(d), { recursive: true })
    return d
  }

  const transports: [string, HttpGet][] = [
    ['the socket transport (default)', socketHttpGet],
    ['node:http', nodeHttpGet],
    ['fetch (undici)', fetchTransport(fetch)]
  ]

  it.each(transports)('downloads a whole image over %s with the same SHA-256 as sha256sum, leaving no .part behind', async (_name, get) => {
    const d = await freshDest()
    const out = expectDone(await runDownload({ urls: [env.url('/', rel)], dest: d, expectedSize: image().size, expectedHash: image().sha256 }, { get }))
    expect(out.hash).toBe(image().sha256)
    expect(out.hashMatches).toBe(true)
    expect((await stat(d)).size).toBe(image().size)
    await expect(stat(partPath(d))).rejects.toThrow()
    await expect(stat(`${d}.part.json`)).rejects.toThrow()
  })

  it.each([0.15, 0.5, 0.85])('paused at %s of the file (rate-limited), a new run resumes with Range to the right hash', async (fraction) => {
    const d = await freshDest()
    const url = env.url('/slow/', rel)
    const ac = new AbortController()
    const cut = Math.floor(image().size * fraction)
    const first = await runDownload(
      { urls: [url], dest: d, expectedSize: image().size },
      { progressIntervalMs: 20 },
      { signal: ac.signal, onProgress: (p) => p.bytes >= cut && ac.abort('pause') }
    )
    expect(first.status).toBe('aborted')
    const kept = (await stat(partPath(d))).size
    expect(kept).toBeGreaterThanOrEqual(cut)
    expect(kept).toBeLessThan(image().size)
    expect((await readPartMeta(d))?.validators[url]?.etag).toMatch(/^"/)

    await env.nginx.clearAccessLog()
    // A new call is what an app restart does: it hashes the part, then asks for the rest.
    const out = expectDone(await runDownload({ urls: [url], dest: d, expectedSize: image().size }, {}))
    expect(out.hash).toBe(image().sha256)
    const log = (await env.nginx.accessLog()).filter((e) => e.uri.endsWith(image().name))
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ status: 206, range: `bytes=${kept}-`, bytes: image().size - kept })
    // The part's ETag went along as If-Range.
    expect(log[0].ifRange).toMatch(/^"/)
  })

  it.each([1, 1024 * 1024 + 7, 'last'] as const)('a connection dropped after %s bytes fails over and resumes at that byte', async (at) => {
    const d = await freshDest()
    const cutAt = at === 'last' ? image().size - 1 : at
    await env.nginx.clearAccessLog()
    const notes: string[] = []
    const out = expectDone(
      await runDownload(
        { urls: [env.url('/', rel), env.url('/mirror2/', rel)], dest: d, expectedHash: image().sha256 },
        { get: fetchTransport(cuttingFetch(cutAt)) },
        { onNote: (x) => notes.push(x) }
      )
    )
    expect(out.hash).toBe(image().sha256)
    expect(out.hashMatches).toBe(true)
    expect(out.mirror).toContain('/mirror2/')
    expect(notes.join('\n')).toMatch(/terminated \(test: connection dropped\).*trying the next mirror/)
    const second = (await env.nginx.accessLog()).find((e) => e.uri.startsWith('/mirror2/'))
    expect(second).toMatchObject({ status: 206, range: `bytes=${cutAt}-`, bytes: image().size - cutAt })
  })

  it('starts over cleanly when the server ignores Range (200 instead of 206)', async () => {
    const d = await freshDest()
    const ac = new AbortController()
    await runDownload(
      { urls: [env.url('/slow/', rel)], dest: d },
      { progressIntervalMs: 20 },
      { signal: ac.signal, onProgress: (p) => p.bytes > 1_000_000 && ac.abort('pause') }
    )
    const kept = (await stat(partPath(d))).size
    expect(kept).toBeGreaterThan(1_000_000)
    await env.nginx.clearAccessLog()
    const notes: string[] = []
    const out = expectDone(await runDownload({ urls: [env.url('/norange/', rel)], dest: d }, {}, { onNote: (x) => notes.push(x) }))
    expect(out.hash).toBe(image().sha256)
    expect(out.size).toBe(image().size)
    expect(notes.join('\n')).toMatch(/ignored the Range request \(200 instead of 206\); starting over/)
    const log = await env.nginx.accessLog()
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ status: 200, range: `bytes=${kept}-`, bytes: image().size })
  })

  it.each(['the same mirror (ETag)', 'another mirror (Last-Modified)'])(
    'starts over when the file changed on the server since the part began, resuming from %s',
    async (which) => {
      const dir = path.join(env.mirror.root, `changing-${n}`)
      await mkdir(dir, { recursive: true })
      const served = path.join(dir, image().name)
      await copyFile(path.join(env.mirror.root, rel), served)
      const relChanging = `${path.basename(dir)}/${image().name}`
      const d = await freshDest()
      const ac = new AbortController()
      await runDownload(
        { urls: [env.url('/slow/', relChanging)], dest: d },
        { progressIntervalMs: 20 },
        { signal: ac.signal, onProgress: (p) => p.bytes > 500_000 && ac.abort('pause') }
      )
      const kept = (await stat(partPath(d))).size
      // New content of the same size, and a new mtime (so a new ETag and Last-Modified).
      const bytes = await readFile(served)
      bytes.fill(0x55, 0, kept + 10)
      await writeFile(served, bytes)
      await utimes(served, new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z'))
      await env.nginx.clearAccessLog()
      const resumeFrom = which.startsWith('the same') ? '/slow/' : '/mirror2/'
      const out = expectDone(await runDownload({ urls: [env.url(resumeFrom, relChanging)], dest: d }, {}))
      expect(out.hash).toBe(createHash('sha256').update(bytes).digest('hex'))
      const log = await env.nginx.accessLog()
      expect(log).toHaveLength(1)
      // The server saw the old validator in If-Range and sent the whole new file.
      expect(log[0]).toMatchObject({ status: 200, range: `bytes=${kept}-`, bytes: image().size })
      expect(log[0].ifRange).toMatch(which.startsWith('the same') ? /^"/ : /GMT$/)
    }
  )

  it('a resumed file whose hash is wrong is downloaded once more from the start', async () => {
    const d = await freshDest()
    // A part of the right size whose bytes are not the image's, with a record that trusts it.
    const ac = new AbortController()
    await runDownload(
      { urls: [env.url('/slow/', rel)], dest: d, expectedHash: image().sha256 },
      { progressIntervalMs: 20 },
      { signal: ac.signal, onProgress: (p) => p.bytes > 300_000 && ac.abort('pause') }
    )
    const part = await readFile(partPath(d))
    part.fill(0xaa)
    await writeFile(partPath(d), part)
    const notes: string[] = []
    await env.nginx.clearAccessLog()
    const out = expectDone(await runDownload({ urls: [env.url('/', rel)], dest: d, expectedHash: image().sha256 }, {}, { onNote: (x) => notes.push(x) }))
    expect(out.hashMatches).toBe(true)
    expect(notes).toContain('the hash does not match after resuming; downloading once more from the start')
    const log = await env.nginx.accessLog()
    expect(log.map((e) => [e.status, e.range])).toEqual([
      [206, `bytes=${part.length}-`],
      [200, '']
    ])
  })

  it.each(transports)('over %s: fails over from a 404 mirror and from mirrors that stall before and during the body', async (_name, get) => {
    const file = path.join(env.mirror.root, rel)
    const silent = await startStallServer()
    const midway = await startStallServer({ file, size: image().size, sendBytes: 100_000 })
    try {
      const d = await freshDest()
      await env.nginx.clearAccessLog()
      const notes: string[] = []
      const urls = [env.url('/missing/', rel), `${silent.url}/${image().name}`, `${midway.url}/${image().name}`, env.url('/mirror2/', rel)]
      const started = Date.now()
      const out = expectDone(await runDownload({ urls, dest: d, expectedHash: image().sha256 }, { get, stallMs: 1000 }, { onNote: (x) => notes.push(x) }))
      expect(out.hash).toBe(image().sha256)
      expect(out.mirror).toBe(urls[3])
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(notes[0]).toMatch(/missing.*HTTP 404/)
      expect(notes[1]).toMatch(/stalled \(no data for 1 s\)/)
      expect(notes[2]).toMatch(/stalled \(no data for 1 s\) after 97.7 KiB/)
      expect(silent.requests).toHaveLength(1)
      expect(midway.requests).toHaveLength(1)
      // The 100 000 bytes from the mirror that stalled midway were kept.
      const last = (await env.nginx.accessLog()).find((e) => e.uri.startsWith('/mirror2/'))
      expect(last).toMatchObject({ status: 206, range: 'bytes=100000-' })
    } finally {
      await silent.stop()
      await midway.stop()
    }
  })

  it.each(transports)('over %s: a server that closes the connection early: the bytes so far are kept and the next mirror continues', async (_name, get) => {
    const file = path.join(env.mirror.root, rel)
    const closing = await startStallServer({ file, size: image().size, sendBytes: 123_456, close: true })
    try {
      const d = await freshDest()
      await env.nginx.clearAccessLog()
      const notes: string[] = []
      const out = expectDone(
        await runDownload({ urls: [`${closing.url}/${image().name}`, env.url('/', rel)], dest: d }, { get }, { onNote: (x) => notes.push(x) })
      )
      expect(out.hash).toBe(image().sha256)
      expect(notes[0]).toMatch(/after 121 KiB; trying the next mirror/)
      expect((await env.nginx.accessLog())[0]).toMatchObject({ status: 206, range: 'bytes=123456-' })
    } finally {
      await closing.stop()
    }
  })

  it('gives up with every mirror named when none works, keeping the part', async () => {
    const d = await freshDest()
    const closed = await freePort()
    const err = await runDownload({ urls: [env.url('/missing/', rel), `http://127.0.0.1:${closed}/x.iso`], dest: d }, {}).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'DownloadFailed' })
    expect((err as Error).message).toMatch(new RegExp(`every mirror failed: .*HTTP 404.*127\\.0\\.0\\.1:${closed}.*ECONNREFUSED`))
  })

  it('a flipped byte on the mirror is reported as a hash mismatch', async () => {
    const d = await freshDest()
    const out = expectDone(await runDownload({ urls: [env.url('/corrupt/', image().name)], dest: d, expectedHash: image().sha256 }, {}))
    expect(out.hashMatches).toBe(false)
    expect(out.hash).not.toBe(image().sha256)
  })

  it('a local write problem ends the download with a clear error instead of trying mirrors', async () => {
    const d = await freshDest()
    await mkdir(partPath(d))
    const err = await runDownload({ urls: [env.url('/', rel), env.url('/mirror2/', rel)], dest: d }, {}).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'WriteError', stage: 'write', message: expect.stringMatching(/could not write the download: .*EISDIR/) })
  })

  it('checks free space before asking any mirror', async () => {
    const d = await freshDest()
    await env.nginx.clearAccessLog()
    const err = await runDownload({ urls: [env.url('/', rel)], dest: d, expectedSize: 2 ** 53 - 1 }, {}).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'NotEnoughSpace', stage: 'check disk space' })
    expect(await env.nginx.accessLog()).toHaveLength(0)
  })

  it('leaves no hashing thread running, whatever way the download ends', async () => {
    // The digest is taken on a worker thread (system/hash-thread.ts); one left running would keep
    // `hsc spins download` alive after its answer and leak a thread per download in the app.
    const threads = (): number => readdirSync('/proc/self/task').length
    // Each way out, with the outcome (status or error name) it must end in.
    const ends: Record<string, [string, () => Promise<unknown>]> = {
      done: ['done', async () => runDownload({ urls: [env.url('/', rel)], dest: await freshDest() }, {})],
      aborted: [
        'aborted',
        async () => {
          const ac = new AbortController()
          return runDownload(
            { urls: [env.url('/slow/', rel)], dest: await freshDest() },
            { progressIntervalMs: 20 },
            { signal: ac.signal, onProgress: (p) => p.bytes > 0 && ac.abort('pause') }
          )
        }
      ],
      'resumed, then aborted while hashing the part': [
        'aborted',
        async () => {
          const d = await freshDest()
          const ac = new AbortController()
          await runDownload(
            { urls: [env.url('/slow/', rel)], dest: d },
            { progressIntervalMs: 20 },
            { signal: ac.signal, onProgress: (p) => p.bytes > 1e6 && ac.abort('pause') }
          )
          const again = new AbortController()
          again.abort('stop')
          return runDownload({ urls: [env.url('/', rel)], dest: d }, {}, { signal: again.signal })
        }
      ],
      'every mirror failed': ['DownloadFailed', async () => runDownload({ urls: [env.url('/missing/', rel)], dest: await freshDest() }, {})],
      'not enough space': ['NotEnoughSpace', async () => runDownload({ urls: [env.url('/', rel)], dest: await freshDest(), expectedSize: 2 ** 53 - 1 }, {})],
      'a local write error': [
        'WriteError',
        async () => {
          const d = await freshDest()
          await mkdir(partPath(d))
          return runDownload({ urls: [env.url('/', rel)], dest: d }, {})
        }
      ]
    }
    await ends.done[1]()
    const before = threads()
    for (const [how, [want, run]] of Object.entries(ends)) {
      const outcome = await run().then(
        (o) => (o as DownloadOutcome).status,
        (e: Error) => e.name
      )
      expect({ how, outcome, threads: threads() }).toEqual({ how, outcome: want, threads: before })
    }
  })

  it('refuses a mirror whose size differs from the catalogue', async () => {
    const d = await freshDest()
    const err = await runDownload({ urls: [env.url('/', rel)], dest: d, expectedSize: image().size + 1 }, {}).catch((e: Error) => e)
    expect((err as Error).message).toMatch(new RegExp(`serves ${image().size} bytes, the catalogue says ${image().size + 1}`))
  })

  it('starts over when the part has no readable record', async () => {
    const d = await freshDest()
    await writeFile(partPath(d), Buffer.alloc(1000, 1))
    await writeFile(`${d}.part.json`, '{ not json')
    const notes: string[] = []
    const out = expectDone(await runDownload({ urls: [env.url('/', rel)], dest: d }, {}, { onNote: (x) => notes.push(x) }))
    expect(out.hash).toBe(image().sha256)
    expect(notes[0]).toMatch(/without its record; starting over/)
  })

  it('reports progress at most every interval, with speed and ETA', async () => {
    const d = await freshDest()
    const samples: (ProgressSample & { at: number })[] = []
    expectDone(await runDownload({ urls: [env.url('/slow/', rel)], dest: d }, {}, { onProgress: (p) => samples.push({ ...p, at: Date.now() }) }))
    // 4 MiB at 2 MiB/s: about 2 s, so several samples.
    expect(samples.length).toBeGreaterThanOrEqual(4)
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i].at - samples[i - 1].at).toBeGreaterThanOrEqual(200)
      expect(samples[i].bytes).toBeGreaterThanOrEqual(samples[i - 1].bytes)
    }
    const mid = samples.find((s) => s.phase === 'downloading' && s.speed !== undefined && s.percent! > 20 && s.percent! < 80)
    expect(mid).toBeDefined()
    // nginx limit_rate 2m: the smoothed speed is in that region, and the ETA follows from it.
    expect(mid!.speed!).toBeGreaterThan(0.8 * 1024 * 1024)
    expect(mid!.speed!).toBeLessThan(4 * 1024 * 1024)
    expect(mid!.etaSeconds).toBe(Math.ceil((mid!.total! - mid!.bytes) / mid!.speed!))
    expect(samples.at(-1)!.bytes).toBeLessThanOrEqual(image().size)
  })
})
