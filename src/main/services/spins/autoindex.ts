import { safeLocalName } from './local-name'

/**
 * Directory listings as served by mirrors: nginx autoindex (HTML and JSON formats) and
 * Apache mod_autoindex (table and <pre> layouts). Only what a listing reliably carries is
 * kept: name, directory flag, size (exact or approximate) and modification time.
 */

export interface ListingEntry {
  /** Decoded file name, without a trailing slash for directories. */
  name: string
  /** The href as given, to be resolved against the listing URL. */
  href: string
  isDir: boolean
  size?: number
  /** True when the size was printed rounded ("2.0G", "512M"). */
  sizeApprox?: boolean
  /** ISO date-time (UTC as printed; listings carry no zone). */
  mtime?: string
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
      return Number.isFinite(code) ? String.fromCodePoint(code) : m
    }
    return ENTITIES[e.toLowerCase()] ?? m
  })
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

/** "18-Dec-2023 10:12", "2023-12-18 10:12", "2022-Dec-17 17:49", optional seconds. */
export function parseListingDate(text: string): string | undefined {
  let m = /(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(text)
  if (m && MONTHS[m[2].toLowerCase()]) {
    return `${m[3]}-${pad(MONTHS[m[2].toLowerCase()])}-${pad(Number(m[1]))}T${pad(Number(m[4]))}:${m[5]}:${m[6] ?? '00'}Z`
  }
  m = /(\d{4})-(\d{2})-(\d{2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(text)
  if (m) return `${m[1]}-${m[2]}-${m[3]}T${pad(Number(m[4]))}:${m[5]}:${m[6] ?? '00'}Z`
  m = /(\d{4})-([A-Za-z]{3})-(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(text)
  if (m && MONTHS[m[2].toLowerCase()]) {
    return `${m[1]}-${pad(MONTHS[m[2].toLowerCase()])}-${pad(Number(m[3]))}T${pad(Number(m[4]))}:${m[5]}:${m[6] ?? '00'}Z`
  }
  return undefined
}

const UNIT: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** "1096810496" (exact), "1.0G" / "512M" / "4K" (approximate), "-" (none). */
export function parseListingSize(token: string): { size: number; approx: boolean } | undefined {
  const t = token.trim()
  if (/^\d+$/.test(t)) return { size: Number(t), approx: false }
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])i?B?$/i.exec(t)
  if (m) return { size: Math.round(Number(m[1]) * UNIT[m[2].toUpperCase()]), approx: true }
  return undefined
}

function nameFromHref(href: string): string | undefined {
  try {
    const clean = href.split(/[?#]/)[0]
    const parts = clean.replace(/\/+$/, '').split('/')
    const last = parts[parts.length - 1]
    return last ? decodeURIComponent(last) : undefined
  } catch {
    return undefined
  }
}

/** Links that are not entries of this directory: sorting, parent, absolute, other hosts. */
function skipHref(href: string, label: string): boolean {
  if (href === '' || href.startsWith('?') || href.startsWith('#')) return true
  if (href === '../' || href === '..' || /^parent directory$/i.test(label.trim())) return true
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return true
  // Absolute paths appear for "Parent Directory" in Apache; real entries are relative.
  if (href.startsWith('/')) return true
  return false
}

function parseJsonListing(text: string): ListingEntry[] | undefined {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!Array.isArray(data)) return undefined
  const out: ListingEntry[] = []
  for (const item of data) {
    if (typeof item !== 'object' || item === null) continue
    const { name, type, mtime, size } = item as { name?: unknown; type?: unknown; mtime?: unknown; size?: unknown }
    if (typeof name !== 'string' || name === '' || name.includes('/')) continue
    const isDir = type === 'directory'
    // A file must be usable as a local name exactly as listed (local-name.ts).
    if (!isDir && safeLocalName(name) !== name) continue
    const date = typeof mtime === 'string' ? new Date(mtime) : undefined
    out.push({
      name,
      href: encodeURIComponent(name) + (isDir ? '/' : ''),
      isDir,
      size: typeof size === 'number' ? size : undefined,
      sizeApprox: typeof size === 'number' ? false : undefined,
      mtime: date && !Number.isNaN(date.getTime()) ? date.toISOString().replace('.000Z', 'Z') : undefined
    })
  }
  return out
}

/**
 * Parses a listing page. Each `<a href>` that names a relative entry becomes one entry; the
 * date and size are read from the text after the link up to the next link or row end.
 */
export function parseListing(text: string): ListingEntry[] {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('[')) return parseJsonListing(trimmed) ?? []
  const out: ListingEntry[] = []
  const seen = new Set<string>()
  const anchor = /<a\s[^>]*?href\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a>/gi
  const matches = [...text.matchAll(anchor)]
  // Table layouts (Apache) keep a row together up to </tr>, even across lines; <pre> layouts
  // (nginx, Apache without HTMLTable) put one entry per line.
  const rowEndPattern = /<tr[\s>]/i.test(text) ? /<\/tr>/i : /\r?\n/
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]
    const href = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '')
    const label = decodeEntities(m[5].replace(/<[^>]*>/g, ''))
    if (skipHref(href, label)) continue
    const isDir = href.split(/[?#]/)[0].endsWith('/')
    // Files become local names: split on the raw "/" first, then decode and check (local-name.ts).
    const name = isDir ? nameFromHref(href) : safeLocalName(href.split(/[?#]/)[0].replace(/^.*\//, ''))
    if (!name || name === '.' || name === '..') continue
    if (seen.has(name)) continue
    seen.add(name)
    const afterStart = (m.index ?? 0) + m[0].length
    const afterEnd = i + 1 < matches.length ? (matches[i + 1].index ?? text.length) : text.length
    let after = text.slice(afterStart, afterEnd)
    const rowEnd = after.search(rowEndPattern)
    if (rowEnd >= 0) after = after.slice(0, rowEnd)
    const plain = decodeEntities(after.replace(/<[^>]*>/g, ' '))
      .replace(/\s+/g, ' ')
      .trim()
    const entry: ListingEntry = { name, href, isDir }
    const mtime = parseListingDate(plain)
    if (mtime) entry.mtime = mtime
    if (!isDir) {
      // The size is the token after the date (Apache may add a description after it).
      const dateMatch = /\d{1,4}-[A-Za-z0-9]{2,3}-\d{1,4}\s+\d{1,2}:\d{2}(?::\d{2})?/.exec(plain)
      const rest = dateMatch ? plain.slice(dateMatch.index + dateMatch[0].length).trim() : plain
      const size = rest ? parseListingSize(rest.split(' ')[0]) : undefined
      if (size) {
        entry.size = size.size
        entry.sizeApprox = size.approx
      }
    }
    out.push(entry)
  }
  return out
}
