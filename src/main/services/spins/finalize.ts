import { link, lstat, rm, unlink } from 'node:fs/promises'
import { AppError } from '../../../shared/contract/errors'
import { metaPath, partPath } from './part-file'

/**
 * The last step of a download: the completed DEST.part gets its final name only through
 * link(2), which never replaces an existing file, so a name the app did not create (a
 * user's file, a file of another program) is never overwritten. Data that failed
 * verification is linked aside under a name that says so instead.
 */

/** Identity of a file the app created, kept in the download records. */
export interface FileStamp {
  dev: number
  ino: number
  size: number
  mtimeMs: number
}

export async function stampOf(file: string): Promise<FileStamp | undefined> {
  try {
    const st = await lstat(file)
    if (!st.isFile()) return undefined
    return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs }
  } catch {
    return undefined
  }
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return Boolean(a && b && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs)
}

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code

/**
 * Gives DEST.part the name DEST. An existing DEST is replaced only when `own` proves the app
 * made it (an earlier download of the same file); anything else is a clear error and the
 * part stays where it is.
 */
export async function publish(dest: string, own?: FileStamp): Promise<FileStamp> {
  const part = partPath(dest)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await link(part, dest)
      await unlink(part)
      await rm(metaPath(dest), { force: true })
      const stamp = await stampOf(dest)
      if (!stamp) throw new Error(`${dest} vanished right after it was created`)
      return stamp
    } catch (err) {
      if (errno(err) !== 'EEXIST') {
        throw new AppError('WriteError', `could not give the download its final name ${dest}: ${(err as Error).message}`, {
          stage: 'finish download',
          cause: err
        })
      }
      const existing = await stampOf(dest)
      if (attempt === 0 && own && sameStamp(existing, own)) {
        await unlink(dest)
        continue
      }
      break
    }
  }
  throw new AppError('DestinationExists', `${dest} already exists and was not downloaded by Hyperscale Companion, so it is left alone`, {
    stage: 'finish download',
    hint: `Move or rename that file, or choose another download folder, then run the download again (the completed data waits in ${part}).`
  })
}

/**
 * Moves DEST.part aside as DEST.<suffix> (DEST.<suffix>-2, … when taken) and drops the part's
 * record, so a rerun starts a fresh download. Returns the name used.
 */
export async function setAside(dest: string, suffix: 'mismatch' | 'bad-signature'): Promise<string> {
  const part = partPath(dest)
  for (let n = 1; n < 100; n++) {
    const name = n === 1 ? `${dest}.${suffix}` : `${dest}.${suffix}-${n}`
    try {
      await link(part, name)
    } catch (err) {
      if (errno(err) === 'EEXIST') continue
      throw new AppError('WriteError', `could not keep the rejected download as ${name}: ${(err as Error).message}`, { stage: 'finish download', cause: err })
    }
    await unlink(part)
    await rm(metaPath(dest), { force: true })
    return name
  }
  throw new AppError('WriteError', `too many rejected copies of ${dest} are kept beside it`, {
    stage: 'finish download',
    hint: `Delete the ${dest}.${suffix}* files.`
  })
}
