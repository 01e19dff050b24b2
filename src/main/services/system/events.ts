import type { EventName, EventPayload } from '../../../shared/contract'

/** One connected client of any transport (an Electron window, a WebSocket, the CLI). */
export interface EventClient {
  send(event: string, payload: unknown): void
  readonly subscriptions: Set<string>
}

type Producer = () => () => void

/**
 * Fans service events out to the clients that subscribed to them. A producer registered
 * with `produce` runs only while at least one client listens (e.g. pressure sampling).
 */
export class EventHub {
  private readonly clients = new Set<EventClient>()
  private readonly producers = new Map<string, Producer>()
  private readonly running = new Map<string, () => void>()
  private readonly firstSubscribe: ((event: string) => void)[] = []

  /**
   * Called when a client subscribes to an event: lets lazily loaded capabilities register
   * their producers before anyone has called one of their methods.
   */
  onSubscribe(hook: (event: string) => void): void {
    this.firstSubscribe.push(hook)
  }

  addClient(send: EventClient['send']): EventClient {
    const client: EventClient = { send, subscriptions: new Set() }
    this.clients.add(client)
    return client
  }

  removeClient(client: EventClient): void {
    this.clients.delete(client)
    for (const event of client.subscriptions) this.refresh(event)
  }

  subscribe(client: EventClient, event: string): void {
    client.subscriptions.add(event)
    for (const hook of this.firstSubscribe) hook(event)
    this.refresh(event)
  }

  unsubscribe(client: EventClient, event: string): void {
    client.subscriptions.delete(event)
    this.refresh(event)
  }

  listenerCount(event: string): number {
    let n = 0
    for (const c of this.clients) if (c.subscriptions.has(event)) n++
    return n
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const c of this.clients) {
      if (!c.subscriptions.has(event)) continue
      try {
        c.send(event, payload)
      } catch {
        // A client that went away mid-send is removed by its transport; others still get the event.
      }
    }
  }

  produce(event: EventName, start: Producer): void {
    this.producers.set(event, start)
    this.refresh(event)
  }

  /** Stops every producer (app shutdown, test teardown). */
  close(): void {
    for (const stop of this.running.values()) stop()
    this.running.clear()
    this.clients.clear()
  }

  private refresh(event: string): void {
    const wanted = this.listenerCount(event) > 0
    const stop = this.running.get(event)
    if (wanted && !stop) {
      const start = this.producers.get(event)
      if (start) this.running.set(event, start())
    } else if (!wanted && stop) {
      this.running.delete(event)
      stop()
    }
  }
}
