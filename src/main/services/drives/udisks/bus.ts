import { createRequire } from 'node:module'
import { sessionBus, type MessageBus } from 'dbus-next'
import { AppError } from '../../../../shared/contract/errors'
import { answerTimer } from '../../system/deadline'

export const DEFAULT_SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket'

export interface FdBusOptions {
  env?: Readonly<Record<string, string | undefined>>
  timeoutMs?: number
}

/** What dbus-next's connection exposes of the socket it made (not in its typings). */
interface StreamHolder {
  _connection?: { stream?: { supportsUnixFd?: boolean; ref?: () => void; unref?: () => void } }
}

/**
 * Whether the connection keeps the process alive (net.Socket#ref/unref semantics): an idle
 * connection must not hold the CLI or a stopping server open.
 */
export function setBusRef(bus: MessageBus, ref: boolean): void {
  const stream = (bus as unknown as StreamHolder)._connection?.stream
  if (ref) stream?.ref?.()
  else stream?.unref?.()
}

const INSTALL_HINT = 'Install it with: sudo dnf install udisks2 (Debian/Ubuntu: sudo apt install udisks2). It starts on demand over D-Bus.'

/**
 * The fd-passing socket dbus-next loads as `usocket` (our Node-API build in native/usocket).
 * Without it dbus-next silently uses a plain socket and OpenDevice could not hand us the fd.
 */
function fdSocketAvailable(): string | undefined {
  try {
    const require = createRequire(import.meta.url)
    const mod = require('usocket') as { USocket?: unknown }
    return typeof mod.USocket === 'function' ? undefined : 'the usocket module has no USocket export'
  } catch (err) {
    return (err as Error).message.split('\n')[0]
  }
}

/**
 * Connects to the system bus with unix-fd passing negotiated and waits for the Hello reply
 * (dbus-next reports a missing socket only as an 'error' event; without the wait a dead bus
 * would hang every call).
 */
export function connectFdBus(opts: FdBusOptions = {}): Promise<MessageBus> {
  const missing = fdSocketAvailable()
  if (missing) {
    return Promise.reject(
      new AppError('FdPassingUnavailable', `The native socket module for D-Bus file-descriptor passing is not built (${missing}).`, {
        stage: 'connect to the system bus',
        hint: 'Run "npm rebuild usocket" (needs a C compiler and the Node.js headers), then restart.'
      })
    )
  }
  const address = opts.env?.DBUS_SYSTEM_BUS_ADDRESS ?? process.env.DBUS_SYSTEM_BUS_ADDRESS ?? DEFAULT_SYSTEM_BUS
  const timeoutMs = opts.timeoutMs ?? 5000
  return new Promise((resolve, reject) => {
    let bus: MessageBus
    try {
      bus = sessionBus({ busAddress: address, negotiateUnixFd: true } as Parameters<typeof sessionBus>[0])
    } catch (err) {
      reject(unavailable(err))
      return
    }
    const timer = answerTimer(timeoutMs, () => finish(new Error(`no answer within ${timeoutMs} ms`)))
    const finish = (err?: unknown): void => {
      timer.cancel()
      bus.removeListener('connect', onConnect)
      if (err !== undefined) {
        try {
          bus.disconnect()
        } catch {
          // already closed
        }
        reject(unavailable(err))
        return
      }
      const fdOk = (bus as unknown as StreamHolder)._connection?.stream?.supportsUnixFd === true
      if (!fdOk) {
        bus.disconnect()
        reject(
          new AppError('FdPassingUnavailable', 'The system bus refused file-descriptor passing, which writing to a drive needs.', {
            stage: 'connect to the system bus',
            hint: 'Use the standard dbus-daemon or dbus-broker system bus over a local socket.'
          })
        )
        return
      }
      resolve(bus)
    }
    const onConnect = (): void => finish()
    // Kept for the bus lifetime: an 'error' event without a listener would crash the process.
    bus.on('error', (err: unknown) => finish(err ?? new Error('bus error')))
    bus.once('connect', onConnect)
  })
}

function unavailable(err: unknown): AppError {
  const detail = err instanceof Error ? err.message : String(err)
  return new AppError('UDisksUnavailable', `Cannot reach the system D-Bus, so UDisks2 is not available (${detail}).`, {
    stage: 'connect to the system bus',
    hint: `Writing drives needs the system bus and UDisks2. ${INSTALL_HINT}`
  })
}

export function udisksMissing(detail: string): AppError {
  return new AppError('UDisksUnavailable', `UDisks2 is not available on the system bus (${detail}).`, {
    stage: 'contact UDisks2',
    hint: `${INSTALL_HINT} This app never falls back to running as root.`
  })
}
