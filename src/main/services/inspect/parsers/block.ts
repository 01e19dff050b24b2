/** Parsers for block-layer and cgroup io files (Documentation/admin-guide/cgroup-v2.rst, block/queue-sysfs.rst). */

/** queue/scheduler: "none [mq-deadline] kyber bfq" → active in brackets. */
export function parseScheduler(text: string): { active?: string; available: string[] } {
  const words = text.trim().split(/\s+/).filter(Boolean)
  let active: string | undefined
  const available = words.map((w) => {
    if (w.length < 3 || !w.startsWith('[') || !w.endsWith(']')) return w
    active = w.slice(1, -1)
    return active
  })
  return { active, available }
}

/** io.cost.qos / io.cost.model / io.max lines: "MAJ:MIN key=value ..." per device. */
export function parseDeviceKeyed(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>()
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (!/^\d+:\d+$/.test(f[0] ?? '')) continue
    const kv: Record<string, string> = {}
    for (const w of f.slice(1)) {
      const eq = w.indexOf('=')
      if (eq > 0) kv[w.slice(0, eq)] = w.slice(eq + 1)
    }
    out.set(f[0], kv)
  }
  return out
}

/** An io.max line limits something unless every limit is "max". */
export function ioMaxLimits(kv: Record<string, string>): boolean {
  return Object.values(kv).some((v) => v !== 'max')
}
