import { AppError } from '../../../shared/contract/errors'
import type { SystemdClient, SystemdClientOptions } from './client'
import type { BusConnector } from './connect'

/**
 * Connects, checks that a systemd manager is on the bus, runs `fn` and always closes the
 * connection. Throws SystemdUnavailable when there is no bus or no manager on it.
 */
export async function withSystemd<T>(connect: BusConnector, fn: (client: SystemdClient) => Promise<T>, opts?: SystemdClientOptions): Promise<T> {
  // The client and dbus-next (which it builds messages with) load with the first use, not
  // with every module that may talk to systemd (`hsc oomd status` where systemd is not init).
  const { SystemdClient } = await import('./client')
  let bus
  try {
    bus = await connect()
  } catch (err) {
    throw new AppError('SystemdUnavailable', `The system bus is not reachable: ${err instanceof Error ? err.message : String(err)}`, {
      stage: 'connect to the system bus',
      hint: 'Units can only be managed on a machine booted with systemd and running D-Bus.',
      cause: err
    })
  }
  const client = new SystemdClient(bus, opts)
  try {
    if (!(await client.isAvailable())) {
      throw new AppError('SystemdUnavailable', 'No systemd manager is on the system bus (org.freedesktop.systemd1 has no owner).', {
        stage: 'find systemd on the bus',
        hint: 'Units can only be managed on a machine booted with systemd.'
      })
    }
    return await fn(client)
  } finally {
    client.close()
    bus.disconnect()
  }
}
