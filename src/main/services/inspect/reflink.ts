import { promises as fsp, constants as fsc } from 'node:fs'
import path from 'node:path'
import type { ReflinkResult } from '../../../shared/contract'
import { AppError } from '../../../shared/contract'

/** Copies a small file with FICLONE_FORCE inside a temp dir under `dir`: proof, not a guess. */
export async function reflinkTest(dir: string): Promise<ReflinkResult> {
  if (!path.isAbsolute(dir)) throw new AppError('ValidationError', `reflink test needs an absolute path, got ${dir}`)
  let tmp: string
  try {
    tmp = await fsp.mkdtemp(path.join(dir, '.hsc-reflink-'))
  } catch (err) {
    throw new AppError('ReflinkError', `cannot create a test directory in ${dir}: ${(err as Error).message}`, { stage: 'mkdtemp', hint: 'Pick a directory you can write to.' })
  }
  try {
    const src = path.join(tmp, 'src')
    await fsp.writeFile(src, Buffer.alloc(64 * 1024, 7))
    try {
      await fsp.copyFile(src, path.join(tmp, 'dst'), fsc.COPYFILE_FICLONE_FORCE)
      return { path: dir, supported: true, filesystem: '', message: 'reflink copy succeeded' }
    } catch (err) {
      return { path: dir, supported: false, filesystem: '', message: `reflink copy failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true })
  }
}
