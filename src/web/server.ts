import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { WS_PATH, type ServerMessage } from '../shared/ws-protocol'
import type { Router } from '../main/router'
import { serveConnection } from '../main/transport/connection'
import type { EventHub } from '../main/services/system/events'
import { staticHandler } from './static'
import { FIRST_REPORT_QUERY, type FirstReportBody } from '../shared/browser-boot'

export interface WebServerOptions {
  rendererDir: string
  router: Router
  hub: EventHub
  port?: number
  token?: string
}

export interface WebServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const MAX_MESSAGE = 1024 * 1024

function tokenMatches(expected: string, given: string | null): boolean {
  if (!given) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Live WebSockets per token (a page holds one; tests and people open several tabs). */
export const MAX_CONNECTIONS_PER_TOKEN = 16
/** Sessions one token may be exchanged for (a fresh browser profile or tab each time). */
export const MAX_SESSIONS_PER_TOKEN = 64
export const SESSION_PATH = '/session'

/** The only Host values served: loopback names with our port (DNS rebinding sends its own name). */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization
  return h && h.startsWith('Bearer ') ? h.slice('Bearer '.length) : null
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return undefined
}

/**
 * Browser mode: the built renderer on 127.0.0.1 and the contract over a WebSocket.
 * The printed URL carries the random token in its fragment, which browsers never send to a
 * server, never put in a Referer and the page removes from history at once. The page
 * exchanges it once (POST /session, Authorization header) for an HttpOnly SameSite=Strict
 * session cookie, which is what the WebSocket upgrade checks. Every request must name a
 * loopback Host with our port; the exchange and the upgrade must carry a matching Origin.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const sessions = new Set<string>()
  let live = 0
  const serveStatic = staticHandler(opts.rendererDir)
  const port = (): number => (server.address() as AddressInfo).port
  const cookieName = (): string => `hsc_session_${port()}`
  const hostOk = (req: IncomingMessage): boolean => allowedHosts(port()).includes(req.headers.host ?? '')
  const originOk = (req: IncomingMessage): boolean => req.headers.origin !== undefined && req.headers.origin === `http://${req.headers.host}`
  const sessionOk = (req: IncomingMessage): boolean => {
    const sid = cookie(req, cookieName())
    return sid !== undefined && sessions.has(sid)
  }

  const server = createServer((req, res) => {
    const plain = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }
    if (!hostOk(req)) {
      res.writeHead(421, plain).end('This server answers only to 127.0.0.1, localhost or [::1] with its own port.\n')
      return
    }
    const [pathname, query] = (req.url ?? '/').split('?', 2) as [string, string | undefined]
    if (pathname === SESSION_PATH) {
      if (req.method !== 'POST') return void res.writeHead(405, plain).end()
      if (query !== undefined && query !== FIRST_REPORT_QUERY) return void res.writeHead(400, plain).end(`Only ?${FIRST_REPORT_QUERY} is understood here.\n`)
      if (!originOk(req)) return void res.writeHead(403, plain).end('Origin missing or foreign.\n')
      if (!tokenMatches(token, bearer(req))) return void res.writeHead(401, plain).end('Wrong or missing token.\n')
      if (sessions.size >= MAX_SESSIONS_PER_TOKEN) return void res.writeHead(429, plain).end('Too many sessions for this token; restart hsc gui --browser.\n')
      const sid = randomBytes(32).toString('base64url')
      sessions.add(sid)
      const setCookie = `${cookieName()}=${sid}; HttpOnly; SameSite=Strict; Path=/`
      if (query === undefined) return void res.writeHead(204, { ...plain, 'Set-Cookie': setCookie }).end()
      // The page's first view is the Overview: its report rides on the exchange. The headers (and
      // the cookie) go out at once, so the page can open its WebSocket while the report is made.
      res.writeHead(200, { ...plain, 'Content-Type': 'application/json; charset=utf-8', 'Set-Cookie': setCookie })
      res.flushHeaders()
      void opts.router.call('inspect.report', {}).then((result) => {
        const body: FirstReportBody = { first: { method: 'inspect.report', result } }
        res.end(JSON.stringify(body))
      })
      return
    }
    void serveStatic(req, res)
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE })

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const refuse = (status: string): void => void socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    if (!hostOk(req) || !originOk(req)) return refuse('403 Forbidden')
    if (url.pathname !== WS_PATH || !sessionOk(req)) return refuse('401 Unauthorized')
    if (live >= MAX_CONNECTIONS_PER_TOKEN) return refuse('429 Too Many Requests')
    live++
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws))
  })

  const serveClient = (ws: WebSocket): void => {
    const send = (m: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m))
    }
    const connection = serveConnection(opts.router, opts.hub, send)
    ws.on('message', (data, isBinary) => {
      if (isBinary) return send({ t: 'error', message: 'malformed message ignored' })
      let msg: unknown
      try {
        msg = JSON.parse(data.toString())
      } catch {
        msg = undefined
      }
      connection.receive(msg)
    })
    ws.on('close', () => {
      live--
      connection.close()
    })
    ws.on('error', () => ws.terminate())
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const bound = port()
  return {
    port: bound,
    token,
    url: `http://127.0.0.1:${bound}/#token=${token}`,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
