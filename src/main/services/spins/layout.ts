import type { SourceFindings, SourceReport } from '../../../shared/contract/spins'
import type { ListingEntry } from './autoindex'
import type { Candidate } from './catalogue'
import type { FetchLike } from './download'
import { joinUrl, mirrorLister } from './mirror-lister'
import { ARCHES, composeOf, isChecksumName, isIso, nameFacts, rankChecksumCandidates, spinId, streamOf } from './names'
import type { ChannelsSource } from './sources'

/**
 * The SIG's spin tree: `.../hyperscale/images/<channel>/` (quoted by the SIG co-chairs for
 * 9-stream/experimental), x86_64 and aarch64. Below a channel the folders and names are not
 * documented, so this accepts what a mirror plausibly holds (arch or compose folders, flat
 * files with the arch in the name) and records everything it saw, so that an empty result
 * can say what was there instead.
 */

const DEFAULT_LABEL = 'CentOS Stream Hyperscale'

/** Folders that are package repositories, not image folders. */
const PACKAGE_DIR = /^(packages-.*|repodata|Packages|SRPMS|os)$/i

/** ISOs that are installers or media sets rather than live spins. */
const NOT_LIVE = /(^|[-_.])(boot|netinst|dvd\d*|minimal|src|source|debug)([-_.]|$)/i

/** Tokens of an image name that say nothing about which spin it is. */
const NOISE = /^(centos|stream|hyperscale|hs|live|latest|iso|spin|image|el\d+|c\d+s)$/i

const SUM_SUFFIX = /\.(sha256|sha512)(sums?)?$/i

export interface LayoutDeps {
  fetch: FetchLike
  timeoutMs?: number
  maxListings?: number
}

/** Counts what listings held. Shared by every crawler so all sources can explain themselves. */
export class Tally {
  readonly findings: SourceFindings = { looked: [], directories: 0, files: 0, isos: 0, skippedIsos: 0, checksumFiles: 0, packageRepos: 0 }

  listed(url: string, entries: readonly ListingEntry[]): void {
    if (this.findings.looked.length < 12) this.findings.looked.push(url)
    for (const e of entries) {
      if (e.isDir) this.findings.directories++
      else {
        this.findings.files++
        if (isIso(e.name)) this.findings.isos++
        else if (isSumFile(e.name)) this.findings.checksumFiles++
      }
    }
  }

