import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { isEventName } from '../shared/contract'
import { WS_PATH, type ClientMessage, type ServerMessage } from '../shared/ws-protocol'
import type { Router } from '../main/router'
import type { EventHub } from '../main/services/system/events'
import { staticHandler } from './static'

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

function parseClientMessage(raw: string): ClientMessage | undefined {
  let msg: unknown
  try {
    msg = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (!msg || typeof msg !== 'object') return undefined
  const m = msg as Record<string, unknown>
  if (m.t === 'call' && Number.isSafeInteger(m.id) && typeof m.method === 'string') {
    return { t: 'call', id: m.id as number, method: m.method, input: m.input }
  }
  if (m.t === 'sub' && typeof m.event === 'string' && typeof m.on === 'boolean') return { t: 'sub', event: m.event, on: m.on }
  return undefined
}

/**
 * Browser mode: the built renderer on 127.0.0.1 and the contract over a WebSocket that
 * refuses any connection without the random token printed in the URL.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const server = createServer(staticHandler(opts.rendererDir))
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE })

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const port = (server.address() as AddressInfo).port
    const origin = req.headers.origin
    const originOk = origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
    if (url.pathname !== WS_PATH || !tokenMatches(token, url.searchParams.get('token')) || !originOk) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws))
  })

  const serveClient = (ws: WebSocket): void => {
    const send = (m: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m))
    }
    const client = opts.hub.addClient((event, payload) => send({ t: 'event', event, payload }))
    ws.on('message', (data, isBinary) => {
      const msg = isBinary ? undefined : parseClientMessage(data.toString())
      if (!msg) {
        send({ t: 'error', message: 'malformed message ignored' })
        return
      }
      if (msg.t === 'sub') {
        if (!isEventName(msg.event)) return send({ t: 'error', message: `unknown event ${msg.event.slice(0, 80)}` })
        if (msg.on) opts.hub.subscribe(client, msg.event)
        else opts.hub.unsubscribe(client, msg.event)
        return
      }
      void opts.router.call(msg.method, msg.input).then((result) => send({ t: 'result', id: msg.id, result }))
    })
    ws.on('close', () => opts.hub.removeClient(client))
    ws.on('error', () => ws.terminate())
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
