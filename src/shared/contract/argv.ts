// No zod here: the renderer imports this directly.
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/

/** Renders an argv for display only (it is never given to a shell). */
export function displayArgv(argv: readonly string[]): string {
  return argv.map((a) => (a !== '' && SAFE_WORD.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}
