/** One `Key=Value` line of a systemd-style config file. */
export interface Assignment {
  section: string | null
  key: string
  value: string
  /** 1-based line where the assignment starts. */
  line: number
}

/**
 * Parses the systemd.syntax(7) format: [Section] headers, `#`/`;` comments, trailing
 * backslash continuations (joined with a space), whitespace around keys and values trimmed.
 */
export function parseUnitIni(text: string): Assignment[] {
  const out: Assignment[] = []
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  let section: string | null = null
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let line = lines[i].trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++
      const next = lines[i].trim()
      // Comment lines inside a continuation are skipped, as systemd does.
      if (next.startsWith('#') || next.startsWith(';')) {
        line = line.slice(0, -1) + ' \\'
        continue
      }
      line = line.slice(0, -1) + ' ' + next
    }
    if (line.endsWith('\\')) line = line.slice(0, -1)
    if (line.startsWith('[')) {
      const end = line.indexOf(']')
      section = end > 0 ? line.slice(1, end) : null
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: start + 1 })
  }
  return out
}
