import { isUtf8 } from 'node:buffer'
import path from 'node:path'
import type { RootFs } from '../system/rootfs'

/** systemd's CONF_PATHS, highest priority first (path-lookup.h). */
export const CONF_DIRS = ['/etc', '/run', '/usr/local/lib', '/usr/lib'] as const

/** The system manager's unit search path without generators, highest priority first (systemd.unit(5)). */
export const SYSTEM_UNIT_DIRS = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  // Split-/usr systems (and Debian packages) still install here.
  '/lib/systemd/system'
] as const

/** The user manager's system-wide unit directories, highest priority first. */
export const USER_UNIT_DIRS = ['/etc/systemd/user', '/run/systemd/user', '/usr/local/lib/systemd/user', '/usr/lib/systemd/user'] as const

export interface Unreadable {
  path: string
  reason: string
}

export interface ConfFile {
  path: string
  text: string
  /** Not valid text: systemd would reject its lines one by one. */
  binary?: boolean
}

/**
 * Reads a config file under the root. A symlink to /dev/null or an empty file is a mask
 * (systemd's null_or_empty) and yields undefined; links are followed inside the root, as
 * systemd's chase does with --root. A file that is not valid text (NUL bytes, invalid
 * UTF-8) is returned with `binary` set, so callers report it instead of skipping it silently.
 */
export async function readConf(fs: RootFs, systemPath: string): Promise<{ text?: string; masked: boolean; exists: boolean; binary?: boolean; error?: string }> {
  let target: string
  try {
    target = (await fs.chase(systemPath)).system
  } catch (err) {
    return { masked: false, exists: true, error: (err as Error).message }
  }
  if (target === '/dev/null') return { masked: true, exists: true }
  const r = await fs.read(target, { maxBytes: MAX_CONF_BYTES })
  if (!r.ok) return r.why === 'missing' ? { masked: false, exists: false } : { masked: false, exists: true, error: r.reason }
  if (r.data.length === 0) return { masked: true, exists: true }
  return { text: r.data.toString('utf8'), masked: false, exists: true, binary: !isText(r.data) }
}

/** Config files are small; a larger one is not something systemd would be handed on purpose. */
const MAX_CONF_BYTES = 1024 * 1024

/** Text as systemd's config reader accepts it: valid UTF-8, no NUL bytes (Node's native UTF-8 check). */
export function isText(data: Buffer): boolean {
  return !data.includes(0) && isUtf8(data)
}

/**
 * conf_files_list_strv: every `*.conf` in the given directories (highest priority first),
 * one file per name (the first directory wins, masks included), sorted by file name.
 * Masks (symlinks to /dev/null, empty files) take their name but contribute nothing.
 */
export async function listDropInsWithMasks(fs: RootFs, dirs: readonly string[]): Promise<{ files: ConfFile[]; masked: string[]; unreadable: Unreadable[] }> {
  const chosen = new Map<string, string>()
  for (const dir of dirs) {
    for (const name of await fs.list(dir)) {
      if (!name.endsWith('.conf') || chosen.has(name)) continue
      chosen.set(name, path.posix.join(dir, name))
    }
  }
  const files: ConfFile[] = []
  const masked: string[] = []
  const unreadable: Unreadable[] = []
  for (const name of [...chosen.keys()].sort()) {
    const p = chosen.get(name) as string
    const r = await readConf(fs, p)
    if (r.text !== undefined) files.push({ path: p, text: r.text, ...(r.binary ? { binary: true } : {}) })
    else if (r.masked) masked.push(p)
    else if (r.error) unreadable.push({ path: p, reason: r.error })
  }
  return { files, masked, unreadable }
}

export async function listDropIns(fs: RootFs, dirs: readonly string[]): Promise<ConfFile[]> {
  return (await listDropInsWithMasks(fs, dirs)).files
}

/**
 * The files systemd reads for a "systemd/NAME.conf" style config: the first main file found
 * in /etc, /run, /usr/local/lib, /usr/lib, then the NAME.conf.d drop-ins of all four.
 */
export async function standardConfigFiles(fs: RootFs, relative: string): Promise<{ files: ConfFile[]; masked: string[]; unreadable: Unreadable[] }> {
  const files: ConfFile[] = []
  const masked: string[] = []
  const unreadable: Unreadable[] = []
  for (const dir of CONF_DIRS) {
    const p = `${dir}/${relative}`
    const r = await readConf(fs, p)
    if (!r.exists) continue
    if (r.text !== undefined) files.push({ path: p, text: r.text, ...(r.binary ? { binary: true } : {}) })
    else if (r.masked) masked.push(p)
    else if (r.error) unreadable.push({ path: p, reason: r.error })
    break
  }
  const dropIns = await listDropInsWithMasks(
    fs,
    CONF_DIRS.map((d) => `${d}/${relative}.d`)
  )
  return { files: [...files, ...dropIns.files], masked: [...masked, ...dropIns.masked], unreadable: [...unreadable, ...dropIns.unreadable] }
}

/** Drop-in directory names for a unit: itself, its template, its dash prefixes (systemd's unit_file_find_dirs). */
export function dropInNames(unit: string): string[] {
  const dot = unit.lastIndexOf('.')
  const type = unit.slice(dot + 1)
  const names = [unit]
  const at = unit.indexOf('@')
  const isInstance = at > 0 && at < dot - 1
  if (isInstance) names.push(`${unit.slice(0, at + 1)}.${type}`)
  let prefix = at > 0 ? unit.slice(0, at) : unit.slice(0, dot)
  let chopped = false
  for (;;) {
    const dash = prefix.lastIndexOf('-')
    if (dash <= 0) break
    if (dash !== prefix.length - 1 || chopped) {
      prefix = prefix.slice(0, dash + 1)
      const instance = isInstance ? unit.slice(at + 1, dot) : null
      const built = instance !== null ? `${prefix}@${instance}.${type}` : `${prefix}.${type}`
      for (const n of dropInNames(built)) if (!names.includes(n)) names.push(n)
      break
    }
    prefix = prefix.slice(0, dash)
    chopped = true
  }
  return names
}

export interface UnitFiles {
  /** The fragment systemd loads, null when none exists (slices may be implicit). */
  unitFile: ConfFile | null
  masked: boolean
  dropIns: ConfFile[]
}

/** The unit file and all drop-ins that apply to `unit`, in the order systemd applies them. */
export async function unitFiles(fs: RootFs, unit: string, unitDirs: readonly string[]): Promise<UnitFiles> {
  const dot = unit.lastIndexOf('.')
  const type = unit.slice(dot + 1)
  const at = unit.indexOf('@')
  const template = at > 0 && at < dot - 1 ? `${unit.slice(0, at + 1)}.${type}` : null
  let unitFile: ConfFile | null = null
  let masked = false
  search: for (const name of template ? [unit, template] : [unit]) {
    for (const dir of unitDirs) {
      const p = `${dir}/${name}`
      const r = await readConf(fs, p)
      if (!r.exists) continue
      if (r.masked) masked = true
      else if (r.text !== undefined) unitFile = { path: p, text: r.text }
      break search
    }
  }
  const names = dropInNames(unit)
  const dirs: string[] = []
  for (const dir of unitDirs) for (const n of names) dirs.push(`${dir}/${n}.d`)
  // The top-level "<type>.d" comes last: the most generic, overridden by any specific drop-in.
  for (const dir of unitDirs) dirs.push(`${dir}/${type}.d`)
  return { unitFile, masked, dropIns: masked ? [] : await listDropIns(fs, dirs) }
}
