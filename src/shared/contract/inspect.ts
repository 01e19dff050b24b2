import { z } from 'zod'
import { method } from './define'
import type { CheckGroup } from './check-groups'

// Zod-free display tables live apart so the renderer's first chunk does not pull in zod.
export { checkGroupOrder, checkGroupTitles, type CheckGroup } from './check-groups'

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'unknown'

export interface Evidence {
  /** The file or command that was read, e.g. "/proc/cmdline" or "btrfs --version". */
  source: string
  /** What it said (trimmed excerpt). */
  excerpt: string
}

export interface Remedy {
  text: string
  /** The exact command, when one exists; shown with a copy button. Never executed from here. */
  command?: string
}

export interface Check {
  id: string
  group: CheckGroup
  title: string
  status: CheckStatus
  value: string
  evidence: Evidence[]
  remedy?: Remedy
  /** Structured facts for JSON consumers (stable keys per check id). */
  details?: Record<string, unknown>
  /** Set when the check cannot apply to this root (e.g. live hardware under a fixture root); status is then "unknown". */
  notApplicable?: boolean
}

export interface InspectReport {
  /** Schema version of this JSON; bump on breaking changes. */
  schema: 1
  generatedAt: string
  root: string
  durationMs: number
  checks: Check[]
  summary: { ok: number; warn: number; fail: number; unknown: number }
}

/** One line of a PSI pressure file (/proc/pressure/*, <cgroup>/*.pressure). Averages are percentages. */
export interface PressureAverages {
  avg10: number
  avg60: number
  avg300: number
  /** Total stall time in microseconds. */
  total: number
}

/** A parsed pressure file: "some" always; "full" for memory and io (and cpu since Linux 5.13). */
export interface Pressure {
  some: PressureAverages
  full?: PressureAverages
}

/** State of one kernel config option: y, m, "# ... is not set" (or absent), a string/number value, or no config found. */
export type KconfigState = 'builtin' | 'module' | 'not-set' | 'value' | 'unknown'

export interface ReflinkResult {
  path: string
  supported: boolean
  /** Filesystem type of the tested directory from statfs(2), e.g. "btrfs", "xfs", "tmpfs". */
  filesystem: string
  /** A sentence for people. */
  message: string
  /** The raw call and errno behind a failure. */
  detail?: string
}

const rootInput = z.object({ root: z.string().min(1).max(4096).optional() }).strict()

export const inspectMethods = {
  'inspect.report': method<InspectReport>()(rootInput),
  'inspect.exportMarkdown': method<string>()(rootInput),
  'inspect.reflinkTest': method<ReflinkResult>()(z.object({ path: z.string().min(1).max(4096) }).strict())
}
