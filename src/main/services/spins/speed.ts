/**
 * Smoothed transfer speed: an exponential moving average whose weight depends on the time
 * between samples (time constant `tauMs`), so irregular ticks don't skew it.
 */
export class SpeedMeter {
  private lastAt?: number
  private lastBytes = 0
  private startAt = 0
  private startBytes = 0
  private ema?: number

  constructor(private readonly tauMs = 3000) {}

  /** Records the byte count at time `now` (ms); returns the smoothed bytes/second. */
  sample(bytes: number, now: number): number | undefined {
    if (this.lastAt === undefined || bytes < this.lastBytes) {
      this.lastAt = this.startAt = now
      this.lastBytes = this.startBytes = bytes
      return this.ema
    }
    const dt = now - this.lastAt
    if (dt <= 0) return this.ema
    if (now - this.startAt < this.tauMs) {
      // Until one time constant has passed, the plain average since the start is the better
      // estimate (an average seeded with a slow first tick would take seconds to recover).
      this.ema = ((bytes - this.startBytes) * 1000) / (now - this.startAt)
    } else {
      const inst = ((bytes - this.lastBytes) * 1000) / dt
      const alpha = 1 - Math.exp(-dt / this.tauMs)
      this.ema = this.ema === undefined ? inst : this.ema + alpha * (inst - this.ema)
    }
    this.lastAt = now
    this.lastBytes = bytes
    return this.ema
  }

  reset(): void {
    this.lastAt = undefined
    this.lastBytes = 0
    this.ema = undefined
  }
}

export function etaSeconds(bytes: number, total: number | undefined, speed: number | undefined): number | undefined {
  if (total === undefined || speed === undefined || speed <= 0 || bytes > total) return undefined
  return Math.ceil((total - bytes) / speed)
}

export function percentOf(bytes: number, total: number | undefined): number | undefined {
  if (!total) return undefined
  return Math.min(100, Math.floor((bytes / total) * 1000) / 10)
}
