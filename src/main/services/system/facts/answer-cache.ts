import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { CommandResult } from '../command'
import { tempSibling } from '../temp-name'
import { readRegularSync } from '../safe-file'

/**
 * Answers of programs whose output only changes when a file does (`systemctl --version`,
 * `btrfs --version`, the rpm inventory), kept between processes. Every `hsc inspect` is a
 * new process, and starting those programs cost more than the rest of a report; the key
 * names the binary's (and database's) inode, size and mtime, so an update asks again.
 *
 * The file is the user's own, but it is read like any other input: bounded, parsed
 * defensively, and a damaged file only costs a program start.
 */
export interface AnswerCache {
  get(key: string): Promise<CommandResult | undefined>
  set(key: string, result: CommandResult): Promise<void>
}

const MAX_FILE = 4 * 1024 * 1024
const MAX_ENTRIES = 32

interface Entry {
  key: string
  code: number
  stdout: string
  stderr: string
}

function parse(text: string): Entry[] {
  try {
    const v: unknown = JSON.parse(text)
    if (!Array.isArray(v)) return []
    return v.filter(
      (e): e is Entry =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as Entry).key === 'string' &&
        Number.isInteger((e as Entry).code) &&
        typeof (e as Entry).stdout === 'string' &&
        typeof (e as Entry).stderr === 'string'
    )
  } catch {
    return []
  }
}

async function load(file: string): Promise<Entry[]> {
  try {
    // The one regular-file rule (O_NONBLOCK: a FIFO planted at the path must not hang the
    // report; no link followed; capped), without a thread-pool round trip per syscall.
    return parse(readRegularSync(file, { noFollow: true, maxBytes: MAX_FILE }).toString('utf8'))
  } catch {
    return []
  }
}

export function fileAnswerCache(file: string): AnswerCache {
  let entries: Promise<Entry[]> | undefined
  const all = () => (entries ??= load(file))
  // Writes run one after another on the in-memory list, so two answers stored at once (a
  // report asks systemctl, btrfs and rpm together) both end up in the file.
  let writing: Promise<void> = Promise.resolve()
  const save = async (list: Entry[]): Promise<void> => {
    const text = JSON.stringify(list)
    if (text.length > MAX_FILE) return
    // Replace atomically so a concurrent reader sees the old or the new file, never half.
    const tmp = tempSibling(file)
    try {
      await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
      await fsp.writeFile(tmp, text, { mode: 0o600, flag: 'wx' })
      await fsp.rename(tmp, file)
    } catch {
      await fsp.rm(tmp, { force: true }).catch(() => {})
    }
  }
  return {
    async get(key) {
      const e = (await all()).find((x) => x.key === key)
      return e ? { code: e.code, stdout: e.stdout, stderr: e.stderr } : undefined
    },
    set(key, r) {
      // Failures are not facts about the binary; only clean answers are kept.
      if (r.code !== 0 || r.spawnError) return writing
      writing = writing.then(async () => {
        const list = (await all()).filter((x) => x.key !== key)
        list.push({ key, code: r.code, stdout: r.stdout, stderr: r.stderr })
        const kept = list.slice(-MAX_ENTRIES)
        entries = Promise.resolve(kept)
        await save(kept)
      })
      return writing
    }
  }
}
