/** One line of /proc/<pid>/mountinfo (proc(5)). */
export interface MountEntry {
  id: number
  parentId: number
  majorMinor: string
  /** Path inside the filesystem that is mounted here (for btrfs the subvolume path). */
  root: string
  mountPoint: string
  mountOptions: string[]
  fsType: string
  source: string
  superOptions: string[]
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
// Only a field with a backslash has an escape: most have none, and the pattern then never runs
// (run on every field, it was compiled twice over in a cold report, #15).
export const unescapeOctal = (s: string): string => (s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) : s)

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const f = line.trim().split(' ')
    const dash = f.indexOf('-', 6)
    if (f.length < 10 || dash < 0 || dash + 3 > f.length) continue
    out.push({
      id: Number(f[0]),
      parentId: Number(f[1]),
      majorMinor: f[2],
      root: unescapeOctal(f[3]),
      mountPoint: unescapeOctal(f[4]),
      mountOptions: f[5].split(','),
      fsType: f[dash + 1],
      source: unescapeOctal(f[dash + 2]),
      superOptions: (f[dash + 3] ?? '').split(',').filter(Boolean)
    })
  }
  return out
}

/** Value of "key=value" in a mount's superblock options, or true for a bare flag, or undefined. */
export function mountOption(m: MountEntry, key: string): string | true | undefined {
  for (const o of m.superOptions) {
    if (o === key) return true
    if (o.startsWith(key + '=')) return o.slice(key.length + 1)
  }
  return undefined
}

/**
 * The mount that holds `systemPath`: the longest mount point that is a prefix of it, and
 * among equal mount points the last one listed (later mounts hide earlier ones).
 */
export function mountFor(mounts: MountEntry[], systemPath: string): MountEntry | undefined {
  let best: MountEntry | undefined
  for (const m of mounts) {
    const mp = m.mountPoint
    const inside = mp === '/' || systemPath === mp || systemPath.startsWith(mp.endsWith('/') ? mp : mp + '/')
    if (!inside) continue
    if (!best || mp.length >= best.mountPoint.length) best = m
  }
  return best
}
