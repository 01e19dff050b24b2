import { constants as fsc, copyFileSync, mkdtempSync, rmdirSync, statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ReflinkResult } from '../../../shared/contract'
import { AppError } from '../../../shared/contract/errors'
import { fsTypeName } from '../system/statfs'
import { errnoCode, errnoText } from '../../../shared/errno-text'

/**
 * Filesystems Linux has no clone (FICLONE) for at all, whatever their options: there is nothing
 * to prove, and the proof's eight file operations were the largest single cost of a cold
 * `hsc inspect` on them (#15). ext2 and ext3 share ext4's magic.
 */
const NEVER_CLONES = new Set(['ext4', 'tmpfs', 'ramfs', 'vfat', 'exfat', 'iso9660', 'squashfs'])

const cannotClone = (filesystem: string): string => `This filesystem (${filesystem}) cannot clone files: use btrfs, or XFS with reflink.`

/**
 * Copies a small file with COPYFILE_FICLONE_FORCE inside a temp dir under `dir`: proof, not
 * a guess from the filesystem type (XFS without reflink=1, or NFS, look similar from outside),
 * except on a filesystem that has no clone at all. Synchronous on purpose: a few metadata
 * calls on a local directory, and fs.promises would load a third of a cold `hsc inspect`'s
 * Node modules for them.
 */
export async function reflinkTest(dir: string): Promise<ReflinkResult> {
  if (!path.isAbsolute(dir))
    throw new AppError('ValidationError', `reflink test needs an absolute path, got ${dir}`, { hint: 'Give a full path such as /var/cache/dnf or /home.' })
  let filesystem: string
  try {
    const st = statSync(dir)
    if (!st.isDirectory())
      throw new AppError('ValidationError', `${dir} is not a directory`, { stage: 'stat', hint: 'Pick a directory on the filesystem you want to test.' })
    filesystem = fsTypeName(statfsSync(dir).type)
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError('ReflinkError', `cannot inspect ${dir}: ${(err as Error).message}`, { stage: 'stat', hint: 'Pick an existing directory.' })
  }
  if (NEVER_CLONES.has(filesystem))
    return {
      path: dir,
      supported: false,
      filesystem,
      message: cannotClone(filesystem),
      detail: `${filesystem} has no clone (FICLONE) in Linux, so no copy was tried`
    }
  let tmp: string
  try {
    tmp = mkdtempSync(path.join(dir, '.hsc-reflink-'))
  } catch (err) {
    throw new AppError('ReflinkError', `cannot create a test directory in ${dir}: ${(err as Error).message}`, {
      stage: 'mkdtemp',
      hint: 'Pick a directory you can write to.'
    })
  }
  const src = path.join(tmp, 'src')
  const dst = path.join(tmp, 'dst')
  try {
    // One block: a clone of the whole file needs nothing larger.
    writeFileSync(src, Buffer.alloc(4096, 7), { flag: 'wx' })
    try {
      copyFileSync(src, dst, fsc.COPYFILE_FICLONE_FORCE)
      return { path: dir, supported: true, filesystem, message: `This filesystem (${filesystem}) can clone files: RPM copy-on-write works here.` }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      // ENOTSUP/EOPNOTSUPP/EXDEV mean "this filesystem cannot clone"; say that, keep the code as detail.
      const t = errnoText(errnoCode(err), dir)
      const message =
        t && ['ENOTSUP', 'EOPNOTSUPP'].includes(code)
          ? cannotClone(filesystem)
          : t
            ? `${t.message}${t.hint ? ` ${t.hint}` : ''}`
            : `The clone test failed on ${filesystem}.`
      return { path: dir, supported: false, filesystem, message, detail: `copyFile(COPYFILE_FICLONE_FORCE) on ${filesystem}: ${(err as Error).message}` }
    }
  } finally {
    // Only what this test made: the directory is new (mkdtemp), so nothing else can be in it.
    for (const f of [dst, src]) {
      try {
        unlinkSync(f)
      } catch {
        /* not created */
      }
    }
    try {
      rmdirSync(tmp)
    } catch {
      /* a file appeared in it: leave it rather than remove what this test did not make */
    }
  }
}
