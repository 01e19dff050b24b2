/**
 * bin/hsc.cjs keeps the compiled code of a command's first run as that command's code cache,
 * and keeps it until the bundle changes. A run that ended on an error path (a usage error, a
 * failure) compiled little of its command: this tells the launcher not to keep it, so a later
 * run that does the command's work makes the cache. The key is the launcher's NOT_TO_KEEP.
 */
export function markRunNotToKeep(): void {
  ;(globalThis as Record<symbol, unknown>)[Symbol.for('hsc.runNotToKeep')] = true
}
