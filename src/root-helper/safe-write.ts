import { randomBytes } from 'node:crypto'
import { closeSync, constants as fsc, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs'

/**
 * Writing as root without following anything a user could have planted. Node has no
 * openat(2), so every step goes through /proc/self/fd/N/NAME: the kernel resolves that magic
 * link to the directory already open, which is what openat(N, NAME) does.
 */

const DIR_FLAGS = fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW

export class UnsafePathError extends Error {}

function at(dirFd: number, name: string): string {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new UnsafePathError(`invalid path component ${JSON.stringify(name)}`)
  return `/proc/self/fd/${dirFd}/${name}`
}

/** A directory root owns and only root may change: anything else is a path the user controls. */
function assertRootOwned(fd: number, shown: string): void {
  const st = fstatSync(fd)
  if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new UnsafePathError(`${shown} is not a directory that only root can change (owner ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`)
  }
}

/**
 * Opens `components` below the already open `baseFd` one level at a time with O_NOFOLLOW,
 * creating missing levels (0755). Returns the fd of the last one; the caller closes it.
 */
export function openDirChain(baseFd: number, components: readonly string[], shownBase: string): number {
  let fd = baseFd
  let shown = shownBase
  assertRootOwned(fd, shown)
  for (const c of components) {
    shown = shown.endsWith('/') ? shown + c : `${shown}/${c}`
    let next: number
    try {
      next = openSync(at(fd, c), DIR_FLAGS)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafePathError(`${shown} is a symbolic link; refusing to follow it`)
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UnsafePathError(`${shown} is not a directory`)
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      mkdirSync(at(fd, c), 0o755)
      next = openSync(at(fd, c), DIR_FLAGS)
    }
    if (fd !== baseFd) closeSync(fd)
    fd = next
    assertRootOwned(fd, shown)
  }
  return fd
}

/** Temp file beside the target (O_EXCL|O_NOFOLLOW), fsync, rename over the target, fsync the directory. */
export function replaceFileAt(dirFd: number, name: string, content: string, mode = 0o644): void {
  const tmp = `.${name}.hsc-${randomBytes(6).toString('hex')}`
  const fd = openSync(at(dirFd, tmp), fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, mode)
  try {
    try {
      const data = Buffer.from(content, 'utf8')
      let off = 0
      while (off < data.length) off += writeSync(fd, data, off, data.length - off)
      fchmodSync(fd, mode) // the umask may have narrowed it
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    // rename(2) replaces the directory entry itself: a symlink planted at `name` is replaced, never followed.
    renameSync(at(dirFd, tmp), at(dirFd, name))
  } catch (err) {
    try {
      unlinkSync(at(dirFd, tmp))
    } catch {
      // already renamed or never created
    }
    throw err
  }
  fsyncSync(dirFd)
}

/** unlink(2) of the entry itself (a symlink is removed, its target untouched); a missing file is fine. */
export function removeFileAt(dirFd: number, name: string): boolean {
  try {
    unlinkSync(at(dirFd, name))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  fsyncSync(dirFd)
  return true
}

/**
 * A regular file's text below an open directory, without following a link at `name` and
 * without blocking on a FIFO; undefined when it does not exist. Capped at `max` bytes.
 */
export function readFileAt(dirFd: number, name: string, max = 64 * 1024): string | undefined {
  let fd: number
  try {
    fd = openSync(at(dirFd, name), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP') throw new UnsafePathError(`${name} is a symbolic link; refusing to follow it`)
    throw err
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new UnsafePathError(`${name} is not a regular file`)
    if (st.size > max) throw new UnsafePathError(`${name} is larger than ${max} bytes`)
    const buf = Buffer.alloc(st.size)
    let off = 0
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off)
      if (n === 0) break
      off += n
    }
    return buf.subarray(0, off).toString('utf8')
  } finally {
    closeSync(fd)
  }
}
