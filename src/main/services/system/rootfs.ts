import { promises as fsp, constants as fsc } from 'node:fs'
import path from 'node:path'

/**
 * Reads the system through a root prefix, so every service runs unchanged on the live
 * machine ("/") and on a fixture tree. Paths passed in are the system's absolute paths.
 */
export interface RootFs {
  readonly root: string
  /** The real path of a system path under the root. */
  resolve(systemPath: string): string
  readText(systemPath: string): Promise<string>
  readBuffer(systemPath: string): Promise<Buffer>
  /** Undefined instead of an error when the file is missing or unreadable. */
  tryReadText(systemPath: string): Promise<string | undefined>
  exists(systemPath: string): Promise<boolean>
  readable(systemPath: string): Promise<boolean>
  list(systemPath: string): Promise<string[]>
  isLive: boolean
}

export function createRootFs(root = '/'): RootFs {
  const base = path.resolve(root)
  const resolve = (systemPath: string): string => {
    if (!path.isAbsolute(systemPath)) throw new Error(`not an absolute system path: ${systemPath}`)
    const joined = path.join(base, path.normalize(systemPath))
    // ".." in a system path must never climb out of the root prefix.
    if (joined !== base && !joined.startsWith(base === '/' ? '/' : base + path.sep)) {
      throw new Error(`path escapes the root: ${systemPath}`)
    }
    return joined
  }
  return {
    root: base,
    isLive: base === '/',
    resolve,
    readText: (p) => fsp.readFile(resolve(p), 'utf8'),
    readBuffer: (p) => fsp.readFile(resolve(p)),
    tryReadText: async (p) => {
      try {
        return await fsp.readFile(resolve(p), 'utf8')
      } catch {
        return undefined
      }
    },
    exists: async (p) => {
      try {
        await fsp.access(resolve(p), fsc.F_OK)
        return true
      } catch {
        return false
      }
    },
    readable: async (p) => {
      try {
        await fsp.access(resolve(p), fsc.R_OK)
        return true
      } catch {
        return false
      }
    },
    list: async (p) => {
      try {
        return (await fsp.readdir(resolve(p))).sort()
      } catch {
        return []
      }
    }
  }
}