  summary(found: number): string {
    const f = this.findings
    const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`
    const parts = [n(f.directories, 'directory', 'directories')]
    if (f.channels?.length) parts.push(`channels ${f.channels.join(', ')}`)
    if (f.packageRepos) parts.push(`${n(f.packageRepos, 'package repository', 'package repositories')} (not searched)`)
    parts.push(n(f.files - f.isos - f.checksumFiles, 'other file', 'other files'))
    if (f.checksumFiles) parts.push(n(f.checksumFiles, 'checksum file', 'checksum files'))
    if (f.isos === 0) parts.push('no .iso files')
    else if (found === 0) parts.push(`${n(f.isos, '.iso file', '.iso files')}, none of them a live image`)
    else parts.push(`${n(found, 'live image', 'live images')}${f.skippedIsos ? ` (${f.skippedIsos} other .iso skipped)` : ''}`)
    const where = f.looked[0] ?? '(nothing listed)'
    return `Looked in ${where}${f.looked.length > 1 ? ` and ${f.looked.length - 1} folder${f.looked.length > 2 ? 's' : ''} below` : ''}: ${parts.join(', ')}.`
  }
}

/** A checksum list or its signed copy: CHECKSUM, *SUMS, NAME.iso.sha256, with .asc/.sig/.txt. */
export function isSumFile(name: string): boolean {
  const bare = name.replace(/(\.(asc|sig|sign|txt))+$/i, '')
  return isChecksumName(bare) || SUM_SUFFIX.test(bare)
}

const isDetachedSig = (name: string): boolean => /\.(sig|sign)$/i.test(name)

/** A checksum file named after one image (NAME.iso.sha256, NAME.iso.SHA256SUM, NAME-CHECKSUM). */
function perImageFile(name: string): boolean {
  return /\.iso[-_.]/i.test(name) || SUM_SUFFIX.test(name.replace(/(\.(asc|txt))+$/i, ''))
}

/**
 * Checksum files in a folder that may cover this image, most specific first, and the
 * detached signatures that go with them. Files named after another image are not offered.
 */
export function checksumFilesFor(iso: string, names: readonly string[]): { names: string[]; detached: string[] } {
  const stem = iso.replace(/\.iso$/i, '')
  const sums = names.filter((n) => isSumFile(n) && !isDetachedSig(n))
  const mine = sums.filter((n) => !perImageFile(n) || n.startsWith(iso) || n.startsWith(`${stem}.`) || n.startsWith(`${stem}-`))
  const ranked = rankChecksumCandidates(iso, mine)
  const detached = names.filter((n) => isDetachedSig(n) && ranked.includes(n.replace(/\.(sig|sign)$/i, '')))
  return { names: ranked, detached }
}

/** The spin's name: its desktop when the name has one, else what is left after the noise. */
export function variantFromName(name: string): string {
  const facts = nameFacts(name)
  if (facts.variant) return facts.variant
  let stem = name.replace(/\.iso$/i, '')
  // Arch names contain the separators ("x86_64"): take them out before splitting.
  for (const a of [...ARCHES, 'amd64', 'arm64', 'x86-64']) stem = stem.replace(new RegExp(`(^|[-_.+])${a}(?=[-_.+]|$)`, 'gi'), '$1')
  const tokens = stem.split(/[-_.+]/).filter((t) => t && !NOISE.test(t) && !/^\d+$/.test(t))
  return tokens.length > 0 ? tokens.join('-') : 'Live'
}

export const isLiveCandidate = (name: string): boolean => isIso(name) && !NOT_LIVE.test(name.replace(/\.iso$/i, ''))

/** Grouping key: one entry per (stream, channel, arch, variant). */
export function candidateKey(c: { stream: string; arch: string; variant: string; channel?: string }): string {
  return c.channel ? spinId(c.stream, `${c.channel}-${c.arch}`, c.variant) : spinId(c.stream, c.arch, c.variant)
}

const join = joinUrl
const hrefOf = (e: ListingEntry): string => e.href.replace(/^\.\//, '')

interface Folder {
  rel: string
  depth: number
  channel?: string
  arch?: string
}

/** Lists the SIG's images tree on the first mirror that answers and returns its live ISOs. */
export async function crawlChannels(source: ChannelsSource, deps: LayoutDeps): Promise<{ report: SourceReport; candidates: Candidate[] }> {
  const maxListings = deps.maxListings ?? 64
  const exclude = source.exclude.map((e) => new RegExp(e, 'i'))
  const experimental = source.experimentalChannels.map((e) => new RegExp(e, 'i'))
  const tally = new Tally()
  tally.findings.channels = []
  const candidates: Candidate[] = []
  const warnings: string[] = []
  let listings = 0

  const mirrors = mirrorLister(source.mirrors, deps, (url, entries) => tally.listed(url, entries))
  const list = mirrors.list

  const queue: Folder[] = [{ rel: '', depth: 0 }]
  while (queue.length > 0) {
    if (listings >= maxListings) {
      warnings.push(`stopped after ${maxListings} folders; ${queue.length} not read`)
      break
    }
    const folder = queue.shift()!
    let entries: ListingEntry[]
    try {
      listings++
      entries = await list(folder.rel)
    } catch (err) {
      if (folder.rel === '') throw err
      warnings.push(`${folder.rel}: ${(err as Error).message}`)
      continue
    }
    if (folder.rel !== '' && entries.some((e) => e.isDir && e.name === 'repodata')) {
      // A package repository may hold images/boot.iso; it is not a spin folder.
      tally.findings.packageRepos++
      continue
    }
    const fileNames = entries.filter((e) => !e.isDir).map((e) => e.name)
    for (const e of entries) {
      if (e.isDir) {
        if (PACKAGE_DIR.test(e.name)) {
          tally.findings.packageRepos++
          continue
        }
        if (exclude.some((x) => x.test(e.name)) || folder.depth > source.depth) continue
        const next: Folder = { rel: `${folder.rel}${hrefOf(e)}`, depth: folder.depth + 1, channel: folder.channel, arch: folder.arch }
        if (folder.depth === 0) {
          next.channel = e.name
          tally.findings.channels!.push(e.name)
        } else if ((ARCHES as readonly string[]).includes(e.name)) next.arch = e.name
        queue.push(next)
        continue
      }
      if (!isIso(e.name)) continue
      if (!isLiveCandidate(e.name)) {
        tally.findings.skippedIsos++
        continue
      }
      const facts = nameFacts(e.name)
      const pathCompose = facts.compose ? undefined : composeOf(folder.rel)
      const urls = source.mirrors.map((m) => join(m, folder.rel + hrefOf(e)))
      const sums = checksumFilesFor(e.name, fileNames)
      candidates.push({
        sourceId: source.id,
        label: source.label ?? DEFAULT_LABEL,
        name: e.name,
        variant: variantFromName(e.name),
        arch: facts.arch ?? folder.arch ?? source.arch ?? 'unknown',
        stream: facts.stream ?? source.stream ?? streamOf(new URL(source.mirrors[0]).pathname) ?? 'unknown',
        compose: facts.compose ?? pathCompose?.compose,
        composeKey: facts.composeKey || pathCompose?.key || 0,
        latestAlias: facts.latestAlias,
        mtime: e.mtime,
        size: e.size,
        sizeApprox: e.sizeApprox,
        urls,
        dirUrls: source.mirrors.map((m) => join(m, folder.rel)),
        checksumNames: sums.names,
        detachedSignatures: sums.detached,
        channel: folder.channel,
        experimental: folder.channel !== undefined && experimental.some((x) => x.test(folder.channel!))
      })
    }
  }
  const report: SourceReport = {
    id: source.id,
    url: source.mirrors[mirrors.preferred()],
    ok: true,
    found: candidates.length,
    findings: tally.findings,
    summary: tally.summary(candidates.length)
  }
  if (warnings.length > 0) report.warnings = warnings
  return { report, candidates }
}
