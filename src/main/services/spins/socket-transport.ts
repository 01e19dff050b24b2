import net from 'node:net'
import type * as Tls from 'node:tls'
import { lazyBuiltin } from '../system/lazy'
import { ChunkedDecoder, HeadReader, ProtocolError, framingOf, type Framing, type ResponseHead } from './http1-parse'
import { nextLocation } from './redirect-policy'
import { proxyAuthorization } from './proxy'
import { connectTunnel, ProxyError, proxyConnectError, proxyStatusMessage } from './proxy-tunnel'
import type { HttpGet, HttpResponse } from './transport'

/**
 * HTTP/1.1 GET over one plain or TLS socket; a plain socket reads into a single reused buffer
 * (the `onread` option of net.connect; TLS sockets do not honour its pause, see Exchange). Node's other clients allocate a fresh
 * buffer per socket read; for a 2 GiB download that allocation churn (and the page faults of
 * the heap growing and shrinking) cost more CPU than the SHA-256 itself. Here the body chunks
 * are views of that buffer: the socket is paused while the caller holds them, and each chunk
 * is valid only until the caller asks for the next one (see HttpResponse.body).
 * One request per connection (Connection: close); redirects are followed like fetch does.
 */
export interface SocketTransportOptions {
  /** Extra options for tls.connect (tests pass a throwaway CA), or a function giving them per connection. */
  tls?: Tls.ConnectionOptions | (() => Tls.ConnectionOptions | undefined)
  /** Size of the receive buffer; reads larger than this take several callbacks. */
  readBuffer?: number
  /** The http:// proxy for a target, if any (see proxy.ts); https goes through it with CONNECT. */
  proxy?: (target: URL) => URL | undefined | Promise<URL | undefined>
  /** How long a proxy may take to open a tunnel. */
  tunnelTimeoutMs?: number
}

/** node:tls loads with the first https request, not with every command that touches the spins service. */
const tls = lazyBuiltin<typeof Tls>('node:tls')

const MAX_REDIRECTS = 5
/**
 * Each read is copied to the hashing thread and written before the next: a buffer that fits in
 * a core's L2 cache (1 MiB on the EPYC VM measured) keeps the bytes hot from the socket copy to
 * the page cache copy. 2 GiB loopback download (hashed in line then), 5 rounds each: 512 KiB
 * 1.90-1.95 s (curl 1.92-2.17); 256 KiB 2.21-2.27 (more per-chunk overhead); 1 MiB 1.78-2.66;
 * 4 MiB 2.79-3.42 (cold copies, 2-3x the kernel time).
 */
const DEFAULT_READ_BUFFER = 512 * 1024
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export function socketTransport(opts: SocketTransportOptions = {}): HttpGet {
  return (url, { headers, signal }) => follow(url, headers, signal, opts)
}

/** The default transport of downloads. */
export const socketHttpGet: HttpGet = socketTransport()

async function follow(url: string, headers: Record<string, string>, signal: AbortSignal, opts: SocketTransportOptions): Promise<HttpResponse> {
  let target = url
  for (let hops = 0; ; hops++) {
    const ex = await Exchange.start(target, headers, signal, opts)
    if (ex.viaProxy && ex.head.status === 407) {
      ex.close()
      throw new ProxyError(proxyStatusMessage(ex.viaProxy, 407, new URL(target).host))
    }
    const location = ex.head.headers.get('location')
    if (ex.head.status < 300 || ex.head.status >= 400 || ex.head.status === 304 || !location) return ex.response(target)
    ex.close()
    if (hops >= MAX_REDIRECTS) throw new TypeError(`too many redirects from ${url}`)
    // Range and If-Range go along: they concern the resource, wherever it lives. No https->http.
    target = nextLocation(target, location).toString()
  }
}

function requestText(target: URL, headers: Record<string, string>, httpProxy?: URL): string {
  // Through a proxy, a plain-http request names the absolute URL (RFC 9112 absolute-form).
  const requestTarget = httpProxy ? `${target.protocol}//${target.host}${target.pathname}${target.search}` : `${target.pathname}${target.search}`
  const lines = [`GET ${requestTarget} HTTP/1.1`, `Host: ${target.host}`, 'User-Agent: hyperscale-companion', 'Connection: close']
  const auth = httpProxy ? proxyAuthorization(httpProxy) : undefined
  if (auth) lines.push(`Proxy-Authorization: ${auth}`)
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) throw new TypeError(`invalid request header ${JSON.stringify(name)}`)
    if (!/^(host|connection|user-agent)$/i.test(name)) lines.push(`${name}: ${value}`)
  }
  return lines.join('\r\n') + '\r\n\r\n'
}

/** One request and its response on one connection. */
class Exchange {
  head!: ResponseHead
  private readonly socket: net.Socket
  private readonly reader = new HeadReader()
  private framing: Framing = { kind: 'close' }
  private chunked?: ChunkedDecoder
  private bodyLeft = 0
  /** Views of the receive buffer from the latest read, not yet handed to the caller. */
  private pending: Uint8Array[] = []
  private next = 0
  private ended = false
  private failure?: unknown
  private wake?: () => void
  private headDone!: { resolve: () => void; reject: (err: unknown) => void }
  private readonly onAbort = (): void => this.fail(this.signal.reason ?? new Error('aborted'))
  /** The proxy this exchange goes through, when any. */
  viaProxy?: URL

