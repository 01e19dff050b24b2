/**
 * The .repo / dnf.conf syntax exactly as libdnf's IniParser reads it
 * (libdnf/utils/iniparser/iniparser.cpp): comments only when '#' or ';' is the first
 * character, indented lines continue the previous value, and the same five syntax errors.
 * A file with one of them is skipped by dnf as a whole. An indented line after a blank
 * line is where libdnf versions differ: libdnf 0.69 (dnf 4.14, CentOS Stream 9) rejects
 * the file ("Illegal continuation line"), later libdnf appends it to the value. It is
 * read the later way and reported as a warning that names both.
 */

export interface IniValue {
  value: string
  line: number
}

export interface IniSection {
  name: string
  line: number
  values: Map<string, IniValue>
}

export interface IniWarning {
  line: number
  message: string
}

export interface IniResult {
  sections: IniSection[]
  /** The first syntax error; when set, `sections` holds what was read before it and must not be used. */
  error?: { line: number; message: string }
  warnings: IniWarning[]
}

/** Space or tab: what libdnf trims around a key and a value. */
const isSpaceOrTab = (c: number): boolean => c === 32 || c === 9
/** Space, tab or carriage return: what libdnf trims around lines. */
const isBlank = (c: number): boolean => isSpaceOrTab(c) || c === 13

export function parseIni(text: string): IniResult {
  const sections: IniSection[] = []
  const byName = new Map<string, IniSection>()
  const warnings: IniWarning[] = []
  let current: IniSection | undefined
  let lastKey: { section: IniSection; key: string } | undefined
  let blankSinceKey = false
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1
    let line = lines[i]
    if (n === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1)
    if (line[0] === '#' || line[0] === ';') continue
    // Most lines neither start nor end with a blank: told by one character each, since these
    // expressions, run cold for each line of hundreds of files, were most of `repos list`'s parse.
    const start = line !== '' && !isBlank(line.charCodeAt(0)) ? 0 : line.search(/[^ \t\r]/)
    if (start === -1) {
      blankSinceKey = true
      continue
    }
    const trimmed = isBlank(line.charCodeAt(line.length - 1)) ? line.replace(/[ \t\r]+$/, '') : line
    if (!current && line[start] !== '[') return { sections, error: { line: n, message: 'Missing section header' }, warnings }
    if (start > 0 && line[start] !== '[') {
      if (!lastKey) return { sections, error: { line: n, message: 'Illegal continuation line' }, warnings }
      const v = lastKey.section.values.get(lastKey.key)!
      if (blankSinceKey) {
        warnings.push({
          line: n,
          message: `indented line after a blank line: dnf 4.14 (libdnf 0.69, as on CentOS Stream 9) rejects the whole file with "Illegal continuation line", newer libdnf appends it to ${lastKey.key}= of [${lastKey.section.name}]. Remove the blank line or the indentation.`
        })
      }
      v.value += '\n' + trimmed.slice(start)
      continue
    }
    if (line[start] === '[') {
      const close = line.indexOf(']', start + 1)
      if (close === -1) return { sections, error: { line: n, message: "Missing ']'" }, warnings }
      if (close === start + 1) return { sections, error: { line: n, message: 'Empty section name' }, warnings }
      // Same scan as libdnf, which stops one short of the last character ("[a]x" loads, "[a]xy" does not).
      for (let k = close + 1; k < trimmed.length - 1; k++) {
        const ch = trimmed[k]
        if (ch === '#' || ch === ';') break
        if (ch !== ' ' && ch !== '\t' && ch !== '\r') return { sections, error: { line: n, message: 'Text after section' }, warnings }
      }
      const name = line.slice(start + 1, close)
      const existing = byName.get(name)
      if (existing) {
        // libdnf merges a repeated section into the first one; say so, since it is rarely intended.
        warnings.push({ line: n, message: `section [${name}] repeats the one at line ${existing.line}; dnf merges them` })
        current = existing
      } else {
        current = { name, line: n, values: new Map() }
        byName.set(name, current)
        sections.push(current)
      }
      lastKey = undefined
      blankSinceKey = false
      continue
    }
    if (!current) return { sections, error: { line: n, message: 'Missing section header' }, warnings }
    if (line[start] === '=') return { sections, error: { line: n, message: 'Missing key' }, warnings }
    const eq = line.indexOf('=')
    if (eq === -1) return { sections, error: { line: n, message: "Missing '='" }, warnings }
    const key = isSpaceOrTab(line.charCodeAt(eq - 1)) ? line.slice(0, eq).replace(/[ \t]+$/, '') : line.slice(0, eq)
    const value =
      trimmed.length > eq + 1 ? (isSpaceOrTab(trimmed.charCodeAt(eq + 1)) ? trimmed.slice(eq + 1).replace(/^[ \t]+/, '') : trimmed.slice(eq + 1)) : ''
    current.values.set(key, { value, line: n })
    lastKey = { section: current, key }
    blankSinceKey = false
  }
  return { sections, warnings }
}

/** libdnf's boolean option values. */
export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase()
  if (['1', 'yes', 'true', 'on'].includes(v)) return true
  if (['0', 'no', 'false', 'off'].includes(v)) return false
  return undefined
}

/** List options (baseurl, gpgkey): separated by whitespace, commas or continuation lines. */
export function parseList(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean)
}
