import { lstatSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'
import {
  DEFAULT_MAX_BYTES,
  FileReadError,
  missingSentence,
  openRegular,
  readRegularSyncIfPresent,
  readRegularTextSync,
  readRegularTextSyncIfPresent,
  toReadError,
  type ReadFailure
} from './safe-file'

export { DEFAULT_MAX_BYTES, FileReadError, type ReadFailure } from './safe-file'

/** Linux's limit on symbolic links followed in one lookup (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40

export type ReadResult = { ok: true; data: Buffer; path: string } | { ok: false; why: ReadFailure; reason: string; code: string; path: string }

export interface ReadOptions {
  maxBytes?: number
}

/**
 * Reads the system through a root prefix, so every service runs unchanged on the live
 * machine ("/") and on a fixture tree or mounted image. Paths passed in are the system's
 * absolute paths. Under a root other than "/", symbolic links are resolved as if the tree
 * were "/" (absolute links start at the root, ".." stops at it, at most 40 links), so a
 * tree never reads the host through its own links. Reads take regular files only, up to a
 * cap: FIFOs, devices and sockets become a FileReadError with a reason, never a hang.
 *
 * The work is done with synchronous calls behind the async interface: these are small
 * configuration and kernel files and metadata lookups, each answered in microseconds, while a
 * thread-pool round trip per syscall made a cold `hsc inspect` spend more time handing work
 * to threads than reading (issue 15). Nothing here waits on a file's content to arrive:
 * opens are O_NONBLOCK and reads are capped.
 */
export interface RootFs {
  readonly root: string
  /** Lexical join of a system path under the root, no link resolution (statfs on the live root). */
  resolve(systemPath: string): string
  /** Follows links inside the root; the last component may be missing. `system` is the path as the tree sees it. */
  chase(systemPath: string): Promise<{ system: string; host: string }>
  /** A regular file's bytes, or why not. Never throws. */
  read(systemPath: string, opts?: ReadOptions): Promise<ReadResult>
  readText(systemPath: string, opts?: ReadOptions): Promise<string>
  readBuffer(systemPath: string, opts?: ReadOptions): Promise<Buffer>
  /** Undefined instead of an error when the file is missing, unreadable, not regular or too large. */
  tryReadText(systemPath: string, opts?: ReadOptions): Promise<string | undefined>
  /**
   * tryReadText of each of `names` in the directory `dir`, in order: the directory's links
   * are followed once, and the files (small configs, e.g. hundreds of .repo files) are read
   * without a thread-pool round trip each.
   */
  tryReadTextsIn(dir: string, names: readonly string[], opts?: ReadOptions): Promise<(string | undefined)[]>
  exists(systemPath: string): Promise<boolean>
  readable(systemPath: string): Promise<boolean>
  /** lstat of the path after following links inside the root (so a dangling or special file can be described). */
  stat(systemPath: string): Promise<Stats | undefined>
  list(systemPath: string): Promise<string[]>
  isLive: boolean
}

function checkAbsolute(systemPath: string): void {
  if (!path.posix.isAbsolute(systemPath)) throw new Error(`not an absolute system path: ${systemPath}`)
}

/**
 * Resolves `systemPath` the way the kernel would after chroot(root): each component is
 * lstat'ed, a link's target is spliced in (absolute ones restart at the root), ".." never
 * climbs above the root. Components after the first missing one are appended lexically.
 */
export async function chaseInRoot(base: string, systemPath: string, maxLinks = MAX_SYMLINKS): Promise<{ system: string; host: string }> {
  checkAbsolute(systemPath)
  const todo = systemPath.split('/').filter(Boolean)
  const done: string[] = []
  let links = 0
  let missing = false
  while (todo.length) {
    const c = todo.shift() as string
    if (c === '.') continue
    if (c === '..') {
      done.pop()
      continue
    }
    if (missing) {
      done.push(c)
      continue
    }
    const host = path.join(base, ...done, c)
    let st: Stats | undefined
    try {
      // Missing is the common answer: told without building an error (see readRegularSyncIfPresent).
      st = lstatSync(host, { throwIfNoEntry: false })
    } catch {
      st = undefined
    }
    if (!st) {
      missing = true
      done.push(c)
      continue
    }
    if (!st.isSymbolicLink()) {
      done.push(c)
      continue
    }
    if (++links > maxLinks) throw new FileReadError('loop', `${systemPath}: more than ${maxLinks} symbolic links`, 'ELOOP')
    const target = readlinkSync(host)
    if (target.startsWith('/')) done.length = 0
    todo.unshift(...target.split('/').filter(Boolean))
  }
  return { system: '/' + done.join('/'), host: path.join(base, ...done) }
}

/**
 * path.posix.normalize, skipped for a path it would return unchanged (no "//", "." or ".."
 * component): most paths here are already normal, and normalize's character loop, run cold,
 * cost a block-device scan (~200 paths under /sys) more than its reads did.
 */
function normalized(systemPath: string): string {
  // A "." or ".." component starts with "/.": most paths have none, and the pattern runs only
  // on those that do (a pattern run on every path was compiled twice over in a cold report).
  return systemPath.includes('//') || (systemPath.includes('/.') && /\/\.\.?(?:\/|$)/.test(systemPath)) ? path.posix.normalize(systemPath) : systemPath
}

export function createRootFs(root = '/'): RootFs {
  const base = path.resolve(root)
  const isLive = base === '/'
  const resolve = (systemPath: string): string => {
    checkAbsolute(systemPath)
    // On the live root the system path is the host path.
    if (isLive) return normalized(systemPath)
    const joined = path.join(base, path.normalize(systemPath))
    // ".." in a system path must never climb out of the root prefix.
    if (joined !== base && !joined.startsWith(base === '/' ? '/' : base + path.sep)) {
      throw new Error(`path escapes the root: ${systemPath}`)
    }
    return joined
  }
  // On the live root the kernel's own lookup is the chroot lookup (and /proc/self must follow).
  const chase = async (systemPath: string): Promise<{ system: string; host: string }> => {
    if (isLive) {
      const host = resolve(systemPath)
      return { system: host, host }
    }
    return chaseInRoot(base, systemPath)
  }
  /** The host path a file is read at; a path that cannot be followed fails as that file's read. */
  const hostToRead = async (systemPath: string): Promise<string> => {
    try {
      return (await chase(systemPath)).host
    } catch (err) {
      throw toReadError(err, systemPath)
    }
  }
  const readOpts = (systemPath: string, opts: ReadOptions) => ({ maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES, noFollow: !isLive, label: systemPath })
  /** A regular file's bytes, or undefined for a file that is not there (no error built for it). */
  const readIfPresent = async (systemPath: string, opts: ReadOptions = {}): Promise<Buffer | undefined> =>
    readRegularSyncIfPresent(await hostToRead(systemPath), readOpts(systemPath, opts))
  /** readIfPresent as UTF-8 text, decoded where it was read. */
  const readTextIfPresent = async (systemPath: string, opts: ReadOptions = {}): Promise<string | undefined> =>
    readRegularTextSyncIfPresent(await hostToRead(systemPath), readOpts(systemPath, opts))
  const readBuffer = async (systemPath: string, opts: ReadOptions = {}): Promise<Buffer> => {
    const data = await readIfPresent(systemPath, opts)
    if (!data) throw new FileReadError('missing', missingSentence(systemPath), 'ENOENT')
    return data
  }
  return {
    root: base,
    isLive,
    resolve,
    chase,
    readBuffer,
    read: async (p, opts) => {
      try {
        const data = await readIfPresent(p, opts)
        return data ? { ok: true, data, path: p } : { ok: false, why: 'missing', reason: missingSentence(p), code: 'ENOENT', path: p }
      } catch (err) {
        const e = toReadError(err, p)
        return { ok: false, why: e.why, reason: e.message, code: e.code, path: p }
      }
    },
    readText: async (p, opts) => {
      const text = await readTextIfPresent(p, opts)
      if (text === undefined) throw new FileReadError('missing', missingSentence(p), 'ENOENT')
      return text
    },
    tryReadText: async (p, opts) => {
      try {
        return await readTextIfPresent(p, opts)
      } catch {
        return undefined
      }
    },
    exists: async (p) => {
      try {
        const { host } = await chase(p)
        // Missing is a common answer (/sys/class/block/*/partition): no error is built for it.
        return (isLive ? statSync(host, { throwIfNoEntry: false }) : lstatSync(host, { throwIfNoEntry: false })) !== undefined
      } catch {
        return false
      }
    },
    stat: async (p) => {
      try {
        const { host } = await chase(p)
        return isLive ? statSync(host, { throwIfNoEntry: false }) : lstatSync(host, { throwIfNoEntry: false })
      } catch {
        return undefined
      }
    },
    readable: async (p) => {
      try {
        const { host } = await chase(p)
        const { fh } = await openRegular(host, { noFollow: !isLive })
        await fh.close()
        return true
      } catch {
        return false
      }
    },
    tryReadTextsIn: async (dir, names, opts = {}) => {
      let hostDir: string
      try {
        hostDir = (await chase(dir)).host
      } catch {
        return names.map(() => undefined)
      }
      const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
      const out: (string | undefined)[] = []
      // A name is one component (checked below), so joining is concatenation: path.join's
      // normalising, twice per file, was a tenth of reading hundreds of .repo files.
      const under = (d: string, name: string): string => (d.endsWith('/') ? d + name : `${d}/${name}`)
      for (const name of names) {
        if (name === '' || name.includes('/') || name === '..' || name === '.') {
          out.push(undefined)
          continue
        }
        const systemPath = under(dir, name)
        const host = under(hostDir, name)
        try {
          if (isLive) out.push(readRegularTextSyncIfPresent(host, { maxBytes, label: systemPath }))
          else out.push(readRegularTextSync(host, { maxBytes, noFollow: true, label: systemPath }))
        } catch (err) {
          // Under a root a link in the last component (which O_NOFOLLOW refused) is resolved
          // inside the tree, as chase does.
          out.push(
            !isLive && (err as FileReadError).why === 'loop'
              ? await readBuffer(systemPath, opts).then(
                  (b) => b.toString(),
                  () => undefined
                )
              : undefined
          )
        }
      }
      return out
    },
    list: async (p) => {
      try {
        const { host } = await chase(p)
        // A missing folder (most of systemd's unit folders) is told by a stat that builds no error.
        if (!(isLive ? statSync(host, { throwIfNoEntry: false }) : lstatSync(host, { throwIfNoEntry: false }))) return []
        return readdirSync(host).sort()
      } catch {
        return []
      }
    }
  }
}
