/** Human formatting shared by the CLI and the renderer, so both say the same thing. */

/**
 * Bytes as text. Binary units (MiB) for files, as sha256sum and dnf print them; `si` for
 * drives, whose capacity is sold and labelled in decimal GB.
 */
export function formatBytes(n: number | undefined, opts: { si?: boolean } = {}): string {
  if (n === undefined || !Number.isFinite(n)) return '?'
  const base = opts.si ? 1000 : 1024
  const units = opts.si ? ['B', 'kB', 'MB', 'GB', 'TB'] : ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let i = 0
  while (v >= base && i < units.length - 1) {
    v /= base
    i++
  }
  return `${i === 0 ? v : v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`
}

/** Remaining time: "42 s", "3:07", "1 h 05 min"; empty when unknown. */
export function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s) || s < 0) return ''
  const t = Math.round(s)
  if (t < 60) return `${t} s`
  if (t < 3600) return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`
  return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`
}

/** How long ago: "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function formatAge(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return ''
  if (s < 90) return 'just now'
  if (s < 5400) return `${Math.round(s / 60)} minutes ago`
  if (s < 129600) return `${Math.round(s / 3600)} hours ago`
  return `${Math.round(s / 86400)} days ago`
}
