/**
 * What an image's file name says about it. The spin layout upstream is not confirmed, so
 * nothing here knows paths: only tokens in names (desktop, arch, stream, compose date).
 */

export const ARCHES = ['x86_64', 'aarch64', 'ppc64le', 's390x', 'riscv64'] as const

/** Desktop / edition tokens, most specific first: "Workstation-GNOME" is GNOME. */
const VARIANTS: [RegExp, string][] = [
  [/^kde$|^plasma$|^kde-?plasma$/i, 'KDE'],
  [/^gnome$/i, 'GNOME'],
  [/^xfce$/i, 'Xfce'],
  [/^cinnamon$/i, 'Cinnamon'],
  [/^mate$/i, 'MATE'],
  [/^lxqt$/i, 'LXQt'],
  [/^lxde$/i, 'LXDE'],
  [/^budgie$/i, 'Budgie'],
  [/^sway$/i, 'Sway'],
  [/^i3$/i, 'i3'],
  [/^cosmic$/i, 'COSMIC'],
  [/^workstation$/i, 'Workstation']
]

export interface NameFacts {
  variant?: string
  arch?: string
  stream?: string
  /** "YYYYMMDD" or "YYYYMMDD.N" from the name. */
  compose?: string
  /** Sortable compose key (date * 1000 + respin); 0 when the name has no date. */
  composeKey: number
  live: boolean
  /** A "-latest-" alias of a dated image. */
  latestAlias: boolean
}

const tokensOf = (name: string): string[] =>
  name
    .replace(/\.iso$/i, '')
    .split(/[-_.+]/)
    .filter(Boolean)

function validDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4))
  const m = Number(yyyymmdd.slice(4, 6))
  const d = Number(yyyymmdd.slice(6, 8))
  return y >= 2000 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

/** First plausible compose date in a name: "20240301.0", "20240301", or a 12/14-digit stamp. */
export function composeOf(name: string): { compose: string; key: number } | undefined {
  for (const m of name.matchAll(/(?<!\d)(20\d{6})(\d{4}|\d{6})?(?:\.(\d{1,3}))?(?!\d)/g)) {
    if (!validDate(m[1])) continue
    const respin = m[3] !== undefined ? Number(m[3]) : m[2] ? Number(m[2]) : 0
    return { compose: m[3] !== undefined ? `${m[1]}.${m[3]}` : m[1] + (m[2] ?? ''), key: Number(m[1]) * 1_000_000 + respin }
  }
  return undefined
}

/** "Stream-9", "9-stream", "el9", "c10s"; else a lone 1-2 digit major between 8 and 20. */
export function streamOf(name: string): string | undefined {
  const explicit =
    /(?:^|[-_.])stream[-_.]?(\d{1,2})(?=[-_.]|$)/i.exec(name) ??
    /(?:^|[-_./])(\d{1,2})-stream(?=[-_./]|$)/i.exec(name) ??
    /(?:^|[-_.])(?:el|c)(\d{1,2})s?(?=[-_.]|$)/i.exec(name)
  if (explicit) return String(Number(explicit[1]))
  for (const t of tokensOf(name)) {
    if (/^\d{1,2}$/.test(t) && Number(t) >= 8 && Number(t) <= 20) return String(Number(t))
  }
  return undefined
}

export function archOf(name: string): string | undefined {
  const tokens = name.toLowerCase()
  for (const a of ARCHES) {
    if (new RegExp(`(?:^|[-_.])${a}(?=[-_.]|$)`).test(tokens)) return a
  }
  if (/(?:^|[-_.])(?:amd64|x86-64)(?=[-_.]|$)/i.test(name)) return 'x86_64'
  if (/(?:^|[-_.])arm64(?=[-_.]|$)/i.test(name)) return 'aarch64'
  return undefined
}

export function variantOf(name: string): string | undefined {
  const tokens = tokensOf(name)
  for (const [pattern, label] of VARIANTS) {
    if (tokens.some((t) => pattern.test(t))) return label
  }
  // "KDE-Plasma" splits into two tokens; the first rule already catches "KDE".
  return undefined
}

export function nameFacts(name: string): NameFacts {
  const tokens = tokensOf(name).map((t) => t.toLowerCase())
  const variant = variantOf(name)
  const compose = composeOf(name)
  return {
    variant,
    arch: archOf(name),
    stream: streamOf(name),
    compose: compose?.compose,
    composeKey: compose?.key ?? 0,
    live: tokens.includes('live') || variant !== undefined,
    latestAlias: tokens.includes('latest')
  }
}

export const isIso = (name: string): boolean => /\.iso$/i.test(name)

/**
 * Is this file name a checksum list? CHECKSUM, SHA256SUM(S), sha256sum.txt, their per-image
 * and per-compose forms (NAME.iso.SHA256SUM, COMPOSE-x86_64-CHECKSUM), and .asc copies.
 */
export function isChecksumName(name: string): boolean {
  const n = name.replace(/\.(asc|txt)$/i, '').replace(/\.(asc|txt)$/i, '')
  return /(^|[-_.])(CHECKSUMS?|SHA(256|512)SUMS?)$/i.test(n)
}

/**
 * Orders checksum files for one image, most specific first: files named after the image,
 * then files sharing its compose date (and arch), then directory-wide lists. Signed (.asc)
 * copies rank ahead of their plain twins. Files that belong to other images are dropped.
 */
export function rankChecksumCandidates(image: string, candidates: readonly string[]): string[] {
  const stem = image.replace(/\.iso$/i, '')
  const facts = nameFacts(image)
  const score = (c: string): number => {
    let s: number
    if (c.startsWith(image) || c.startsWith(stem + '.') || c.startsWith(stem + '-')) s = 300
    else if (isIso(c.replace(/[-_.](CHECKSUMS?|SHA(256|512)SUMS?)(\.asc|\.txt)*$/i, ''))) return -1
    else {
      const cc = composeOf(c)
      if (cc && facts.compose && cc.compose !== facts.compose && !cc.compose.startsWith(facts.compose) && !facts.compose.startsWith(cc.compose)) return -1
      const ca = archOf(c)
      if (ca && facts.arch && ca !== facts.arch) return -1
      s = cc ? 200 : 100
    }
    if (/\.asc$/i.test(c) || /\.txt\.asc$/i.test(c)) s += 10
    if (/SHA256/i.test(c) || /CHECKSUM/i.test(c)) s += 1
    return s
  }
  return candidates
    .map((c) => ({ c, s: score(c) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s || a.c.localeCompare(b.c))
    .map((x) => x.c)
}

export function spinId(stream: string, arch: string, variant: string): string {
  return `${stream}-${arch}-${variant}`.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-')
}

export function spinTitle(label: string, stream: string, arch: string, variant: string): string {
  return `${label} ${stream} ${variant} (${arch})`
}
