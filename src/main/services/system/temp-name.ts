let counter = 0

/**
 * A temp name beside `file` for write-then-rename, unique to this process and call. Callers
 * create it with O_EXCL ('wx'), so a leftover of a crashed process is never written through;
 * the name needs to be unique, not secret (the folder is the user's own). No node:crypto: that
 * module alone cost a cold command ~11 ms to load (issue 15).
 */
export function tempSibling(file: string): string {
  return `${file}.${process.pid}-${Date.now().toString(36)}-${(++counter).toString(36)}.tmp`
}
