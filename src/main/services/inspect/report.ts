import type { Check, InspectReport } from '../../../shared/contract'
import type { CommandRunner } from '../system/command'
import type { RootFs } from '../system/rootfs'
import { osCheck } from './checks/os'

export interface InspectDeps {
  fs: RootFs
  run: CommandRunner
}

/** Runs every check concurrently; one failing check becomes "unknown", never a failed report. */
export async function runInspection(deps: InspectDeps): Promise<InspectReport> {
  const started = performance.now()
  const producers: Array<(d: InspectDeps) => Promise<Check[]>> = [osCheck]
  const results = await Promise.all(producers.map((p) => p(deps)))
  const checks = results.flat()
  const summary = { ok: 0, warn: 0, fail: 0, unknown: 0 }
  for (const c of checks) summary[c.status]++
  return {
    schema: 1,
    generatedAt: new Date().toISOString(),
    root: deps.fs.root,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    checks,
    summary
  }
}
