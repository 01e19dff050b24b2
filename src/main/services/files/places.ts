import { promises as fsp, constants as fsc } from 'node:fs'
import path from 'node:path'
import type { FileKind, FilePlaces, FileRoot, FileEntry } from '../../../shared/contract/files'
import { parseMountinfo } from '../inspect/parsers/mountinfo'
import { matchesKind } from './kinds'

/** What the chooser may look at, injected so tests point it at a temp home. */
export interface PlacesSource {
  home: string
  /** The folder downloads go to (Settings, else the default). */
  downloadDir(): Promise<string>
  /** /proc/self/mountinfo text, or undefined when unreadable. */
  mountinfo(): Promise<string | undefined>
  /** Paths of finished downloads, newest first. */
  recent(): Promise<string[]>
}

// Where desktops mount removable media: udisks2 uses /run/media/$USER/LABEL or
// /media/$USER/LABEL; people use /media/LABEL and /mnt/LABEL. Deeper mounts there are
// not media (container and tool mounts), so the depth is part of the rule.
const MEDIA_MOUNT = [/^\/run\/media\/[^/]+\/[^/]+$/, /^\/media\/[^/]+(\/[^/]+)?$/, /^\/mnt\/[^/]+$/]

async function readableDir(p: string): Promise<string | undefined> {
  try {
    const real = await fsp.realpath(p)
    if (!(await fsp.stat(real)).isDirectory()) return undefined
    await fsp.access(real, fsc.R_OK | fsc.X_OK)
    return real
  } catch {
    return undefined
  }
}

/** The places that exist and can be read; each real path once. */
export async function listRoots(src: PlacesSource): Promise<FileRoot[]> {
  const wanted: Array<Omit<FileRoot, 'path'> & { at: string }> = [
    { at: src.home, label: 'Home', kind: 'home' },
    { at: path.join(src.home, 'Downloads'), label: 'Downloads', kind: 'downloads' },
    { at: await src.downloadDir().catch(() => ''), label: 'Download folder', kind: 'download-folder' }
  ]
  for (const m of parseMountinfo((await src.mountinfo()) ?? '')) {
    if (MEDIA_MOUNT.some((re) => re.test(m.mountPoint))) {
      wanted.push({ at: m.mountPoint, label: path.basename(m.mountPoint), kind: 'media' })
    }
  }
  const roots: FileRoot[] = []
  for (const w of wanted) {
    if (!w.at || !path.isAbsolute(w.at)) continue
    const real = await readableDir(w.at)
    if (real && !roots.some((r) => r.path === real)) roots.push({ path: real, label: w.label, kind: w.kind })
  }
  return roots
}

/** True when `p` (a real path) is `root` or inside it. */
export function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : root + path.sep)
}

/** The most specific root holding a real path, if any. */
export function rootOf(p: string, roots: FileRoot[]): FileRoot | undefined {
  return roots.filter((r) => isInside(p, r.path)).sort((a, b) => b.path.length - a.path.length)[0]
}

export async function listPlaces(src: PlacesSource, kind: FileKind): Promise<FilePlaces> {
  const roots = await listRoots(src)
  const recent: FileEntry[] = []
  for (const p of (await src.recent().catch(() => [] as string[])).slice(0, 10)) {
    try {
      const real = await fsp.realpath(p)
      const st = await fsp.stat(real)
      if (!st.isFile()) continue
      await fsp.access(real, fsc.R_OK)
      if (recent.some((r) => r.path === real)) continue
      const name = path.basename(real)
      recent.push({ name, path: real, type: 'file', size: st.size, modified: st.mtime.toISOString(), matches: matchesKind(name, kind) })
    } catch {
      // A download that was moved or deleted is simply not offered.
    }
  }
  return { roots, recent }
}
