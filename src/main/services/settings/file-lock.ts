import { promises as fsp } from 'node:fs'
import { AppError } from '../../../shared/contract/errors'

const WAIT_MS = 10_000
/** A lock file without a readable owner older than this is left over from a crash. */
const STALE_EMPTY_MS = 5_000

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function stale(lock: string): Promise<boolean> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(lock, 'utf8'), fsp.stat(lock)])
    const pid = Number.parseInt(text, 10)
    if (Number.isInteger(pid) && pid > 0) return !alive(pid)
    return Date.now() - st.mtimeMs > STALE_EMPTY_MS
  } catch {
    return false // gone already: the next attempt takes it
  }
}

/**
 * An exclusive lock shared by every process of the user (CLI, browser mode, the app): a
 * lock file created with O_EXCL that holds the owner's pid. A lock whose owner died is taken over.
 */
export async function withFileLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    try {
      const fh = await fsp.open(lock, 'wx', 0o600)
      try {
        await fh.writeFile(`${process.pid}\n`)
      } finally {
        await fh.close()
      }
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (await stale(lock)) {
        await fsp.rm(lock, { force: true })
        continue
      }
      if (Date.now() > deadline) {
        throw new AppError('SettingsBusy', `the settings are locked by another Hyperscale Companion process (${lock})`, {
          stage: 'lock settings',
          hint: 'Wait for the other hsc command or window to finish, then try again; nothing was changed.'
        })
      }
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20))
    }
  }
  try {
    return await fn()
  } finally {
    await fsp.rm(lock, { force: true })
  }
}

/** In-process serialisation for backends without a file (memory). */
export function createMutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return (fn) => {
    const run = tail.then(fn, fn)
    tail = run.catch(() => undefined)
    return run
  }
}
