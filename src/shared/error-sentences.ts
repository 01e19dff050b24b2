import type { ErrorInfo } from './contract/errors'
import { errnoText } from './errno-text'

type Shown = Pick<ErrorInfo, 'message' | 'hint' | 'detail'>

/** "settings.update: x", "validate: x", "validate input: x": internal names people should not read. */
const INTERNAL_PREFIX = /^(?:(?:[a-z]+\.)+[a-zA-Z.]+|validate(?: input)?): /
/** A D-Bus error name or bus name in parentheses: true, but not for people. */
const DBUS_PAREN = /\s*\((?:[^()]*\b(?:org|com|net)\.freedesktop\.[^()]*)\)/g
/** Node's "ENOENT: no such file or directory, open '/x'" style. */
const NODE_ERRNO = /^(E[A-Z]+): [^,]+(?:, \w+ '([^']+)')?/

const KNOWN: Array<[RegExp, Shown]> = [
  [
    /No systemd manager is on the system bus|System has not been booted with systemd/i,
    {
      message: 'systemd is not running on this machine, so services cannot be turned on or off from here.',
      hint: 'This works on a machine booted with systemd (CentOS Stream is).'
    }
  ]
]

/**
 * Turns an error as services throw it into what people read first: a sentence, what to do,
 * and the raw text kept as detail. Errors that already are sentences pass unchanged.
 */
export function humanizeError(e: Shown & { name?: string }): Shown {
  const raw = e.message ?? ''
  for (const [re, shown] of KNOWN) {
    if (re.test(raw)) {
      return { message: shown.message, hint: e.hint ?? shown.hint, detail: e.detail ?? raw }
    }
  }
  let message = raw.replace(INTERNAL_PREFIX, '')
  let detail = e.detail
  const node = NODE_ERRNO.exec(message)
  if (node) {
    const t = errnoText(node[1], node[2] ? `"${node[2].replace(/^.*\//, '')}"` : 'The file')
    if (t) return { message: t.message, hint: e.hint ?? t.hint, detail: detail ?? raw }
  }
  if (DBUS_PAREN.test(message)) {
    detail = detail ?? raw
    message = message.replace(DBUS_PAREN, '')
  }
  if (e.name === 'ValidationError') {
    // "downloadDir: must be an absolute path" reads as a sentence with the field named.
    const m = /^([\w.]+): (.+)$/.exec(message)
    if (m) message = `"${m[1]}" was not accepted: ${m[2].replace(/[.]?$/, '.')}`
  }
  return { message, hint: e.hint, detail }
}
