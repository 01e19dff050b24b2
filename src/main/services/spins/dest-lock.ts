import { readFileSync } from 'node:fs'
import { open, readFile, stat, unlink } from 'node:fs/promises'
import os from 'node:os'
import { AppError } from '../../../shared/contract/errors'

/**
 * One download per destination, across processes (the GUI, several `hsc` runs): DEST.lock is
 * created with O_EXCL and holds the owner's pid, the pid's start time and the host. A lock
 * whose owner is gone (or whose pid now belongs to a younger process) is stale and is broken;
 * breaking is serialised by a second O_EXCL file so two breakers cannot both win.
 * No flock(2) in Node without a native module; this needs none.
 */

const MARK = 'hyperscale-companion download lock'
/** A breaker that crashed between its two steps leaves DEST.lock.break: ignored after this. */
const BREAK_STALE_MS = 30_000
/** A lock file seen empty may be between its create and its write. */
const EMPTY_GRACE_MS = 5_000

interface Owner {
  mark: string
  pid: number
  /** Start time of the pid (clock ticks since boot, from /proc/PID/stat), when readable. */
  start?: string
  host: string
  since: string
}

export interface DestLock {
  path: string
  release(): Promise<void>
}

export const lockPath = (dest: string): string => `${dest}.lock`

/** Field 22 of /proc/PID/stat: the process's start time; distinguishes a reused pid. */
export function processStart(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces and parentheses: count from the last ")".
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return rest[19]
  } catch {
    return undefined
  }
}

function alive(owner: Owner): boolean {
  if (owner.host !== os.hostname()) return true // another machine (shared folder): cannot tell, assume it runs
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  if (owner.start !== undefined) {
    const now = processStart(owner.pid)
    if (now !== undefined && now !== owner.start) return false
  }
  return true
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>
    if (o.mark !== MARK || typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0 || typeof o.host !== 'string') return undefined
    return { mark: o.mark, pid: o.pid, start: typeof o.start === 'string' ? o.start : undefined, host: o.host, since: String(o.since ?? '') }
  } catch {
    return undefined
  }
}

async function createExclusive(file: string, content: string): Promise<boolean> {
  let fh
  try {
    fh = await open(file, 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
  try {
    await fh.writeFile(content)
  } finally {
    await fh.close()
  }
  return true
}

function busy(dest: string, owner: Owner): AppError {
  const when = owner.since ? ` since ${owner.since.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : ''
  const who =
    owner.pid === 0
      ? 'another Hyperscale Companion process that is just starting'
      : owner.pid === process.pid
        ? 'this process'
        : `another Hyperscale Companion process (pid ${owner.pid}${owner.host !== os.hostname() ? ` on ${owner.host}` : ''})`
  return new AppError('DownloadInProgress', `${dest} is already being downloaded by ${who}${when}`, {
    stage: 'lock download',
    hint: 'Wait for that download to finish (or stop it), then run this again; two downloads into one file would corrupt it.'
  })
}

function foreign(file: string, why: string): AppError {
  return new AppError('LockUnreadable', `${file} ${why}, so the download does not start`, {
    stage: 'lock download',
    hint: `If no download of this file is running, delete ${file} and try again.`
  })
}

/** Takes the lock or fails with a sentence naming who holds it. */
export async function acquireDestLock(dest: string): Promise<DestLock> {
  const file = lockPath(dest)
  const me: Owner = { mark: MARK, pid: process.pid, start: processStart(process.pid), host: os.hostname(), since: new Date().toISOString() }
  const content = JSON.stringify(me)
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      if (await createExclusive(file, content)) return held(file, content)
    } catch (err) {
      throw new AppError('WriteError', `cannot create the lock file ${file}: ${(err as Error).message}`, { stage: 'lock download', cause: err })
    }
    let text: string
    let st
    try {
      st = await stat(file)
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue // released meanwhile
      throw foreign(file, `cannot be read (${(err as Error).message})`)
    }
    if (!st.isFile()) throw foreign(file, 'is not a regular file')
    const owner = parseOwner(text)
    if (!owner) {
      if (text === '' && Date.now() - st.mtimeMs < EMPTY_GRACE_MS) throw busy(dest, { mark: MARK, pid: 0, host: os.hostname(), since: '' })
      // Not ours to delete: it may be the user's file.
      throw foreign(file, 'exists but was not written by Hyperscale Companion')
    }
    if (alive(owner)) throw busy(dest, owner)
    await breakStale(file, st.ino)
  }
  throw new AppError('DownloadInProgress', `could not take the lock ${file}: other processes keep taking it`, {
    stage: 'lock download',
    hint: 'Try again in a moment.'
  })
}

/** Removes a stale lock, unless another breaker (or a new owner) got there first. */
async function breakStale(file: string, ino: number): Promise<void> {
  const breaker = `${file}.break`
  if (!(await createExclusive(breaker, String(process.pid)).catch(() => false))) {
    const st = await stat(breaker).catch(() => undefined)
    if (st && Date.now() - st.mtimeMs > BREAK_STALE_MS) await unlink(breaker).catch(() => undefined)
    await new Promise((r) => setTimeout(r, 50))
    return
  }
  try {
    const st = await stat(file).catch(() => undefined)
    if (st && st.ino === ino) {
      const owner = parseOwner(await readFile(file, 'utf8').catch(() => ''))
      if (owner && !alive(owner)) await unlink(file).catch(() => undefined)
    }
  } finally {
    await unlink(breaker).catch(() => undefined)
  }
}

function held(file: string, content: string): DestLock {
  let released = false
  return {
    path: file,
    async release() {
      if (released) return
      released = true
      // Only our own lock: if it was broken and retaken meanwhile, it is someone else's.
      const now = await readFile(file, 'utf8').catch(() => undefined)
      if (now === content) await unlink(file).catch(() => undefined)
    }
  }
}
