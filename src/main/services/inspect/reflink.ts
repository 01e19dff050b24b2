import { promises as fsp, constants as fsc } from 'node:fs'
import path from 'node:path'
import type { ReflinkResult } from '../../../shared/contract'
import { AppError } from '../../../shared/contract/errors'
import { fsTypeName } from '../system/statfs'
import { errnoCode, errnoText } from '../../../shared/errno-text'

/**
 * Copies a small file with COPYFILE_FICLONE_FORCE inside a temp dir under `dir`: proof, not
 * a guess from the filesystem type (XFS without reflink=1, or NFS, look similar from outside).
 */
export async function reflinkTest(dir: string): Promise<ReflinkResult> {
  if (!path.isAbsolute(dir))
    throw new AppError('ValidationError', `reflink test needs an absolute path, got ${dir}`, { hint: 'Give a full path such as /var/cache/dnf or /home.' })
  let filesystem: string
  try {
    const st = await fsp.stat(dir)
    if (!st.isDirectory())
      throw new AppError('ValidationError', `${dir} is not a directory`, { stage: 'stat', hint: 'Pick a directory on the filesystem you want to test.' })
    filesystem = fsTypeName((await fsp.statfs(dir)).type)
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('ReflinkError', `cannot inspect ${dir}: ${(err as Error).message}`, { stage: 'stat', hint: 'Pick an existing directory.' })
  }
  let tmp: string
  try {
    tmp = await fsp.mkdtemp(path.join(dir, '.hsc-reflink-'))
  } catch (err) {
    throw new AppError('ReflinkError', `cannot create a test directory in ${dir}: ${(err as Error).message}`, {
      stage: 'mkdtemp',
      hint: 'Pick a directory you can write to.'
    })
  }
  try {
    const src = path.join(tmp, 'src')
    await fsp.writeFile(src, Buffer.alloc(64 * 1024, 7))
    try {
      await fsp.copyFile(src, path.join(tmp, 'dst'), fsc.COPYFILE_FICLONE_FORCE)
      return { path: dir, supported: true, filesystem, message: `This filesystem (${filesystem}) can clone files: RPM copy-on-write works here.` }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      // ENOTSUP/EOPNOTSUPP/EXDEV mean "this filesystem cannot clone"; say that, keep the code as detail.
      const t = errnoText(errnoCode(err), dir)
      const message =
        t && ['ENOTSUP', 'EOPNOTSUPP'].includes(code)
          ? `This filesystem (${filesystem}) cannot clone files: use btrfs, or XFS with reflink.`
          : t
            ? `${t.message}${t.hint ? ` ${t.hint}` : ''}`
            : `The clone test failed on ${filesystem}.`
      return { path: dir, supported: false, filesystem, message, detail: `copyFile(COPYFILE_FICLONE_FORCE) on ${filesystem}: ${(err as Error).message}` }
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true })
  }
}
