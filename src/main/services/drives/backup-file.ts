import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import { checkLocalName } from '../spins/local-name'

/**
 * The checked path of a backup's output file. Its name goes through the one check for local
 * file names (no hidden files, no control characters, none of the app's own suffixes such
 * as .part); a name the check would decode (percent escapes) is refused rather than changed.
 * The folder must exist; an existing file is replaced only with `overwrite`, and never one
 * that is not a regular file.
 */
export async function backupDestination(file: string, overwrite: boolean): Promise<string> {
  const abs = path.resolve(file)
  const base = path.basename(abs)
  const check = checkLocalName(base)
  if (!check.ok || check.name !== base) {
    throw new AppError('UnsafeFileName', `The backup file name "${base.slice(0, 200)}" ${check.reason ?? 'contains percent escapes'}.`, {
      stage: 'validate',
      hint: 'Choose a plain file name, for example stick-backup.img or stick-backup.img.zst.'
    })
  }
  const st = await fsp.stat(path.dirname(abs)).catch(() => undefined)
  if (!st?.isDirectory())
    throw new AppError('NoSuchFolder', `The folder ${path.dirname(abs)} does not exist.`, {
      stage: 'validate',
      hint: 'Create it first or choose another folder.'
    })
  // Hidden folders hold configuration (~/.ssh, ~/.config/autostart): a backup never lands there,
  // whatever a (possibly hostile) renderer asks for; checked on the real path, after links.
  const dir = await fsp.realpath(path.dirname(abs))
  if (dir.split('/').some((seg) => seg.startsWith('.'))) {
    throw new AppError('UnsafeFileName', `A backup is not saved inside the hidden folder ${dir}.`, {
      stage: 'validate',
      hint: 'Choose a visible folder, such as your Downloads folder.'
    })
  }
  const real = path.join(dir, base)
  const existing = await fsp.lstat(real).catch(() => undefined)
  if (existing && !existing.isFile()) throw new AppError('FileExists', `${real} exists and is not a regular file; it is never replaced.`, { stage: 'validate' })
  if (existing && !overwrite) {
    throw new AppError('FileExists', `${real} already exists; nothing was read.`, {
      stage: 'validate',
      hint: 'Choose another name, or allow replacing it (--overwrite, or the Replace checkbox).'
    })
  }
  return real
}
