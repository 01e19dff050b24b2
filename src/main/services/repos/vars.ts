import os from 'node:os'
import type { RootFs } from '../system/rootfs'
import { parseOsRelease } from '../inspect/parsers/os-release'
import { WORD_NAME } from '../system/word-name'

/** dnf's $basearch for a machine name (hawkey's arch map, the arches CentOS Stream ships). */
export function baseArch(machine: string): string {
  if (/^i[3-6]86$|^athlon$|^geode$/.test(machine)) return 'i386'
  if (/^armv[78]/.test(machine)) return 'armhfp'
  if (machine === 'amd64') return 'x86_64'
  if (machine === 'arm64') return 'aarch64'
  return machine
}

export interface VarsOptions {
  fs: RootFs
  /** uname -m; the host's unless a test says otherwise. */
  machine?: string
  /** Overrides the os-release VERSION_ID (dnf --releasever). */
  releasever?: string
}

const VAR_DIRS = ['/etc/dnf/vars', '/etc/yum/vars']

/** The substitutions dnf would use: releasever, arch, basearch and every file in the vars dirs. */
export async function loadVars(opts: VarsOptions): Promise<Record<string, string>> {
  const vars: Record<string, string> = {}
  const machine = opts.machine ?? os.machine()
  vars.arch = machine
  vars.basearch = baseArch(machine)
  const osText = (await opts.fs.tryReadText('/etc/os-release')) ?? (await opts.fs.tryReadText('/usr/lib/os-release'))
  const releasever = opts.releasever ?? (osText ? parseOsRelease(osText).VERSION_ID : undefined)
  if (releasever) vars.releasever = releasever
  for (const dir of VAR_DIRS) {
    for (const name of await opts.fs.list(dir)) {
      if (!WORD_NAME.test(name)) continue
      const text = await opts.fs.tryReadText(`${dir}/${name}`)
      if (text !== undefined) vars[name] = text.split('\n')[0].trim()
    }
  }
  return vars
}

/**
 * libdnf's ConfigParser::substitute: $var, ${var}, ${var:-default}, ${var:+alt}, "\" escapes.
 * Unknown variables stay as written, like dnf leaves them.
 */
export function expandVars(text: string, vars: Record<string, string>): string {
  // Most values (names, most URLs) have nothing to substitute: the character-by-character
  // walk below, run cold for each value of hundreds of repos, is skipped for them.
  if (!text.includes('$') && !text.includes('\\')) return text
  return substitute(text, vars, 0).text
}

const MAX_DEPTH = 32

function lookup(name: string, vars: Record<string, string>): string | undefined {
  if (Object.prototype.hasOwnProperty.call(vars, name)) return vars[name]
  if ((name === 'releasever_major' || name === 'releasever_minor') && vars.releasever !== undefined) {
    const dot = vars.releasever.indexOf('.')
    if (name === 'releasever_major') return dot === -1 ? vars.releasever : vars.releasever.slice(0, dot)
    return dot === -1 ? '' : vars.releasever.slice(dot + 1)
  }
  return undefined
}

function substitute(text: string, vars: Record<string, string>, depth: number): { text: string; scanned: number; closed: boolean } {
  if (depth > MAX_DEPTH) return { text, scanned: text.length, closed: false }
  let out = ''
  let pos = 0
  while (pos < text.length) {
    const ch = text[pos]
    if (ch === '}' && depth > 0) return { text: out, scanned: pos, closed: true }
    if (ch === '\\') {
      if (pos + 1 >= text.length) {
        out += text.slice(pos)
        break
      }
      out += text[pos + 1]
      pos += 2
      continue
    }
    if (ch !== '$') {
      out += ch
      pos++
      continue
    }
    const braces = text[pos + 1] === '{'
    const nameStart = pos + (braces ? 2 : 1)
    let nameEnd = nameStart
    while (nameEnd < text.length && /[A-Za-z0-9_]/.test(text[nameEnd])) nameEnd++
    const name = text.slice(nameStart, nameEnd)
    const value = name ? lookup(name, vars) : undefined
    if (!braces) {
      out += value ?? text.slice(pos, nameEnd)
      pos = Math.max(nameEnd, pos + 1)
      continue
    }
    if (text[nameEnd] === '}') {
      out += value ?? text.slice(pos, nameEnd + 1)
      pos = nameEnd + 1
      continue
    }
    if (text[nameEnd] === ':' && (text[nameEnd + 1] === '-' || text[nameEnd + 1] === '+')) {
      const mode = text[nameEnd + 1]
      const word = substitute(text.slice(nameEnd + 2), vars, depth + 1)
      if (!word.closed) {
        // no closing brace: leave the whole expression as written
        out += text.slice(pos)
        break
      }
      const set = value !== undefined && value !== ''
      out += mode === '-' ? (set ? value : word.text) : set ? word.text : ''
      pos = nameEnd + 2 + word.scanned + 1
      continue
    }
    // "${name" without a usable ending: keep it literally
    out += text.slice(pos, nameEnd)
    pos = nameEnd
  }
  return { text: out, scanned: pos, closed: false }
}
