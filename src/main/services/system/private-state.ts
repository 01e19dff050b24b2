import { lstatSync, mkdirSync, type Stats } from 'node:fs'

/**
 * The state folder's rule for what hsc keeps for itself (program answers, image digests): a
 * folder and files owned by this user that no one else may write. Anything else is someone
 * else's words: a root run with a user's HOME (sudo -E) neither believes nor writes them.
 */
export function isPrivate(st: { uid: number | bigint; mode: number | bigint }, uid: number): boolean {
  return Number(st.uid) === uid && (Number(st.mode) & 0o022) === 0
}

/** The state folder is this user's alone; `create` makes it (0700) when missing. */
export function privateFolder(dir: string, uid: number, create: boolean): boolean {
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 })
    const st = lstatSync(dir)
    return st.isDirectory() && isPrivate(st, uid)
  } catch {
    return false
  }
}

/** A `refuse` rule for the safe readers: one link, this user's alone. */
export const refuseUnlessPrivate =
  (uid: number) =>
  (st: Stats): string | undefined =>
    st.nlink !== 1 || !isPrivate(st, uid) ? 'is not this user’s alone' : undefined

/** This process's user, for the rule above. */
export const currentUid = (): number => process.getuid?.() ?? -1