  private constructor(
    target: URL,
    private readonly signal: AbortSignal,
    opts: SocketTransportOptions,
    route: { proxy?: URL; tunnel?: net.Socket } = {}
  ) {
    this.viaProxy = route.proxy
    const onread = {
      buffer: Buffer.allocUnsafe(opts.readBuffer ?? DEFAULT_READ_BUFFER),
      callback: (n: number, buf: Uint8Array) => this.onRead(buf.subarray(0, n))
    }
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1')
    const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80))
    // With a tunnel socket, host still names the peer for the certificate check.
    const where = route.tunnel ? { socket: route.tunnel, host } : { host, port }
    if (target.protocol === 'https:') {
      // No onread for TLS: a TLS socket ignores the "pause" its callback returns and refills the
      // buffer while the caller still holds views of it (a 4 MB download from nginx arrived
      // corrupted and short). 'data' chunks are fresh buffers; pausing the stream works. Inside
      // a CONNECT tunnel the certificate is checked against the mirror's name as usual.
      this.socket = tls().connect({
        ...where,
        servername: net.isIP(host) ? undefined : host,
        ALPNProtocols: ['http/1.1'],
        ...(typeof opts.tls === 'function' ? opts.tls() : opts.tls)
      })
      this.socket.on('data', (chunk: Buffer) => {
        if (!this.onRead(chunk)) this.socket.pause()
      })
    } else {
      this.socket = route.proxy
        ? net.connect({ host: route.proxy.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(route.proxy.port || 80), onread })
        : net.connect({ host, port, onread })
    }
    this.socket.on('error', (err) => this.fail(route.proxy && !route.tunnel && !this.reader.head ? proxyConnectError(route.proxy, err) : err))
    this.socket.on('end', () => this.onEnd())
    this.socket.on('close', () => this.onEnd())
    signal.addEventListener('abort', this.onAbort, { once: true })
  }

  static async start(url: string, headers: Record<string, string>, signal: AbortSignal, opts: SocketTransportOptions): Promise<Exchange> {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      throw new TypeError(`invalid URL: ${url}`)
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError(`unsupported protocol ${target.protocol}`)
    if (target.username || target.password) throw new TypeError('URLs with credentials are not supported')
    if (signal.aborted) throw signal.reason
    const proxy = opts.proxy ? await opts.proxy(target) : undefined
    const request = requestText(target, headers, proxy && target.protocol === 'http:' ? proxy : undefined)
    let tunnel: net.Socket | undefined
    if (proxy && target.protocol === 'https:') {
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1')
      tunnel = await connectTunnel(proxy, host, Number(target.port || 443), signal, opts.tunnelTimeoutMs)
    }
    const ex = new Exchange(target, signal, opts, { proxy, tunnel })
    const head = new Promise<void>((resolve, reject) => (ex.headDone = { resolve, reject }))
    ex.socket.write(request)
    await head
    return ex
  }

  response(url: string): HttpResponse {
    return {
      status: this.head.status,
      statusText: this.head.statusText,
      url,
      header: (name) => this.head.headers.get(name.toLowerCase()),
      body: this.body(),
      cancel: () => this.close()
    }
  }

  close(): void {
    this.ended = true
    this.release()
  }

  /** Returns false to pause the socket: its buffer must not be refilled while the caller holds views of it. */
  private onRead(chunk: Uint8Array): boolean {
    try {
      let body = chunk
      if (!this.reader.head) {
        const start = this.reader.feed(chunk)
        if (start < 0) return true
        this.head = this.reader.head!
        this.framing = framingOf(this.head)
        if (this.framing.kind === 'length') this.bodyLeft = this.framing.length
        if (this.framing.kind === 'chunked') this.chunked = new ChunkedDecoder()
        if (this.framing.kind === 'none' || (this.framing.kind === 'length' && this.bodyLeft === 0)) this.ended = true
        this.headDone.resolve()
        body = chunk.subarray(start)
      }
      if (!this.ended && body.length > 0) this.take(body)
    } catch (err) {
      this.fail(err)
      return false
    }
    if (this.ended) this.release()
    if (this.pending.length > 0 || this.ended) {
      this.wake?.()
      return false
    }
    return true
  }

  private take(body: Uint8Array): void {
    this.pending.length = 0
    this.next = 0
    if (this.chunked) {
      if (this.chunked.feed(body, this.pending)) this.ended = true
    } else if (this.framing.kind === 'length') {
      // Bytes past Content-Length are not part of this response (Connection: close makes them unlikely).
      const piece = body.length > this.bodyLeft ? body.subarray(0, this.bodyLeft) : body
      this.pending.push(piece)
      this.bodyLeft -= piece.length
      if (this.bodyLeft === 0) this.ended = true
    } else {
      this.pending.push(body)
    }
  }

  private onEnd(): void {
    if (this.ended || this.failure) return
    if (!this.reader.head) {
      this.fail(new ProtocolError('the connection closed before a complete response head'))
    } else if (this.framing.kind === 'close') {
      this.ended = true
      this.release()
      this.wake?.()
    } else {
      const left = this.framing.kind === 'length' ? `${this.bodyLeft} of ${this.framing.length} bytes missing` : 'in the middle of a chunked body'
      this.fail(new ProtocolError(`the connection closed early (${left})`))
    }
  }

  private fail(err: unknown): void {
    if (this.failure || this.ended) return
    this.failure = err
    this.release()
    this.headDone.reject(err)
    this.wake?.()
  }

  /** The connection is done with (completely read, failed or cancelled). */
  private release(): void {
    this.signal.removeEventListener('abort', this.onAbort)
    this.socket.destroy()
  }

  private async *body(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        while (this.next < this.pending.length) yield this.pending[this.next++]
        if (this.failure) throw this.failure
        if (this.ended) return
        const more = new Promise<void>((resolve) => (this.wake = resolve))
        this.socket.resume()
        await more
        this.wake = undefined
      }
    } finally {
      if (!this.ended) this.close()
    }
  }
}
