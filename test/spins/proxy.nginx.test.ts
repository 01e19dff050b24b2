import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import https from 'node:https'
import type net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDownload, type DownloadOutcome } from '../../src/main/services/spins/download'
import { fetchText } from '../../src/main/services/spins/http'
import { partPath } from '../../src/main/services/spins/part-file'
import { proxiedFetch } from '../../src/main/services/spins/proxied-fetch'
import { bypassed, chooseProxy } from '../../src/main/services/spins/proxy'
import { socketTransport } from '../../src/main/services/spins/socket-transport'
import { freePort, nginxUnavailable, startNginx, type NginxServer } from '../support/nginx'
import { startTinyproxy, tinyproxyUnavailable, type Tinyproxy } from '../support/tinyproxy'

describe('which proxy a URL uses', () => {
  const u = (s: string) => new URL(s)
  it('reads https_proxy / http_proxy in either case, and no_proxy exceptions', () => {
    expect(chooseProxy(u('https://mirror.example/x'), '', { HTTPS_PROXY: 'proxy.corp:3128' }).proxy?.href).toBe('http://proxy.corp:3128/')
    expect(chooseProxy(u('http://mirror.example/x'), '', { http_proxy: 'http://p:8080', HTTPS_PROXY: 'http://q:1' }).proxy?.host).toBe('p:8080')
    expect(chooseProxy(u('https://mirror.example/x'), '', { https_proxy: 'http://p:8080', no_proxy: '.example' })).toEqual({ from: 'no_proxy' })
    expect(bypassed(u('http://a.b.example:8080/'), 'localhost, b.example:8080')).toBe(true)
    expect(bypassed(u('http://a.b.example/'), 'b.example:8080')).toBe(false)
    expect(bypassed(u('http://127.0.0.1/'), '*')).toBe(true)
  })
  it('the setting wins over the environment; "direct" turns proxies off; only http:// proxies', () => {
    expect(chooseProxy(u('https://m/x'), 'http://s:1', { https_proxy: 'http://e:2' }).proxy?.host).toBe('s:1')
    expect(chooseProxy(u('https://m/x'), 'direct', { https_proxy: 'http://e:2' }).proxy).toBeUndefined()
    expect(() => chooseProxy(u('https://m/x'), '', { https_proxy: 'socks5://e:2' })).toThrow(/only http:\/\/ proxies/)
  })
})

const why = nginxUnavailable() ?? tinyproxyUnavailable() ?? (spawnSync('openssl', ['version']).error ? 'openssl is not installed' : null)

