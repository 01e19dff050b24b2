/** Field checks shown next to the inputs before anything is sent. */

export function downloadDirProblem(dir: string): string | null {
  const d = dir.trim()
  if (!d) return null
  if (!d.startsWith('/')) return 'Use a full path starting with /, e.g. /home/you/Downloads.'
  if (/[\n\r\0]/.test(d)) return 'The path contains a line break.'
  return null
}

/** One message per bad line: "line 2: ..."; only http(s) URLs are catalogue sources. */
export function sourceProblems(text: string): string[] {
  const out: string[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    try {
      const u = new URL(line)
      if (u.protocol !== 'https:' && u.protocol !== 'http:') out.push(`line ${i + 1}: only http(s) URLs are supported`)
    } catch {
      out.push(`line ${i + 1}: not a URL`)
    }
  })
  return out
}
