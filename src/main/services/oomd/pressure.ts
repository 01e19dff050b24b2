import type { OomdPressureSample, PressureStats } from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'

export interface PressureFile {
  some: PressureStats | null
  full: PressureStats | null
}

/** Parses a /proc/pressure/* file: "some avg10=… avg60=… avg300=… total=…" and a "full" line. */
export function parsePressure(text: string): PressureFile {
  const out: PressureFile = { some: null, full: null }
  for (const line of text.split('\n')) {
    const m = /^(some|full)\s+(.*)$/.exec(line.trim())
    if (!m) continue
    const fields = Object.fromEntries(
      m[2]
        .split(/\s+/)
        .map((kv) => kv.split('='))
        .filter((kv) => kv.length === 2)
    ) as Record<string, string>
    const stats: PressureStats = {
      avg10: Number(fields.avg10),
      avg60: Number(fields.avg60),
      avg300: Number(fields.avg300),
      total: Number(fields.total)
    }
    if (Object.values(stats).some((v) => !Number.isFinite(v))) continue
    out[m[1] as 'some' | 'full'] = stats
  }
  return out
}

/** One reading of /proc/pressure/memory; a failed read becomes a sample with `error`. */
export async function samplePressure(fs: RootFs, now: () => number = Date.now): Promise<OomdPressureSample> {
  const t = now()
  try {
    const p = parsePressure(await fs.readText('/proc/pressure/memory'))
    if (!p.some) return { t, some: null, full: null, error: '/proc/pressure/memory has no "some" line' }
    return { t, some: p.some, full: p.full }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { t, some: null, full: null, error: `cannot read /proc/pressure/memory (${code ?? String(err)})` }
  }
}

/**
 * Starts sampling every `intervalMs` (first sample at once) and returns the stop function,
 * the shape EventHub.produce expects. Reads never overlap: a slow read delays the next one.
 */
export function startPressureSampler(fs: RootFs, emit: (s: OomdPressureSample) => void, intervalMs = 2000): () => void {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const tick = async (): Promise<void> => {
    const sample = await samplePressure(fs)
    if (stopped) return
    emit(sample)
    timer = setTimeout(() => void tick(), intervalMs)
  }
  void tick()
  return () => {
    stopped = true
    if (timer) clearTimeout(timer)
  }
}
