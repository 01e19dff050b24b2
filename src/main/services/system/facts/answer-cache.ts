import path from 'node:path'
import type { CommandResult } from '../command'
import { readJsonList, replaceFile, writeJsonList } from '../json-list-file'
import { currentUid, privateFolder, refuseUnlessPrivate } from '../private-state'
import { readRegularSync } from '../safe-file'

/**
 * Answers of programs whose output only changes when a file does (`systemctl --version`,
 * `btrfs --version`, the rpm inventory), kept between processes. Every `hsc inspect` is a
 * new process, and starting those programs cost more than the rest of a report; the key
 * names the binary's (and database's) inode, size and mtime, so an update asks again.
 *
 * The file is the user's own, but it is read like any other input: bounded, parsed
 * defensively, and a damaged file only costs a program start. As the image digests, it is
 * believed and written only in a folder of this user's alone (private-state.ts): a root run
 * with a user's HOME neither trusts nor writes what is there.
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
  /**
   * A file of bytes kept beside the answers, for what is no program's text (the kernel config's
   * kept lookups): read and written whole, bounded, read like any other input.
   */
  blob(name: string): KeptBlob
}

export interface KeptBlob {
  /** The bytes last written, or undefined (missing, refused, over the cap). */
  read(): Buffer | undefined
  /** Replaces them whole; false when the folder cannot be written (nothing is lost but time). */
  write(data: Uint8Array): boolean
}

const MAX_BLOB = 4 * 1024 * 1024
const BLOB_NAME = /^[a-z][a-z-]{0,40}$/

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

/** Kept by earlier versions: the inflated kernel config (now kernel-config.kept), ~100 KB parsed with every answer. */
const isObsolete = (e: Entry): boolean => e.key.startsWith('gunzip:')

/** The kept answers; a file still holding obsolete ones is written again without them, once. */
function current(file: string, uid: number): Entry[] {
  if (!privateFolder(path.dirname(file), uid, false)) return []
  const list = readJsonList(file, isEntry, { maxBytes: MAX_FILE, refuse: refuseUnlessPrivate(uid) })
  const kept = list.filter((e) => !isObsolete(e))
  if (kept.length !== list.length) writeJsonList(file, kept, { maxBytes: MAX_FILE })
  return kept
}

export function fileAnswerCache(file: string, opts: { uid?: number } = {}): AnswerCache {
  const uid = opts.uid ?? currentUid()
  const dir = path.dirname(file)
  let entries: Promise<Entry[]> | undefined
  // The one regular-file rule (a FIFO planted at the path must not hang the report; no link
  // followed; capped), without a thread-pool round trip per syscall.
  const all = () => (entries ??= Promise.resolve(current(file, uid)))
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
    },
    blob(name) {
      if (!BLOB_NAME.test(name)) throw new Error(`not a kept file name: ${JSON.stringify(name)}`)
      const at = path.join(dir, `${name}.kept`)
      return {
        read() {
          if (!privateFolder(dir, uid, false)) return undefined
          try {
            return readRegularSync(at, { noFollow: true, maxBytes: MAX_BLOB, refuse: refuseUnlessPrivate(uid) })
          } catch {
            return undefined
          }
        },
        write: (data) => data.length <= MAX_BLOB && privateFolder(dir, uid, true) && replaceFile(at, data)
      }
    }
  }

  function keep(key: string, r: CommandResult, stays: (e: Entry) => boolean): Promise<void> {
    writing = writing.then(async () => {
      const list = (await all()).filter(stays)
      list.push({ key, code: r.code, stdout: r.stdout, stderr: r.stderr })
      const kept = list.slice(-MAX_ENTRIES)
      entries = Promise.resolve(kept)
      if (privateFolder(dir, uid, true)) writeJsonList(file, kept, { maxBytes: MAX_FILE })
    })
    return writing
  }
}
