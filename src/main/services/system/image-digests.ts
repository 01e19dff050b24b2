import { statfsSync, type BigIntStats } from 'node:fs'
import path from 'node:path'
import { readJsonList, writeJsonList } from './json-list-file'
import { currentUid, privateFolder, refuseUnlessPrivate } from './private-state'

/**
 * SHA-256 digests of image files, kept with the file's identity (device, inode, size, mtime
 * and ctime in nanoseconds), so a verified image is hashed once and not again on every write
 * while it is unchanged. ctime cannot be set from user space: any change made through the file
 * system moves it.
 *
 * Two limits keep that true, as git's "racy clean" rule does for its index:
 *  - Timestamps are coarse (a kernel tick; seconds on some file systems), so a change made in
 *    the same tick as the last one leaves them as they were. A digest is only kept for a file
 *    whose ctime is RACY_MS older than the moment its identity was taken, before the first byte
 *    was read: a later change then gets a later ctime.
 *  - Only local file systems whose ctime is this kernel's own. On NFS, SMB or FUSE another
 *    machine or process changes the bytes, and the attributes seen here may be stale.
 *
 * The file is the user's own and read like any other input: no link followed, owned by this
 * user and writable by no one else (file and folder), capped, parsed defensively. A damaged
 * file costs one hash, never a wrong answer: an entry is used only when all five identity
 * fields match the opened image's fstat.
 */

export const RACY_MS = 2000
const MAX_FILE = 64 * 1024
const MAX_ENTRIES = 64

/** statfs f_type of the local file systems whose ctime is trusted here (linux/magic.h). */
const LOCAL_FS = new Set<number>([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0xca451a4e // bcachefs
])

export interface KnownDigest {
  sha256: string
  /** When the digest was taken (ISO 8601). */
  at: string
  /**
   * The file's read-back fingerprint (system/fingerprint.ts), taken from the same reads as the
   * SHA-256 (hsc verify) or by a read-back that found a drive equal to this very file: a drive
   * written with it is then read back and hashed, without reading the file again.
   */
  tree?: string
}

export interface DigestStore {
  /** The SHA-256 taken of this very file (its fstat now), when its identity is unchanged since. */
  lookup(st: BigIntStats): KnownDigest | undefined
  /**
   * Keeps the SHA-256 of the bytes read from `file` between two fstat calls on the descriptor
   * that was read: `before` taken at `beforeMs` (wall clock), before the first read; `after`
   * after the last. Nothing is kept unless both are the same identity and the rules above hold.
   * Returns whether it was kept.
   */
  remember(file: string, before: BigIntStats, beforeMs: number, after: BigIntStats, sha256: string, tree?: string): boolean
  /**
   * Adds the read-back fingerprint to the digest kept for this identity (the file read from
   * `before` to `after`, unchanged); nothing when no digest is kept for it. Returns whether it was kept.
   */
  keepTree(before: BigIntStats, after: BigIntStats, tree: string): boolean
}

interface Entry {
  id: string
  sha256: string
  at: string
  tree?: string
}

const TREE = /^[0-9a-f]{32}$/

const identity = (st: BigIntStats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`

const isEntry = (e: unknown): e is Entry =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as Entry).id === 'string' &&
  /^\d+:\d+:\d+:\d+:\d+$/.test((e as Entry).id) &&
  typeof (e as Entry).sha256 === 'string' &&
  /^[0-9a-f]{64}$/.test((e as Entry).sha256) &&
  typeof (e as Entry).at === 'string' &&
  !Number.isNaN(Date.parse((e as Entry).at)) &&
  ((e as Entry).tree === undefined || (typeof (e as Entry).tree === 'string' && TREE.test((e as Entry).tree as string)))

function load(file: string, uid: number): Entry[] {
  if (!privateFolder(path.dirname(file), uid, false)) return []
  return readJsonList(file, isEntry, {
    maxBytes: MAX_FILE,
    refuse: refuseUnlessPrivate(uid)
  })
}

function onLocalFileSystem(file: string): boolean {
  try {
    return LOCAL_FS.has(statfsSync(file).type)
  } catch {
    return false
  }
}

const sameIdentity = (a: BigIntStats, b: BigIntStats): boolean => identity(a) === identity(b)

/** The store in `file` (image-digests.json in the state folder), for the user `uid`. */
export function imageDigests(file: string, opts: { uid?: number; now?: () => number } = {}): DigestStore {
  const uid = opts.uid ?? currentUid()
  const now = opts.now ?? Date.now
  return {
    lookup(st) {
      if (!st.isFile()) return undefined
      const id = identity(st)
      const e = load(file, uid).find((x) => x.id === id)
      return e ? { sha256: e.sha256, at: e.at, ...(e.tree ? { tree: e.tree } : {}) } : undefined
    },
    remember(image, before, beforeMs, after, sha256, tree) {
      if (!/^[0-9a-f]{64}$/.test(sha256) || (tree !== undefined && !TREE.test(tree)) || !before.isFile() || !sameIdentity(before, after)) return false
      // Not racy: changed RACY_MS before the identity was taken (and not in the future).
      if (beforeMs - Number(before.ctimeNs / 1_000_000n) < RACY_MS) return false
      if (!onLocalFileSystem(image)) return false
      const id = identity(before)
      const list = load(file, uid).filter((x) => x.id !== id)
      list.push({ id, sha256, at: new Date(now()).toISOString(), ...(tree ? { tree } : {}) })
      return save(list)
    },
    keepTree(before, after, tree) {
      if (!TREE.test(tree) || !before.isFile() || !sameIdentity(before, after)) return false
      const list = load(file, uid)
      const e = list.find((x) => x.id === identity(before))
      if (!e) return false
      e.tree = tree
      return save(list)
    }
  }

  function save(list: Entry[]): boolean {
    // Only into a folder of this user's that no one else may write (root run with a user's
    // HOME, through sudo -E, writes nothing there). A read-only or full state folder costs
    // the next write one hash, nothing else.
    return privateFolder(path.dirname(file), uid, true) && writeJsonList(file, list.slice(-MAX_ENTRIES), { maxBytes: MAX_FILE })
  }
}
