import { promises as fsp, constants as fsc, type Dirent } from 'node:fs'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { FileEntry, FileKind, FileListing } from '../../../shared/contract/files'
import { errnoCode, errnoText } from '../../../shared/errno-text'
import { matchesKind } from './kinds'
import { isInside, listRoots, rootOf, type PlacesSource } from './places'

const MAX_ENTRIES = 1000

const outside = (): AppError =>
  new AppError('OutsidePlaces', 'This folder is not inside one of the places the file chooser shows.', {
    hint: 'Start from Home, Downloads, the download folder or a mounted drive, or type the full path.'
  })

async function entryOf(dir: string, d: Dirent, kind: FileKind, rootPath: string): Promise<FileEntry | undefined> {
  const full = path.join(dir, d.name)
  // A link is shown only when its target stays inside the same place: no way out via symlinks.
  const real = d.isSymbolicLink() ? await fsp.realpath(full).catch(() => undefined) : full
  if (!real || !isInside(real, rootPath)) return undefined
  const st = await fsp.stat(real).catch(() => undefined)
  if (!st) return undefined
  if (st.isDirectory()) {
    const ok = await fsp.access(real, fsc.R_OK | fsc.X_OK).then(
      () => true,
      () => false
    )
    return ok ? { name: d.name, path: real, type: 'dir', modified: st.mtime.toISOString(), matches: false } : undefined
  }
  if (!st.isFile()) return undefined
  const ok = await fsp.access(real, fsc.R_OK).then(
    () => true,
    () => false
  )
  if (!ok) return undefined
  return { name: d.name, path: real, type: 'file', size: st.size, modified: st.mtime.toISOString(), matches: matchesKind(d.name, kind) }
}

/** Lists one folder inside the places; hidden, unreadable and escaping entries are counted, not shown. */
export async function listFolder(src: PlacesSource, input: { path: string; kind: FileKind; hidden: boolean }): Promise<FileListing> {
  const roots = await listRoots(src)
  let real: string
  try {
    real = await fsp.realpath(path.resolve('/', input.path))
  } catch (err) {
    const t = errnoText(errnoCode(err), 'This folder') ?? { message: 'This folder cannot be opened.' }
    throw new AppError('FolderUnreadable', t.message, { hint: t.hint, detail: (err as Error).message })
  }
  const root = rootOf(real, roots)
  if (!root) throw outside()
  let dirents: Dirent[]
  try {
    dirents = await fsp.readdir(real, { withFileTypes: true })
  } catch (err) {
    const t = errnoText(errnoCode(err), path.basename(real) || real) ?? { message: `${real} cannot be opened.` }
    throw new AppError('FolderUnreadable', t.message, { hint: t.hint, detail: (err as Error).message })
  }
  let skipped = 0
  const entries: FileEntry[] = []
  for (const d of dirents) {
    if (!input.hidden && d.name.startsWith('.')) {
      skipped++
      continue
    }
    const e = await entryOf(real, d, input.kind, root.path)
    if (e) entries.push(e)
    else skipped++
  }
  entries.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }) : a.type === 'dir' ? -1 : 1))
  const parent = path.dirname(real)
  return {
    path: real,
    root,
    // Up stays possible while the folder above is still a place (Downloads -> Home).
    parent: parent !== real && rootOf(parent, roots) ? parent : undefined,
    entries: entries.slice(0, MAX_ENTRIES),
    skipped,
    truncated: entries.length > MAX_ENTRIES
  }
}