describe.skipIf(why !== null)(`downloads and listings through a real proxy (tinyproxy)${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string
  let nginx: NginxServer
  let proxy: Tinyproxy
  let authProxy: Tinyproxy
  let tlsServer: https.Server
  let tlsUrl: string
  let cert: Buffer
  const data = randomBytes(3 * 1024 * 1024 + 17)
  const sha = createHash('sha256').update(data).digest('hex')
  let n = 0
  const dest = async () => {
    const d = path.join(dir, `dl-${++n}`, 'image.iso')
    await mkdir(path.dirname(d), { recursive: true })
    return d
  }
  const done = (o: DownloadOutcome) => {
    if (o.status !== 'done') throw new Error(`download ended ${o.status}`)
    return o
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hsc-proxy-'))
    await mkdir(path.join(dir, 'www'), { recursive: true })
    await writeFile(path.join(dir, 'www', 'image.iso'), data)
    nginx = await startNginx({
      root: path.join(dir, 'www'),
      locations: [{ prefix: '/slow/', limitRate: '1m', extra: ['sendfile off;', 'output_buffers 2 32k;'] }]
    })
    proxy = await startTinyproxy()
    authProxy = await startTinyproxy({ basicAuth: { user: 'ann', password: 's3cret' } })
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'k.pem'),
      '-out',
      path.join(dir, 'c.pem')
    ])
    if (r.status !== 0) throw new Error(String(r.stderr))
    cert = await readFile(path.join(dir, 'c.pem'))
    tlsServer = https.createServer({ key: await readFile(path.join(dir, 'k.pem')), cert }, (_req, res) => {
      res.writeHead(200, { 'content-length': String(data.length), 'content-type': 'application/octet-stream' })
      res.end(data)
    })
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve))
    tlsUrl = `https://127.0.0.1:${(tlsServer.address() as net.AddressInfo).port}/image.iso`
  }, 60_000)
  afterAll(async () => {
    await new Promise((r) => tlsServer?.close(r))
    await proxy?.stop()
    await authProxy?.stop()
    await nginx?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const via = (p: string, extra: Parameters<typeof socketTransport>[0] = {}) =>
    socketTransport({ ...extra, proxy: (t) => chooseProxy(t, '', { http_proxy: p, https_proxy: p }).proxy })

  it('plain http through the proxy, failing over from a mirror that 404s, with the right hash', async () => {
    const d = await dest()
    const notes: string[] = []
    const out = done(
      await runDownload(
        { urls: [`${nginx.url}/nope/image.iso`, `${nginx.url}/image.iso`], dest: d, expectedHash: sha },
        { get: via(proxy.url) },
        { onNote: (x) => notes.push(x) }
      )
    )
    expect(out.hashMatches).toBe(true)
    expect(out.mirror).toBe(`${nginx.url}/image.iso`)
    expect(notes.join('\n')).toContain('404')
    expect(await proxy.log()).toContain(`${nginx.url}/image.iso`)
  })

  it('a paused download resumes through the proxy with Range', async () => {
    const d = await dest()
    const url = `${nginx.url}/slow/image.iso`
    const ac = new AbortController()
    const first = await runDownload(
      { urls: [url], dest: d },
      { get: via(proxy.url), progressIntervalMs: 20 },
      { signal: ac.signal, onProgress: (p) => p.bytes > 600_000 && ac.abort('pause') }
    )
    expect(first.status).toBe('aborted')
    const kept = (await stat(partPath(d))).size
    await nginx.clearAccessLog()
    const out = done(await runDownload({ urls: [url], dest: d, expectedHash: sha }, { get: via(proxy.url) }))
    expect(out.hashMatches).toBe(true)
    const log = (await nginx.accessLog()).filter((e) => e.uri.endsWith('image.iso'))
    expect(log).toEqual([expect.objectContaining({ status: 206, range: `bytes=${kept}-` })])
  })

  it('https goes through a CONNECT tunnel and the mirror certificate is still verified', async () => {
    const d = await dest()
    const out = done(await runDownload({ urls: [tlsUrl], dest: d, expectedHash: sha }, { get: via(proxy.url, { tls: { ca: cert } }) }))
    expect(out.hashMatches).toBe(true)
    expect(await proxy.log()).toMatch(/CONNECT/)
    // Without the throwaway CA the certificate behind the tunnel is rejected.
    await expect(via(proxy.url)(tlsUrl, { headers: {}, signal: new AbortController().signal })).rejects.toThrow(/self-signed|certificate/i)
  })

  it('a proxy that needs a password says so in a sentence; with user:password in the URL it works', async () => {
    const get = via(authProxy.url, { tls: { ca: cert } })
    await expect(get(tlsUrl, { headers: {}, signal: new AbortController().signal })).rejects.toThrow(/needs a user name and password \(HTTP 407\)/)
    await expect(get(`${nginx.url}/image.iso`, { headers: {}, signal: new AbortController().signal })).rejects.toThrow(
      /needs a user name and password \(HTTP 407\)/
    )
    const wrong = authProxy.url.replace('http://', 'http://ann:nope@')
    await expect(via(wrong, { tls: { ca: cert } })(tlsUrl, { headers: {}, signal: new AbortController().signal })).rejects.toThrow(
      /rejected the user name and password/
    )
    const d = await dest()
    const good = authProxy.url.replace('http://', 'http://ann:s3cret@')
    expect(done(await runDownload({ urls: [tlsUrl], dest: d, expectedHash: sha }, { get: via(good, { tls: { ca: cert } }) })).hashMatches).toBe(true)
  })

  it('a proxy that refuses connections fails at once with a sentence, not a hang', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    const err = await runDownload({ urls: [tlsUrl, `${nginx.url}/image.iso`], dest: await dest() }, { get: via(closed), maxRounds: 1 }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/Cannot reach the proxy http:\/\/127\.0\.0\.1:\d+: nothing accepts connections there/)
  })

  it('catalogue reads (fetch) go through the proxy too', async () => {
    const fetchViaProxy = proxiedFetch(
      () => Promise.reject(new Error('direct fetch must not be used')),
      via(proxy.url),
      async (t) => chooseProxy(t, proxy.url, {}).proxy
    )
    const res = await fetchText(fetchViaProxy, [`${nginx.url}/`])
    expect(res.text).toContain('image.iso')
    expect((await proxy.log()).match(new RegExp(`GET ${nginx.url}/ `, 'g'))?.length ?? 0).toBeGreaterThan(0)
  })
})
