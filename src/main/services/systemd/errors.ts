import { AppError } from '../../../shared/contract/errors'

/** The D-Bus error names polkit-guarded systemd calls fail with when the user says no. */
const DECLINED = new Set([
  'org.freedesktop.DBus.Error.AccessDenied',
  'org.freedesktop.systemd1.NotAuthorized',
  'org.freedesktop.PolicyKit1.Error.NotAuthorized',
  'org.freedesktop.DBus.Error.AuthFailed'
])
const NEEDS_AGENT = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'
const UNREACHABLE = new Set([
  'org.freedesktop.DBus.Error.ServiceUnknown',
  'org.freedesktop.DBus.Error.NameHasNoOwner',
  'org.freedesktop.DBus.Error.NoServer',
  'org.freedesktop.DBus.Error.Disconnected',
  'org.freedesktop.DBus.Error.NoReply',
  'org.freedesktop.DBus.Error.Timeout',
  'org.freedesktop.DBus.Error.TimedOut'
])
const NO_UNIT = new Set(['org.freedesktop.systemd1.NoSuchUnit', 'org.freedesktop.systemd1.LoadFailed', 'org.freedesktop.DBus.Error.FileNotFound'])

/** Shape of dbus-next's DBusError without importing the class (it is not always the same instance). */
export function dbusErrorName(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'type' in err && typeof (err as { type: unknown }).type === 'string') {
    return (err as { type: string }).type
  }
  return undefined
}

function dbusErrorText(err: unknown): string {
  if (err && typeof err === 'object' && 'text' in err && typeof (err as { text: unknown }).text === 'string') {
    return (err as { text: string }).text
  }
  return err instanceof Error ? err.message : String(err)
}

/**
 * Turns a failed systemd1 call into an error a person can act on. `what` names the
 * operation in plain words ("enable systemd-oomd"), `stage` the D-Bus method.
 */
export function mapSystemdError(err: unknown, what: string, stage: string): AppError {
  if (err instanceof AppError) return err
  const name = dbusErrorName(err)
  const text = dbusErrorText(err)
  if (name && DECLINED.has(name)) {
    return new AppError('AuthorizationDeclined', `Authorization declined: not allowed to ${what}.`, {
      stage,
      hint: 'An administrator has to approve the authentication prompt. Nothing was changed by this step.',
      cause: err
    })
  }
  if (name === NEEDS_AGENT) {
    return new AppError(
      'AuthorizationDeclined',
      `Authorization declined: to ${what} an administrator must authenticate, but no authentication agent could ask.`,
      {
        stage,
        hint: 'Run the app in a desktop session with a polkit authentication agent, or run the command as an administrator.',
        cause: err
      }
    )
  }
  if (name && UNREACHABLE.has(name)) {
    return new AppError('SystemdUnavailable', `Could not ${what}: systemd is not reachable on the system bus (${text}).`, {
      stage,
      hint: 'Units can only be started and stopped on a machine booted with systemd.',
      cause: err
    })
  }
  if (name && NO_UNIT.has(name)) {
    return new AppError('UnitNotFound', `Could not ${what}: ${text}`, {
      stage,
      hint: 'Install the package that provides the unit, then try again.',
      cause: err
    })
  }
  return new AppError('SystemdError', `Could not ${what}: ${text}${name ? ` (${name})` : ''}`, { stage, cause: err })
}
