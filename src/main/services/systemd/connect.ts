import type { MessageBus } from 'dbus-next'
import { answerTimer } from '../system/deadline'

export const DEFAULT_SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket'

/** Opens a bus connection; injected into services so tests can point them at a private bus. */
export type BusConnector = () => Promise<MessageBus>

export interface ConnectOptions {
  /** A D-Bus address; default $DBUS_SYSTEM_BUS_ADDRESS, then the standard system socket. */
  address?: string
  timeoutMs?: number
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * Connects and waits for the Hello reply. dbus-next connects lazily and reports a missing
 * socket only as an 'error' event, so without this a dead bus would hang every call.
 */
export async function connectBus(opts: ConnectOptions = {}): Promise<MessageBus> {
  const address = opts.address ?? opts.env?.DBUS_SYSTEM_BUS_ADDRESS ?? process.env.DBUS_SYSTEM_BUS_ADDRESS ?? DEFAULT_SYSTEM_BUS
  const timeoutMs = opts.timeoutMs ?? 3000
  // Loaded on the first connection, not with the handlers: `hsc inspect` on a machine without
  // systemd, and every command that never talks to the bus, skip its 400 KB (xml2js included).
  const dbus: typeof import('dbus-next') & { default?: typeof import('dbus-next') } = await import('dbus-next')
  // A CommonJS module: its exports are the default export (always, and only that when bundled).
  const { sessionBus } = dbus.default ?? dbus
  return new Promise((resolve, reject) => {
    let bus: MessageBus
    try {
      bus = sessionBus({ busAddress: address })
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)))
      return
    }
    const timer = answerTimer(timeoutMs, () => finish(new Error(`no answer from the bus at ${address} within ${timeoutMs} ms`)))
    const finish = (err?: Error): void => {
      timer.cancel()
      bus.removeListener('connect', onConnect)
      if (err) {
        try {
          bus.disconnect()
        } catch {
          // already closed
        }
        reject(err)
      } else resolve(bus)
    }
    const onConnect = (): void => finish()
    // Kept for the bus lifetime: an 'error' event without a listener would crash the process.
    bus.on('error', (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))))
    bus.once('connect', onConnect)
  })
}

/** A connector for the system bus (or the address in the environment). */
export function systemBusConnector(env?: Readonly<Record<string, string | undefined>>): BusConnector {
  return () => connectBus({ env })
}
