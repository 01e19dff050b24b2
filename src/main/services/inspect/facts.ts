import type { CommandRunner } from '../system/command'
import type { RootFs } from '../system/rootfs'
import { SystemFacts } from '../system/facts'
import type { HardwareProbe } from './hardware'
import type { BusConnector } from '../systemd/connect'
import type { AnswerCache } from '../system/facts/answer-cache'
import { CUT } from '../system/facts/text'

export type { Sourced, KernelConfigFact } from '../system/facts'

export interface InspectDeps {
  fs: RootFs
  run: CommandRunner
  /** Hardware summary source; read from /proc and /sys on the live root by default. */
  hardware?: HardwareProbe
  /** The system bus, for what only a running systemd knows (its taint flags). */
  connect?: BusConnector
  /** Program answers kept between processes (system/facts/answer-cache). */
  answers?: AnswerCache
}

/** The shared system facts (services/system/facts) plus what only the inspector uses. */
export class Facts extends SystemFacts {
  declare readonly run: CommandRunner
  readonly hardware?: HardwareProbe
  readonly connect?: BusConnector

  constructor(deps: InspectDeps) {
    super(deps)
    this.hardware = deps.hardware
    this.connect = deps.connect
  }
}

export function errText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT') return 'missing'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code) return code
  return err instanceof Error ? err.message : String(err)
}

/** Evidence excerpts stay short: whole files belong in the file, not in the report. */
export function excerpt(text: string, maxLines = 12, maxChars = 1500): string {
  const lines = text.trim().split('\n')
  let out = lines.slice(0, maxLines).join('\n')
  if (out.length > maxChars) out = out.slice(0, maxChars) + CUT
  if (lines.length > maxLines) out += `\n${CUT} (${lines.length - maxLines} more line${lines.length - maxLines === 1 ? '' : 's'})`
  return out
}
