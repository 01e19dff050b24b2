/** Where a kernel-config.kept file's answers start: after the magic line, the length line and the compressed bytes. */
export function answersAt(kept: Buffer): number {
  const first = kept.indexOf(10)
  const second = kept.indexOf(10, first + 1)
  return second + 1 + Number(kept.toString('latin1', first + 1, second))
}
