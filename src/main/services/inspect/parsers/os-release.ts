import { WORD_NAME } from '../../system/word-name'

/** Parses os-release(5): KEY=value lines, optional single/double quotes, # comments. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const key = line.slice(0, eq)
    if (eq < 1 || !WORD_NAME.test(key)) continue
    let v = line.slice(eq + 1)
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) {
      v = v.slice(1, -1)
      // Most values have no escapes: a replace pattern is compiled to machine code on first use.
      if (v.includes('\\')) v = v.replace(/\\(["'$`\\])/g, '$1')
    }
    out[key] = v
  }
  return out
}
