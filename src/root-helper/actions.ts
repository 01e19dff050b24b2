/**
 * The root helper's whole vocabulary. argv carries only an action from this list and a file
 * name; content comes on stdin and is validated here again, whatever the app checked.
 */

export const ACTIONS = ['write-oomd-dropin', 'remove-oomd-dropin', 'enable-dnf-reflink'] as const
export type Action = (typeof ACTIONS)[number]

/** The one directory these actions touch, as components below the root. */
export const OOMD_DROPIN_DIR = ['etc', 'systemd', 'oomd.conf.d'] as const
export const DROPIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.conf$/

/** enable-dnf-reflink: one fixed file; the helper reads it itself and sets enabled=1. */
export const DNF_PLUGIN_DIR = ['etc', 'dnf', 'plugins'] as const

export interface Request {
  action: Action
  name: string
  /** Only for a caller that was already root (tests, --root trees); refused under pkexec. */
  root?: string
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Request {
  const action = argv[0]
  if (!(ACTIONS as readonly string[]).includes(action ?? ''))
    throw new UsageError(`unknown action ${JSON.stringify(action ?? '')} (allowed: ${ACTIONS.join(', ')})`)
  // enable-dnf-reflink names no file: the one it changes is fixed.
  const fixedName = action === 'enable-dnf-reflink'
  const name = fixedName ? 'reflink.conf' : argv[1]
  const rest = argv.slice(fixedName ? 1 : 2)
  if (!name || !DROPIN_NAME.test(name)) throw new UsageError(`invalid drop-in name ${JSON.stringify(name ?? '')}: a *.conf file name (letters, digits, . _ -)`)
  const req: Request = { action: action as Action, name }
  if (rest.length === 0) return req
  if (rest.length !== 2 || rest[0] !== '--root' || !rest[1].startsWith('/')) throw new UsageError('unexpected arguments (only --root /ABSOLUTE/DIR may follow)')
  // pkexec sets PKEXEC_UID: then the caller is not root and must not choose where root writes.
  if (env.PKEXEC_UID !== undefined) throw new UsageError('--root is only accepted from a caller that is already root, not through pkexec')
  req.root = rest[1]
  return req
}
