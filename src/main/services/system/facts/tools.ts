import { statSync } from 'node:fs'
import type { CommandResult, CommandRunner } from '../command'
import type { RootFs } from '../rootfs'
import type { AnswerCache } from './answer-cache'

const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']

/** What running a tool needs: the root it belongs to and, on the live root, a runner. */
export interface ToolHost {
  fs: RootFs
  run?: CommandRunner
  answers?: AnswerCache
}

const found = new WeakMap<ToolHost, Map<string, Promise<string | undefined>>>()

/**
 * Where a program is installed under the root (fixed system dirs, not $PATH: the root may be
 * a fixture): the first of them that has it, looked at in order, so a program in /usr/sbin or
 * /usr/bin costs one or two lookups rather than six. Remembered per host object, i.e. per
 * report: several checks ask for rpm.
 */
export function findTool(host: ToolHost, name: string): Promise<string | undefined> {
  let byName = found.get(host)
  if (!byName) found.set(host, (byName = new Map()))
  let p = byName.get(name)
  if (!p) {
    p = (async () => {
      for (const d of BIN_DIRS) if (await host.fs.exists(`${d}/${name}`)) return `${d}/${name}`
      return undefined
    })()
    byName.set(name, p)
  }
  return p
}

const cache = new WeakMap<CommandRunner, Map<string, Promise<CommandResult>>>()

export interface ToolRun {
  /** The installed program, or undefined when not installed. */
  path?: string
  /** Its output; undefined under a fixture root (running it would describe the host, not the root). */
  result?: CommandResult
  /** True when the result came from this process's cache (same binary, unchanged on disk). */
  cached?: boolean
}

/**
 * Runs `name args` on the live root. Version output only changes when the binary does, so
 * results are cached per process, and between processes when the host keeps answers, keyed
 * by the binary's inode, size and mtime: a refresh after `dnf install` sees the new version,
 * and repeated reports (or `hsc inspect` runs) spawn nothing.
 */
export async function runTool(host: ToolHost, name: string, args: string[], timeoutMs = 3000): Promise<ToolRun> {
  const path = await findTool(host, name)
  if (!path) return {}
  if (!host.fs.isLive || !host.run) return { path }
  let key: string
  try {
    const st = statSync(host.fs.resolve(path))
    key = `${path}|${st.ino}|${st.size}|${st.mtimeMs}|${args.join('\0')}`
  } catch {
    return { path }
  }
  let byRunner = cache.get(host.run)
  if (!byRunner) cache.set(host.run, (byRunner = new Map()))
  const hit = byRunner.get(key)
  if (hit) return { path, result: await hit, cached: true }
  const run = host.run
  const answers = host.answers
  const p = (async () => {
    const kept = await answers?.get(key)
    if (kept) return kept
    const r = await run([path, ...args], { timeoutMs, env: { LC_ALL: 'C' } })
    await answers?.set(key, r)
    return r
  })()
  byRunner.set(key, p)
  const result = await p
  // A timeout or crash is not a fact about the binary: let the next report try again.
  if (result.spawnError || result.code !== 0) byRunner.delete(key)
  return { path, result }
}
