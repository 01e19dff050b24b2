import type { Api, CallResult } from '../../../shared/contract'
import { AppError, fromErrorInfo } from '../../../shared/contract/errors'
import { WS_PATH, type ClientMessage, type ServerMessage } from '../../../shared/ws-protocol'

/**
 * The contract over browser mode's WebSocket. Reconnects after a drop; calls made while
 * disconnected wait for the socket (and fail after a timeout rather than hang forever).
 */
export function websocketApi(session: Promise<void>, host = location.host): Api {
  let ws: WebSocket | undefined
  let nextId = 1
  const pending = new Map<number, (r: CallResult<unknown>) => void>()
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  let opened: Promise<WebSocket> | undefined

  const connect = (): Promise<WebSocket> => {
    if (opened) return opened
    opened = session.then(
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          // The session cookie (set by the token exchange) authorises the upgrade; no token in the URL.
          const sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${host}${WS_PATH}`)
          sock.onopen = () => {
            ws = sock
            for (const event of listeners.keys()) send({ t: 'sub', event, on: true })
            resolve(sock)
          }
          sock.onmessage = (e) => {
            const msg = JSON.parse(String(e.data)) as ServerMessage
            if (msg.t === 'result') {
              pending.get(msg.id)?.(msg.result)
              pending.delete(msg.id)
            } else if (msg.t === 'event') {
              for (const l of listeners.get(msg.event) ?? []) l(msg.payload)
            }
          }
          sock.onclose = () => {
            ws = undefined
            opened = undefined
            for (const [id, done] of pending) {
              done({
                ok: false,
                error: {
                  name: 'ConnectionLost',
                  message: 'the connection to the Hyperscale Companion service was lost',
                  hint: 'Is `hsc gui --browser` still running?'
                }
              })
              pending.delete(id)
            }
            reject(new AppError('ConnectionRefused', 'cannot connect to the Hyperscale Companion service (wrong or expired link?)'))
            if (listeners.size) setTimeout(() => void connect().catch(() => undefined), 1000)
          }
        })
    )
    opened.catch(() => (opened = undefined))
    return opened
  }
  const send = (m: ClientMessage): void => ws?.send(JSON.stringify(m))

  return {
    async call(method, input) {
      await connect()
      const id = nextId++
      const result = await new Promise<CallResult<unknown>>((resolve) => {
        pending.set(id, resolve)
        send({ t: 'call', id, method, input })
      })
      if (!result.ok) throw fromErrorInfo(result.error)
      return result.value as never
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) {
        set = new Set()
        listeners.set(event, set)
        if (ws) send({ t: 'sub', event, on: true })
        else void connect().catch(() => undefined)
      }
      set.add(listener as (p: unknown) => void)
      return () => {
        set.delete(listener as (p: unknown) => void)
        if (set.size === 0) {
          listeners.delete(event)
          send({ t: 'sub', event, on: false })
        }
      }
    }
  }
}
