import { mkdirSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs'
import path from 'node:path'
import { readRegularSync } from './safe-file'
import { tempSibling } from './temp-name'

/**
 * A list of entries the app keeps for itself in one JSON file of the user's (program answers,
 * image digests). The file is still read like any other input: through the one regular-file
 * rule (no link followed, a FIFO never blocks, capped), and only entries that pass `isEntry`
 * count. A missing, damaged or refused file is an empty list: it only costs the work it saved.
 */
export function readJsonList<T>(file: string, isEntry: (e: unknown) => e is T, opts: { maxBytes: number; refuse?: (stats: Stats) => string | undefined }): T[] {
  try {
    const v: unknown = JSON.parse(readRegularSync(file, { noFollow: true, maxBytes: opts.maxBytes, refuse: opts.refuse }).toString())
    return Array.isArray(v) ? v.filter(isEntry) : []
  } catch {
    return []
  }
}

/**
 * Replaces the file whole (a 0600 temp file beside it, created O_EXCL, then renamed), so a
 * concurrent reader sees the old list or the new one, never half. Returns false when the list
 * is over the cap or the folder cannot be written: a read-only state folder breaks nothing.
 */
export function writeJsonList(file: string, list: readonly unknown[], opts: { maxBytes: number }): boolean {
  const text = JSON.stringify(list)
  return text.length <= opts.maxBytes && replaceFile(file, text)
}

/** Writes `data` as the whole of `file` the same way: a 0600 temp file beside it, then a rename. */
export function replaceFile(file: string, data: string | Uint8Array): boolean {
  const tmp = tempSibling(file)
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' })
    renameSync(tmp, file)
    return true
  } catch {
    rmSync(tmp, { force: true })
    return false
  }
}
