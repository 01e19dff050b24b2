/** CPU, memory and board summary; the only part of the report that comes from systeminformation. */
export interface HardwareSummary {
  cpu: { manufacturer: string; brand: string; cores: number; physicalCores: number; speedGHz: number }
  memory: { totalBytes: number; availableBytes: number }
  board: { manufacturer: string; model: string }
}

export type HardwareProbe = () => Promise<HardwareSummary>

let cached: Promise<HardwareSummary> | undefined

/**
 * systeminformation spawns helpers (dmidecode, lscpu-like reads) and takes tens of ms, so
 * it is imported lazily, started once per process, and shared by every later report: the
 * hardware does not change while the app runs. A failure clears the cache so a later
 * refresh can retry.
 */
export const systeminformationProbe: HardwareProbe = () => {
  if (!cached) {
    cached = (async () => {
      const si = (await import('systeminformation')).default
      const [cpu, mem, board] = await Promise.all([si.cpu(), si.mem(), si.baseboard()])
      return {
        cpu: { manufacturer: cpu.manufacturer, brand: cpu.brand, cores: cpu.cores, physicalCores: cpu.physicalCores, speedGHz: cpu.speed },
        memory: { totalBytes: mem.total, availableBytes: mem.available },
        board: { manufacturer: board.manufacturer, model: board.model }
      }
    })()
    cached.catch(() => {
      cached = undefined
    })
  }
  return cached
}

/** Starts the probe early (e.g. at app start) so the first report does not wait for it. */
export function prewarmHardware(): void {
  void systeminformationProbe().catch(() => undefined)
}
