import { isEventName } from '../../shared/contract'
import type { ClientMessage, ServerMessage } from '../../shared/ws-protocol'
import type { Router } from '../router'
import type { EventHub } from '../services/system/events'

/** A wire message, checked field by field: anything else is dropped, never dispatched. */
export function parseClientMessage(msg: unknown): ClientMessage | undefined {
  if (!msg || typeof msg !== 'object') return undefined
  const m = msg as Record<string, unknown>
  if (m.t === 'call' && Number.isSafeInteger(m.id) && typeof m.method === 'string') {
    return { t: 'call', id: m.id as number, method: m.method, input: m.input }
  }
  if (m.t === 'sub' && typeof m.event === 'string' && typeof m.on === 'boolean') return { t: 'sub', event: m.event, on: m.on }
  return undefined
}

export interface Connection {
  /** One message from the peer (already decoded from its transport). */
  receive(msg: unknown): void
  /** The peer went away: its subscriptions end. */
  close(): void
}

/**
 * Serves the contract to one peer over any message channel: calls go through the router
 * (which validates), subscriptions through the event hub. Browser mode's WebSocket and the
 * service process's channel to its parent both use it: one set of wire rules.
 */
export function serveConnection(router: Router, hub: EventHub, send: (msg: ServerMessage) => void): Connection {
  const client = hub.addClient((event, payload) => send({ t: 'event', event, payload }))
  let open = true
  return {
    receive(raw) {
      if (!open) return
      const msg = parseClientMessage(raw)
      // The peer is told what was dropped; nothing malformed reaches the router or the hub.
      if (!msg) return send({ t: 'error', message: 'malformed message ignored' })
      if (msg.t === 'call') {
        void router.call(msg.method, msg.input).then((result) => open && send({ t: 'result', id: msg.id, result }))
      } else if (!isEventName(msg.event)) {
        send({ t: 'error', message: `unknown event ${msg.event.slice(0, 80)}` })
      } else if (msg.on) hub.subscribe(client, msg.event)
      else hub.unsubscribe(client, msg.event)
    },
    close() {
      open = false
      hub.removeClient(client)
    }
  }
}
