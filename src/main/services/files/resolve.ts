import { promises as fsp, constants as fsc } from 'node:fs'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { ResolvedFile } from '../../../shared/contract/files'
import { errnoCode, errnoText } from '../../../shared/errno-text'

const BROWSE = 'Type a full path starting with / or ~, or choose the file with Browse.'

/** "~" and "~/x" become the home folder; "~other" is refused rather than guessed. */
export function expandPath(typed: string, home: string): string {
  const p = typed.trim()
  if (p.includes('\0')) throw new AppError('InvalidPath', 'The path contains a NUL character.', { hint: BROWSE })
  if (!p) throw new AppError('InvalidPath', 'No file was given.', { hint: BROWSE })
  if (p === '~' || p.startsWith('~/')) return path.join(home, p.slice(1))
  if (p.startsWith('~')) {
    throw new AppError('InvalidPath', `"${p.slice(0, 80)}" names another user's home folder, which is not looked up.`, { hint: BROWSE })
  }
  if (!path.isAbsolute(p)) {
    // The service's working directory means nothing to the person typing: never resolve against it.
    throw new AppError('RelativePath', `"${p.slice(0, 80)}" is not a full path, so it is not clear which folder it is in.`, { hint: BROWSE })
  }
  return path.normalize(p)
}

/** A typed path checked the way people think of it: a readable, non-empty regular file. */
export async function resolveFile(typed: string, home: string): Promise<ResolvedFile> {
  const p = expandPath(typed, home)
  const name = path.basename(p) || p
  const fail = (err: unknown): never => {
    const t = errnoText(errnoCode(err), `"${name}"`) ?? { message: `"${name}" cannot be read.`, hint: BROWSE }
    throw new AppError('FileUnusable', t.message, { hint: t.hint, detail: `${p}: ${(err as Error).message}` })
  }
  const real = await fsp.realpath(p).catch(fail)
  const st = await fsp.stat(real).catch(fail)
  if (st.isDirectory()) fail(Object.assign(new Error('is a directory'), { code: 'EISDIR' }))
  if (!st.isFile()) {
    throw new AppError('FileUnusable', `"${name}" is not a regular file (it is a device, a pipe or a socket).`, { hint: 'Choose an image file.', detail: real })
  }
  await fsp.access(real, fsc.R_OK).catch(fail)
  if (st.size === 0) throw new AppError('FileUnusable', `"${name}" is empty.`, { hint: 'The download may have failed: download it again.', detail: real })
  return { path: real, name: path.basename(real), size: st.size }
}
