import type { OomdPressureSample } from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'
import { parsePressure } from '../inspect/parsers/pressure'

/** One reading of /proc/pressure/memory; a failed read becomes a sample with `error`. */
export async function samplePressure(fs: RootFs, now: () => number = Date.now): Promise<OomdPressureSample> {
  const t = now()
  let text: string
  try {
    text = await fs.readText('/proc/pressure/memory')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { t, some: null, full: null, error: `cannot read /proc/pressure/memory (${code ?? String(err)})` }
  }
  try {
    const p = parsePressure(text, '/proc/pressure/memory')
    return { t, some: p.some, full: p.full ?? null }
  } catch (err) {
    return { t, some: null, full: null, error: err instanceof Error ? err.message : String(err) }
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
