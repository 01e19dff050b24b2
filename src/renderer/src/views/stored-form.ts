/**
 * Fills a form with stored values, again each time they arrive (a second load, a change saved
 * in another window, a refresh), except the fields the user changed since the last fill: those
 * keep what the user typed. `all` shows every stored value (after a save or reset that worked).
 */
export function followStored<T extends object>(form: T): (next: T, all?: boolean) => void {
  let filled: T | null = null
  return (next, all = false) => {
    for (const k of Object.keys(next) as Array<keyof T>) if (all || !filled || form[k] === filled[k]) form[k] = next[k]
    filled = next
  }
}
