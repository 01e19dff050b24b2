import type { RootFs } from '../system/rootfs'

/**
 * sd_booted(3): systemd is this system's init exactly when /run/systemd/system/ is a
 * directory. Without it no manager can answer on the bus, so callers skip the connection
 * (and the D-Bus client's load) instead of waiting for a refusal. An offline root has no
 * running init to ask.
 */
export async function systemdBooted(fs: RootFs): Promise<boolean> {
  return fs.isLive && Boolean((await fs.stat('/run/systemd/system'))?.isDirectory())
}

/**
 * For callers that may skip the bus: a bus the environment names is always asked (tests'
 * stand-ins, a chosen bus); the standard one only where systemd is init.
 */
export function managerMayAnswer(env: Readonly<Record<string, string | undefined>>, fs: RootFs): (() => Promise<boolean>) | undefined {
  return env.DBUS_SYSTEM_BUS_ADDRESS ? undefined : () => systemdBooted(fs)
}
