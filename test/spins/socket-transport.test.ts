import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ChunkedDecoder, HeadReader } from '../../src/main/services/spins/http1-parse'
import { socketTransport } from '../../src/main/services/spins/socket-transport'
import type { HttpResponse } from '../../src/main/services/spins/transport'

/**
 * A scripted HTTP server (a stand-in for what nginx never sends: chunked bodies, heads split
 * across packets, truncated bodies): each connection gets the writes of `script`, with pauses
 * between them so they arrive as separate reads, then the socket is closed.
 */
type Step = string | Buffer | { wait: number }
const servers: net.Server[] = []
const seen: string[] = []
async function scripted(script: (req: string) => Step[]): Promise<string> {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true)
    let req = ''
    sock.on('data', async (d) => {
      req += d.toString('latin1')
      if (!req.includes('\r\n\r\n')) return
      seen.push(req)
      for (const step of script(req)) {
        if (typeof step === 'object' && 'wait' in step) await new Promise((r) => setTimeout(r, step.wait))
        else if (!sock.destroyed) sock.write(step)
      }
      sock.end()
    })
    sock.on('error', () => undefined)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
  seen.length = 0
})

/** Reads the whole body, copying each chunk (they are views of a reused buffer). */
async function collect(res: HttpResponse): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of res.body) parts.push(Buffer.from(c))
  return Buffer.concat(parts)
}

const get = socketTransport({ readBuffer: 4096 })
const GET = (url: string, headers: Record<string, string> = {}, signal = new AbortController().signal) => get(url, { headers, signal })
const gap = { wait: 30 }

