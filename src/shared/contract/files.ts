import { z } from 'zod'
import { method } from './define'

/** What a chooser is looking for: it decides which files are offered first. */
export const fileKinds = ['image', 'checksum', 'any'] as const
export type FileKind = (typeof fileKinds)[number]

/** A place the server-side chooser may show: nothing outside these roots is ever listed. */
export interface FileRoot {
  /** Absolute real path (symlinks resolved). */
  path: string
  label: string
  kind: 'home' | 'downloads' | 'download-folder' | 'media'
}

export interface FileEntry {
  name: string
  path: string
  type: 'dir' | 'file'
  size?: number
  /** ISO time of the last change. */
  modified?: string
  /** True when the file looks like what was asked for (an .iso for "image"). */
  matches: boolean
}

export interface FileListing {
  /** The listed folder (real path). */
  path: string
  /** The root it belongs to. */
  root: FileRoot
  /** The folder above, when it is still inside the root. */
  parent?: string
  entries: FileEntry[]
  /** Entries left out: hidden, unreadable, or links leading outside the root. */
  skipped: number
  /** True when the folder had more entries than are returned. */
  truncated: boolean
}

export interface FilePlaces {
  roots: FileRoot[]
  /** Finished downloads that still exist, newest first. */
  recent: FileEntry[]
}

export interface ResolvedFile {
  /** Absolute real path of a readable regular file. */
  path: string
  name: string
  size: number
}

export interface ChosenFile {
  /** Null when the user closed the dialog, or when no native dialog exists (browser mode, CLI). */
  path: string | null
  native: boolean
}

const kind = z.enum(fileKinds).default('any')
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') && !p.includes('\0'), 'an absolute path')

export const filesMethods = {
  /** The chooser's starting points: home, Downloads, the download folder, mounted media, recent downloads. */
  'files.places': method<FilePlaces>()(z.object({ kind }).strict()),
  /** Lists one folder inside one of the places; never follows a link out of it. */
  'files.list': method<FileListing>()(z.object({ path: absPath, kind, hidden: z.boolean().default(false) }).strict()),
  /** Checks a typed path: expands "~", refuses relative paths, says in a sentence what is wrong. */
  'files.resolve': method<ResolvedFile>()(z.object({ path: z.string().max(4096), kind }).strict()),
  /** The native open dialog (Electron only; elsewhere answers {path: null, native: false}). */
  'files.choose': method<ChosenFile>()(z.object({ kind, title: z.string().max(200).optional() }).strict())
}
