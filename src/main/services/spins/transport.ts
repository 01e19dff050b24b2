import http from 'node:http'
import https from 'node:https'
import { fetchNoDowngrade, nextLocation } from './redirect-policy'

/**
 * The one HTTP GET the downloader needs: status, headers, and the body as chunks.
 * Implementations: socketHttpGet (socket-transport.ts, the default for downloads: one reused
 * receive buffer), any fetch function (Node's fetch, i.e. undici; tests wrap it to inject
 * faults) and Node's http/https modules. The latter two allocate per socket read; on a 2 GiB
 * loopback download they measured 1.6-1.8x curl's time, the socket transport about 1x.
 */
export interface HttpResponse {
  status: number
  statusText: string
  /** Final URL after redirects. */
  url: string
  header(name: string): string | undefined
  /**
   * The body. A chunk may be a view of memory the transport reuses (socketHttpGet): it is
   * valid only until the next chunk is requested, so consumers copy what they keep.
   */
  body: AsyncIterable<Uint8Array>
  /** Stops the transfer and releases the connection. */
  cancel(): void
}

export type HttpGet = (url: string, opts: { headers: Record<string, string>; signal: AbortSignal }) => Promise<HttpResponse>

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>

/** Adapts a fetch function (Node's undici fetch, or a wrapper in tests). */
export function fetchTransport(fetchFn: FetchLike): HttpGet {
  return async (url, { headers, signal }) => {
    const res = await fetchNoDowngrade(fetchFn)(url, { headers, signal })
    const body = res.body
    return {
      status: res.status,
      statusText: res.statusText,
      url: res.url || url,
      header: (name) => res.headers.get(name) ?? undefined,
      body: (async function* () {
        if (!body) return
        const reader = body.getReader()
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) return
            yield value
          }
        } finally {
          reader.releaseLock()
        }
      })(),
      cancel: () => {
        body?.cancel().catch(() => undefined)
      }
    }
  }
}

const MAX_REDIRECTS = 5
/** Large socket reads: fewer chunks to hash and queue per gigabyte. */
const HIGH_WATER_MARK = 1024 * 1024

/** GET with Node's http/https modules, following redirects. */
export const nodeHttpGet: HttpGet = (url, { headers, signal }) => get(url, headers, signal, 0)

function get(url: string, headers: Record<string, string>, signal: AbortSignal, hops: number): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      reject(new TypeError(`invalid URL: ${url}`))
      return
    }
    const mod = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined
    if (!mod) {
      reject(new TypeError(`unsupported protocol ${target.protocol}`))
      return
    }
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const req = mod.get(target, {
      headers: { 'user-agent': 'hyperscale-companion', ...headers },
      signal,
      highWaterMark: HIGH_WATER_MARK
    } as http.RequestOptions)
    req.once('error', (err) => reject(signal.aborted ? (signal.reason ?? err) : err))
    req.once('response', (res) => {
      const status = res.statusCode ?? 0
      const location = res.headers.location
      if (status >= 300 && status < 400 && location) {
        res.resume()
        if (hops >= MAX_REDIRECTS) {
          reject(new TypeError(`too many redirects from ${url}`))
          return
        }
        // Resolve against the current URL; Range and If-Range go along (they concern the resource).
        let next: URL
        try {
          next = nextLocation(target, location)
        } catch (err) {
          reject(err)
          return
        }
        get(next.toString(), headers, signal, hops + 1).then(resolve, reject)
        return
      }
      resolve(nodeResponse(res, target.toString()))
    })
  })
}

function nodeResponse(res: http.IncomingMessage, url: string): HttpResponse {
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    url,
    header: (name) => {
      const v = res.headers[name.toLowerCase()]
      return Array.isArray(v) ? v.join(', ') : v
    },
    // The message itself is the async iterable (no wrapper: one promise per chunk, not two).
    // A server that closes early ends it with an error or short; the caller compares lengths.
    body: res as AsyncIterable<Buffer>,
    cancel: () => {
      res.destroy()
    }
  }
}
