import { argValue, parseCmdline, type KernelArg } from '../../inspect/parsers/cmdline'
import type { RootFs } from '../rootfs'
import { isPlainText, preview } from './text'

export interface CmdlineFact {
  source: '/proc/cmdline'
  state: 'ok' | 'missing' | 'unreadable' | 'unparseable'
  /** The text as read (trimmed); set for "ok". */
  text?: string
  kernel: KernelArg[]
  init: string[]
  /** Why the state is not "ok", as a sentence fragment. */
  reason?: string
}

/** Linux's longest command line is a few KiB (COMMAND_LINE_SIZE); far more is not a command line. */
const MAX_CMDLINE_BYTES = 64 * 1024

/** /proc/cmdline, parsed once for every consumer; bytes that are not printable text are "unparseable", not parameters. */
export async function readCmdline(fs: RootFs): Promise<CmdlineFact> {
  const base = { source: '/proc/cmdline' as const, kernel: [], init: [] }
  const r = await fs.read('/proc/cmdline', { maxBytes: MAX_CMDLINE_BYTES })
  if (!r.ok) return { ...base, state: r.why === 'missing' ? 'missing' : 'unreadable', reason: r.reason }
  if (!isPlainText(r.data)) return { ...base, state: 'unparseable', reason: `not a kernel command line (binary data: ${preview(r.data, 40)})` }
  const text = r.data.toString().trim()
  if (text.includes('\n')) return { ...base, state: 'unparseable', reason: 'not a kernel command line (more than one line)' }
  const parsed = parseCmdline(text)
  return { ...base, state: 'ok', text, kernel: parsed.kernel, init: parsed.init }
}

/** A parameter's effective value, or undefined when the command line is unknown or lacks it. */
export const cmdArg = (c: CmdlineFact | undefined, key: string): string | undefined => (c?.state === 'ok' ? argValue(c.kernel, key) : undefined)
