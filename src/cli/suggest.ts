/** Edit distance (insert, delete, substitute, swap of neighbours): enough to catch typos. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** The known word closest to a misspelled one, when it is close enough to be meant. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase()
  let best: { k: string; d: number } | undefined
  for (const k of known) {
    if (!k) continue
    const d = k.startsWith(w) && w.length >= 2 ? 0.5 : distance(w, k.toLowerCase())
    if (!best || d < best.d) best = { k, d }
  }
  if (!best) return undefined
  return best.d <= Math.max(1, Math.floor(best.k.length / 3)) ? best.k : undefined
}

/** " Did you mean "x"?" or nothing. */
export function suggestion(word: string, known: readonly string[], prefix = ''): string {
  const m = didYouMean(word, known)
  return m ? ` Did you mean "${prefix}${m}"?` : ''
}