describe('socket transport (HTTP/1.1 over a reused receive buffer)', () => {
  it('reads a Content-Length body larger than the receive buffer, head split across reads', async () => {
    const body = randomBytes(300_000)
    const url = await scripted(() => ['HTTP/1.1 200 OK\r\nContent-Le', gap, 'ngth: 300000\r\nETag: "x"\r', gap, '\n\r', gap, '\n', body])
    const res = await GET(`${url}/a.iso`, { range: 'bytes=0-' })
    expect(res.status).toBe(200)
    expect(res.statusText).toBe('OK')
    expect(res.header('ETag')).toBe('"x"')
    expect((await collect(res)).equals(body)).toBe(true)
    expect(seen[0]).toMatch(/^GET \/a\.iso HTTP\/1\.1\r\n/)
    expect(seen[0]).toMatch(/\r\nrange: bytes=0-\r\n/)
    expect(seen[0]).toMatch(/\r\nConnection: close\r\n/)
  })

  it('decodes a chunked body with extensions and trailers, split at awkward places', async () => {
    const a = randomBytes(10_000)
    const b = randomBytes(5)
    const url = await scripted(() => [
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2710;ext=1\r',
      gap,
      '\n',
      a.subarray(0, 3000),
      gap,
      a.subarray(3000),
      '\r\n5\r\n',
      b,
      '\r',
      gap,
      '\n0\r\nX-Trailer: 1\r\n',
      gap,
      '\r\n'
    ])
    const res = await GET(url + '/c')
    expect((await collect(res)).equals(Buffer.concat([a, b]))).toBe(true)
  })

  it('reads a body delimited by the connection close when there is no length', async () => {
    const body = randomBytes(50_000)
    const url = await scripted(() => ['HTTP/1.0 200 OK\r\n\r\n', body.subarray(0, 20_000), gap, body.subarray(20_000)])
    expect((await collect(await GET(url))).equals(body)).toBe(true)
  })

  it('a body cut short fails instead of ending quietly (Content-Length and chunked)', async () => {
    const cl = await scripted(() => ['HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', Buffer.alloc(600)])
    await expect(collect(await GET(cl))).rejects.toThrow(/closed early \(400 of 1000 bytes missing\)/)
    const ch = await scripted(() => ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n', Buffer.alloc(10)])
    await expect(collect(await GET(ch))).rejects.toThrow(/closed early \(in the middle of a chunked body\)/)
    const head = await scripted(() => ['HTTP/1.1 200 OK\r\nContent-'])
    await expect(GET(head)).rejects.toThrow(/closed before a complete response head/)
  })

  it('refuses garbage and unknown transfer codings', async () => {
    const junk = await scripted(() => ['SSH-2.0-OpenSSH_9.2\r\n\r\n'])
    await expect(GET(junk)).rejects.toThrow(/not an HTTP\/1.x status line/)
    const gz = await scripted(() => ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'])
    await expect(GET(gz)).rejects.toThrow(/unsupported Transfer-Encoding/)
    const two = await scripted(() => ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n'])
    await expect(GET(two)).rejects.toThrow(/invalid Content-Length/)
  })

  it('follows relative and absolute redirects with Range, reports the final URL, and stops after 5', async () => {
    const final = await scripted(() => ['HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-4/5\r\nContent-Length: 3\r\n\r\nabc'])
    const hop = await scripted(() => [`HTTP/1.1 302 Found\r\nLocation: ${final}/real.iso\r\nContent-Length: 4\r\n\r\nmove`])
    // Redirects every request to /next on itself (relative Location): a loop.
    const first = await scripted(() => ['HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n'])
    const res = await GET(`${hop}/x.iso`, { range: 'bytes=2-' })
    expect(res.status).toBe(206)
    expect(res.url).toBe(`${final}/real.iso`)
    expect((await collect(res)).toString()).toBe('abc')
    expect(seen.filter((r) => /\r\nrange: bytes=2-\r\n/.test(r))).toHaveLength(2)
    await expect(GET(`${first}/loop`)).rejects.toThrow(/too many redirects/)
    expect(seen.filter((r) => r.startsWith('GET /next '))).toHaveLength(5)
  })

  it('passes 416 and 404 through with their headers', async () => {
    const url = await scripted((req) =>
      req.startsWith('GET /gone')
        ? ['HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!']
        : ['HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */5\r\nContent-Length: 0\r\n\r\n']
    )
    const r416 = await GET(url + '/f', { range: 'bytes=5-' })
    expect([r416.status, r416.header('content-range')]).toEqual([416, 'bytes */5'])
    expect(await collect(r416)).toHaveLength(0)
    const r404 = await GET(url + '/gone')
    expect([r404.status, r404.statusText]).toEqual([404, 'Not Found'])
  })

  it('an abort mid-body ends the iteration with the abort reason', async () => {
    const url = await scripted(() => ['HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n', Buffer.alloc(10_000), { wait: 2000 }])
    const ac = new AbortController()
    const res = await GET(url, {}, ac.signal)
    let got = 0
    const reading = (async () => {
      for await (const c of res.body) {
        got += c.byteLength
        if (got >= 10_000) setTimeout(() => ac.abort(new Error('paused by test')), 10)
      }
    })()
    await expect(reading).rejects.toThrow('paused by test')
    expect(got).toBe(10_000)
  })

  it('refuses header values that would inject lines, and credentials in URLs', async () => {
    const url = await scripted(() => ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'])
    await expect(GET(url, { range: 'bytes=0-\r\nX-Evil: 1' })).rejects.toThrow(/invalid request header/)
    await expect(GET(url.replace('http://', 'http://u:p@'))).rejects.toThrow(/credentials/)
    expect(seen).toHaveLength(0)
  })

  const noOpenssl = spawnSync('openssl', ['version']).error ? 'openssl is not installed' : null
  it.skipIf(noOpenssl !== null)(`works over TLS, also for a consumer slower than the network${noOpenssl ? ` (skipped: ${noOpenssl})` : ''}`, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hsc-tls-'))
    try {
      // A throwaway self-signed certificate for 127.0.0.1, trusted only by this request.
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
      expect(r.status).toBe(0)
      const cert = await readFile(path.join(dir, 'c.pem'))
      const body = randomBytes(4_000_000)
      const server = https.createServer({ key: await readFile(path.join(dir, 'k.pem')), cert }, (req, res) => {
        res.setHeader('content-length', body.length)
        res.end(body)
      })
      await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
      try {
        const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/t.iso`
        const res = await socketTransport({ readBuffer: 4096, tls: { ca: cert } })(url, { headers: {}, signal: new AbortController().signal })
        expect(res.status).toBe(200)
        expect((await collect(res)).equals(body)).toBe(true)
        // A consumer slower than the network (hashing and writing each chunk) must still get
        // every byte once, in order: the buffer may not be refilled while it holds a view.
        const slow = await socketTransport({ tls: { ca: cert } })(url, { headers: {}, signal: new AbortController().signal })
        const got: Buffer[] = []
        for await (const chunk of slow.body) {
          got.push(Buffer.from(chunk))
          await new Promise((r) => setTimeout(r, 2))
        }
        expect(Buffer.concat(got).equals(body)).toBe(true)
        // Without the throwaway CA the certificate is rejected.
        await expect(socketTransport()(url, { headers: {}, signal: new AbortController().signal })).rejects.toThrow(/self-signed|certificate/i)
      } finally {
        await new Promise((res) => server.close(res))
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('HTTP/1.1 framing', () => {
  it('the chunked decoder gives the same bytes fed one byte at a time', () => {
    const wire = Buffer.from('4\r\nWiki\r\n7;x=y\r\npedia i\r\nB\r\nn \r\nchunks.\r\n0\r\nT: v\r\n\r\nEXTRA')
    const dec = new ChunkedDecoder()
    const out: Uint8Array[] = []
    for (let i = 0; i < wire.length && !dec.done; i++) dec.feed(wire.subarray(i, i + 1), out)
    expect(Buffer.concat(out).toString()).toBe('Wikipedia in \r\nchunks.')
    expect(dec.done).toBe(true)
  })

  it('the head reader finds the end of the head split across reads and says where the body starts', () => {
    const r = new HeadReader()
    expect(r.feed(Buffer.from('HTTP/1.1 200 OK\r\nA: 1\r\nA: 2\r\n\r'))).toBe(-1)
    expect(r.feed(Buffer.from('\nBODY'))).toBe(1)
    expect(r.head?.headers.get('a')).toBe('1, 2')
    expect(() => new HeadReader().feed(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'y'.repeat(70_000)}`))).toThrow(/larger than/)
  })
})
