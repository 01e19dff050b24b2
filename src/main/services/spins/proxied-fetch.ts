import type { HttpGet } from './transport'
import type { FetchLike } from './transport'

const KEPT_HEADERS = ['content-length', 'content-type', 'last-modified', 'etag', 'content-range', 'accept-ranges']

/**
 * The catalogue and checksum reads use fetch; Node's fetch ignores proxies. When a proxy
 * applies to a URL, the request goes through the project's own transport (which tunnels https
 * with CONNECT) and comes back as a fetch Response; other URLs keep using plain fetch.
 */
export function proxiedFetch(direct: FetchLike, get: HttpGet, proxyFor: (target: URL) => Promise<URL | undefined>): FetchLike {
  const viaTransport = transportFetch(get)
  return async (input, init) => {
    const url = String(input)
    return (await proxyFor(new URL(url))) ? viaTransport(url, init) : direct(url, init)
  }
}

/**
 * GET and HEAD through the project's own transport, answered as a fetch Response: for proxies,
 * and for TLS trust Node's fetch cannot be given (system/extra-ca.ts). Redirects are followed
 * by the transport, with the same no-downgrade rule (redirect-policy.ts).
 */
export function transportFetch(get: HttpGet): FetchLike {
  return async (input, init) => {
    const url = String(input)
    const method = (init?.method ?? 'GET').toUpperCase()
    if (method !== 'GET' && method !== 'HEAD') throw new TypeError(`only GET and HEAD go through hsc's own HTTP transport, not ${method}`)
    const signal = init?.signal ?? AbortSignal.timeout(60_000)
    const r = await get(url, { headers: {}, signal })
    const headers = new Headers()
    for (const name of KEPT_HEADERS) {
      const v = r.header(name)
      if (v !== undefined) headers.set(name, v)
    }
    const noBody = method === 'HEAD' || r.status === 204 || r.status === 304
    if (noBody) r.cancel()
    const chunks = r.body[Symbol.asyncIterator]()
    const body = noBody
      ? null
      : new ReadableStream<Uint8Array>({
          async pull(ctrl) {
            try {
              const { value, done } = await chunks.next()
              // The transport may reuse its buffer for the next chunk: copy.
              if (done) ctrl.close()
              else ctrl.enqueue(new Uint8Array(value))
            } catch (err) {
              ctrl.error(err)
            }
          },
          cancel() {
            r.cancel()
          }
        })
    const res = new Response(body, { status: r.status, statusText: r.statusText, headers })
    Object.defineProperty(res, 'url', { value: r.url })
    return res
  }
}
