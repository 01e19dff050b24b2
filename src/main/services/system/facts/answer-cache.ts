import type { CommandResult } from '../command'
import { readJsonList, writeJsonList } from '../json-list-file'

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
  /**
   * The newest answer kept under `prefix`, with its whole key: for answers whose key records
   * what they were made of, so the caller checks that record before believing the answer.
   */
  latest(prefix: string): Promise<{ key: string; result: CommandResult } | undefined>
  /**
   * Keeps `result` as the one answer under `prefix` (older ones go), whatever its exit code:
   * the caller has judged it an answer (`systemctl is-enabled` exits 1 for "disabled").
   */
  replace(prefix: string, key: string, result: CommandResult): Promise<void>
}

const MAX_FILE = 4 * 1024 * 1024
const MAX_ENTRIES = 32

interface Entry {
  key: string
  code: number
  stdout: string
  stderr: string
}

const isEntry = (e: unknown): e is Entry =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as Entry).key === 'string' &&
  Number.isInteger((e as Entry).code) &&
  typeof (e as Entry).stdout === 'string' &&
  typeof (e as Entry).stderr === 'string'

export function fileAnswerCache(file: string): AnswerCache {
  let entries: Promise<Entry[]> | undefined
  // The one regular-file rule (a FIFO planted at the path must not hang the report; no link
  // followed; capped), without a thread-pool round trip per syscall.
  const all = () => (entries ??= Promise.resolve(readJsonList(file, isEntry, { maxBytes: MAX_FILE })))
  // Writes run one after another on the in-memory list, so two answers stored at once (a
  // report asks systemctl, btrfs and rpm together) both end up in the file.
  let writing: Promise<void> = Promise.resolve()
  return {
    async get(key) {
      const e = (await all()).find((x) => x.key === key)
      return e ? { code: e.code, stdout: e.stdout, stderr: e.stderr } : undefined
    },
    set(key, r) {
      // Failures are not facts about the binary; only clean answers are kept.
      if (r.code !== 0 || r.spawnError) return writing
      return keep(key, r, (x) => x.key !== key)
    },
    async latest(prefix) {
      const e = (await all()).findLast((x) => x.key.startsWith(prefix))
      return e ? { key: e.key, result: { code: e.code, stdout: e.stdout, stderr: e.stderr } } : undefined
    },
    replace(prefix, key, r) {
      if (!key.startsWith(prefix) || r.spawnError) return writing
      return keep(key, r, (x) => !x.key.startsWith(prefix))
    }
  }

  function keep(key: string, r: CommandResult, stays: (e: Entry) => boolean): Promise<void> {
    writing = writing.then(async () => {
      const list = (await all()).filter(stays)
      list.push({ key, code: r.code, stdout: r.stdout, stderr: r.stderr })
      const kept = list.slice(-MAX_ENTRIES)
      entries = Promise.resolve(kept)
      writeJsonList(file, kept, { maxBytes: MAX_FILE })
    })
    return writing
  }
}
