/** Small parsers for one-table /proc files. */
import { unescapeOctal } from './mountinfo'

export interface SwapEntry {
  filename: string
  type: string
  sizeKiB: number
  usedKiB: number
  priority: number
  /** Swap on a compressed RAM disk (/dev/zramN). */
  zram: boolean
}

/** /proc/swaps: a header line, then "Filename Type Size Used Priority" (sizes in KiB). */
export function parseSwaps(text: string): SwapEntry[] {
  const out: SwapEntry[] = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 5) continue
    const filename = unescapeOctal(f[0])
    out.push({ filename, type: f[1], sizeKiB: Number(f[2]), usedKiB: Number(f[3]), priority: Number(f[4]), zram: /^\/dev\/zram\d+$/.test(filename) })
  }
  return out
}

/** A line's key, a colon, blanks (white space within the line) and digits: anchored at a line start without the m flag, whose ^ also matches after a carriage return. */
const MEMINFO_LINE = /(?<![^\n])([A-Za-z0-9_()]+):[^\S\n]+(\d+)/g

/**
 * /proc/meminfo: "Key:   value kB" → value in KiB (or a plain count for HugePages_*). One
 * pattern over the whole text: cold, splitting it and matching line by line was most of the
 * time of the checks that read it (#15). A report parses it once (SystemFacts.meminfo).
 */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {}
  MEMINFO_LINE.lastIndex = 0
  for (let m = MEMINFO_LINE.exec(text); m; m = MEMINFO_LINE.exec(text)) out[m[1]] = Number(m[2])
  return out
}

export interface ProcCgroup {
  name: string
  /** 0 = not bound to a v1 hierarchy (on v2, or unused). */
  hierarchy: number
  numCgroups: number
  enabled: boolean
}

/** /proc/cgroups: "#subsys_name hierarchy num_cgroups enabled". */
export function parseProcCgroups(text: string): ProcCgroup[] {
  const out: ProcCgroup[] = []
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue
    const f = line.trim().split(/\s+/)
    if (f.length < 4) continue
    out.push({ name: f[0], hierarchy: Number(f[1]), numCgroups: Number(f[2]), enabled: f[3] === '1' })
  }
  return out
}

/** /proc/filesystems: "nodev\tname" or "\tname". */
export function parseFilesystems(text: string): Array<{ name: string; nodev: boolean }> {
  const out: Array<{ name: string; nodev: boolean }> = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (!f[0]) continue
    if (f[0] === 'nodev' && f[1]) out.push({ name: f[1], nodev: true })
    else out.push({ name: f[0], nodev: false })
  }
  return out
}

/** /proc/modules: loaded (loadable) modules; built-in ones never appear here. */
export function parseModules(text: string): string[] {
  const out: string[] = []
  for (const line of text.split('\n')) {
    const name = line.split(' ', 1)[0]
    if (name) out.push(name)
  }
  return out
}

/** /etc/fstab entries (fs_spec fs_file fs_vfstype fs_mntops ...). */
export function parseFstab(text: string): Array<{ spec: string; file: string; type: string; options: string }> {
  const out: Array<{ spec: string; file: string; type: string; options: string }> = []
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (!t || t.startsWith('#')) continue
    const f = t.split(/\s+/)
    if (f.length < 3) continue
    out.push({ spec: f[0], file: f[1], type: f[2], options: f[3] ?? 'defaults' })
  }
  return out
}
