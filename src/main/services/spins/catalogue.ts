import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { Catalogue, CatalogueState, HashAlgorithm, SourceReport, SpinImage } from '../../../shared/contract/spins'
import { parseListing, type ListingEntry } from './autoindex'
import { findEntry, parseChecksumFile } from './checksum-parse'
import type { FetchLike } from './download'
import { fetchText, headInfo } from './http'
import { mapLimit } from '../system/map-limit'
import { mirrorLister } from './mirror-lister'
import { archOf, composeOf, isChecksumName, isIso, nameFacts, rankChecksumCandidates, spinTitle, streamOf, variantOf } from './names'
import { lastSegment, safeLocalName } from './local-name'
import { isProductmdImages, parseProductmdImages } from './productmd'
import { candidateKey, crawlChannels, Tally } from './layout'
import { parseSourcesDoc, type AutoindexSource, type ProductmdSource, type SpinSource } from './sources'

export const CATALOGUE_FILE = 'spins-catalogue.json'
const DEFAULT_LABEL = 'CentOS Stream Hyperscale'

export interface CatalogueDeps {
  fetch: FetchLike
  /** Where the last catalogue is kept for offline use. */
  cacheDir: string
  sources: SpinSource[]
  now?: () => number
  timeoutMs?: number
  /** Directory listings read per source at most (guards against crawling a whole mirror). */
  maxListings?: number
}

/** One ISO seen in a source, before picking the newest per (stream, channel, arch, variant). */
export interface Candidate {
  sourceId: string
  label: string
  name: string
  variant: string
  arch: string
  stream: string
  compose?: string
  composeKey: number
  latestAlias: boolean
  mtime?: string
  size?: number
  sizeApprox?: boolean
  urls: string[]
  /** The image's directory on each mirror (for its checksum files). */
  dirUrls: string[]
  /** Checksum file names seen next to it, when the directory was listed. */
  checksumNames?: string[]
  metadataChecksum?: { algorithm: HashAlgorithm; hash: string }
  /** Detached signature files (e.g. CHECKSUM.sig) beside the checksum files. */
  detachedSignatures?: string[]
  channel?: string
  experimental?: boolean
}

interface SourceResult {
  report: SourceReport
  candidates: Candidate[]
}

const dirOf = (u: string): string => new URL('./', u).toString()
const join = (base: string, rel: string): string => new URL(rel, base.endsWith('/') ? base : base + '/').toString()

function composeDate(compose: string | undefined): string | undefined {
  if (!compose) return undefined
  const d = compose.slice(0, 8)
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z`
}

/** Fills variant/arch/stream from the name, then the path, then the source's data. */
function describeIso(
  name: string,
  relPath: string,
  source: { stream?: string; arch?: string },
  hint?: { variant?: string; arch?: string }
): { variant: string; arch: string; stream: string; compose?: string; composeKey: number; live: boolean; latestAlias: boolean } {
  const facts = nameFacts(name)
  const pathCompose = facts.compose ? undefined : composeOf(relPath)
  return {
    variant: facts.variant ?? hint?.variant ?? (facts.live ? 'Live' : 'ISO'),
    arch: facts.arch ?? hint?.arch ?? archOf(relPath) ?? source.arch ?? 'unknown',
    stream: facts.stream ?? streamOf(relPath) ?? source.stream ?? 'unknown',
    compose: facts.compose ?? pathCompose?.compose,
    composeKey: facts.composeKey || pathCompose?.key || 0,
    live: facts.live || Boolean(hint?.variant),
    latestAlias: facts.latestAlias
  }
}

async function crawlAutoindex(source: AutoindexSource, deps: CatalogueDeps, firstPage?: { text: string; mirror: number }): Promise<SourceResult> {
  const maxListings = deps.maxListings ?? 64
  const exclude = source.exclude.map((e) => new RegExp(e, 'i'))
  const candidates: Candidate[] = []
  let listings = 0
  const tally = new Tally()

  const fromMirrors = mirrorLister(source.mirrors, deps, (url, entries) => tally.listed(url, entries), firstPage?.mirror ?? 0)
  /** The first page was already fetched (to tell the source's kind); the rest come from the mirrors. */
  const list = async (rel: string): Promise<ListingEntry[]> => {
    if (rel === '' && firstPage) {
      const entries = parseListing(firstPage.text)
      tally.listed(source.mirrors[firstPage.mirror], entries)
      return entries
    }
    return fromMirrors.list(rel)
  }

  const queue: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }]
  const warnings: string[] = []
  while (queue.length > 0 && listings < maxListings) {
    const { rel, depth } = queue.shift()!
    let entries: ListingEntry[]
    try {
      listings++
      entries = await list(rel)
    } catch (err) {
      if (rel === '') throw err
      warnings.push(`${rel}: ${(err as Error).message}`)
      continue
    }
    const checksumNames = entries.filter((e) => !e.isDir && isChecksumName(e.name)).map((e) => e.name)
    for (const e of entries) {
      if (e.isDir) {
        if (depth < source.depth && !exclude.some((x) => x.test(e.name))) queue.push({ rel: `${rel}${e.href.replace(/^\.\//, '')}`, depth: depth + 1 })
        continue
      }
      if (!isIso(e.name)) continue
      const d = describeIso(e.name, rel, source)
      if (!d.live) {
        tally.findings.skippedIsos++
        continue
      }
      const relFile = rel + e.href.replace(/^\.\//, '')
      candidates.push({
        sourceId: source.id,
        label: source.label ?? DEFAULT_LABEL,
        name: e.name,
        variant: d.variant,
        arch: d.arch,
        stream: d.stream,
        compose: d.compose,
        composeKey: d.composeKey,
        latestAlias: d.latestAlias,
        mtime: e.mtime,
        size: e.size,
        sizeApprox: e.sizeApprox,
        urls: source.mirrors.map((m) => join(m, relFile)),
        dirUrls: source.mirrors.map((m) => join(m, rel)),
        checksumNames: rankChecksumCandidates(e.name, checksumNames)
      })
    }
  }
  if (queue.length > 0) warnings.push(`stopped after ${maxListings} directory listings`)
  const report: SourceReport = {
    id: source.id,
    url: source.mirrors[0],
    ok: true,
    found: candidates.length,
    findings: tally.findings,
    summary: tally.summary(candidates.length)
  }
  if (warnings.length > 0) report.warnings = warnings
  return { report, candidates }
}

function productmdCandidates(source: ProductmdSource, doc: unknown): SourceResult {
  const compose = parseProductmdImages(doc)
  const candidates: Candidate[] = []
  const refused: string[] = []
  for (const img of compose.images) {
    const name = safeLocalName(lastSegment(img.path))
    if (!name) {
      refused.push(img.path.slice(0, 120))
      continue
    }
    const hintVariant = variantOf(img.subvariant ?? '') ?? (img.subvariant && img.type === 'live' ? img.subvariant : undefined)
    const d = describeIso(name, img.path, source, { variant: hintVariant, arch: img.arch })
    if (!(d.live || img.type === 'live')) continue
    const urls = source.mirrors.map((m) => new URL(img.path, new URL(source.pathBase, m)).toString())
    candidates.push({
      sourceId: source.id,
      label: source.label ?? DEFAULT_LABEL,
      name,
      variant: d.variant === 'ISO' ? (img.subvariant ?? img.variantUid) : d.variant,
      arch: img.arch || d.arch,
      stream: d.stream !== 'unknown' ? d.stream : (streamOf(compose.id) ?? 'unknown'),
      compose: `${compose.date}.${compose.respin}`,
      composeKey: Number(compose.date) * 1_000_000 + compose.respin,
      latestAlias: false,
      mtime: img.mtime,
      size: img.size,
      sizeApprox: img.size === undefined ? undefined : false,
      urls,
      dirUrls: urls.map(dirOf),
      metadataChecksum: img.checksum
    })
  }
  const report: SourceReport = { id: source.id, url: source.mirrors[0], ok: true, found: candidates.length }
  if (refused.length > 0) report.warnings = [`skipped images whose file name is not a plain name: ${refused.join(', ')}`]
  return { report, candidates }
}

async function readProductmd(source: ProductmdSource, deps: CatalogueDeps): Promise<SourceResult> {
  const res = await fetchText(deps.fetch, source.mirrors, { timeoutMs: deps.timeoutMs })
  let doc: unknown
  try {
    doc = JSON.parse(res.text)
  } catch (err) {
    throw new AppError('CatalogueParseError', `${res.url} is not JSON: ${(err as Error).message}`, { stage: 'parse images.json' })
  }
  return productmdCandidates(source, doc)
}

/** A bare URL: a sources document, an images.json, or a directory listing. */
async function readAuto(source: Extract<SpinSource, { kind: 'auto' }>, deps: CatalogueDeps, nested: boolean): Promise<SourceResult[]> {
  const res = await fetchText(deps.fetch, source.mirrors, { timeoutMs: deps.timeoutMs })
  const text = res.text.trimStart()
  if (text.startsWith('{')) {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (err) {
      throw new AppError('CatalogueParseError', `${res.url} is not valid JSON: ${(err as Error).message}`, { stage: 'read source' })
    }
    if (isProductmdImages(doc)) {
      return [productmdCandidates({ ...source, kind: 'productmd', pathBase: '../' }, doc)]
    }
    if (!nested && typeof doc === 'object' && doc !== null && 'sources' in doc) {
      const inner = parseSourcesDoc(doc, res.url)
      const results = await Promise.all(inner.sources.map((s) => readSource({ ...s, id: `${source.id}/${s.id}` }, deps, true)))
      return results.flat()
    }
    throw new AppError('CatalogueParseError', `${res.url}: JSON that is neither a productmd images.json nor a source list`, { stage: 'read source' })
  }
  const asListing: AutoindexSource = { ...source, kind: 'autoindex', depth: 1, exclude: [] }
  return [await crawlAutoindex(asListing, deps, { text: res.text, mirror: 0 })]
}

async function readSource(source: SpinSource, deps: CatalogueDeps, nested = false): Promise<SourceResult[]> {
  try {
    if (source.kind === 'autoindex') return [await crawlAutoindex(source, deps)]
    if (source.kind === 'productmd') return [await readProductmd(source, deps)]
    if (source.kind === 'channels') return [await crawlChannels(source, deps)]
    return await readAuto(source, deps, nested)
  } catch (err) {
    const error = (err as Error).message
    return [
      {
        report: { id: source.id, url: source.mirrors[0], ok: false, found: 0, error, summary: `Could not list ${source.mirrors.join(' or ')}: ${error}` },
        candidates: []
      }
    ]
  }
}

/** Newest compose per (stream, arch, variant); the same file from several sources pools its mirrors. */
export function pickNewest(candidates: readonly Candidate[]): Candidate[] {
  const groups = new Map<string, Candidate[]>()
  for (const c of candidates) {
    const key = candidateKey(c)
    groups.set(key, [...(groups.get(key) ?? []), c])
  }
  const out: Candidate[] = []
  for (const list of groups.values()) {
    const sorted = [...list].sort(
      (a, b) =>
        b.composeKey - a.composeKey ||
        Number(a.latestAlias) - Number(b.latestAlias) ||
        (b.mtime ?? '').localeCompare(a.mtime ?? '') ||
        a.name.localeCompare(b.name)
    )
    const best = { ...sorted[0], urls: [...sorted[0].urls], dirUrls: [...sorted[0].dirUrls] }
    for (const other of sorted.slice(1)) {
      if (other.name !== best.name || (other.size !== undefined && best.size !== undefined && other.size !== best.size)) continue
      for (const [i, u] of other.urls.entries()) {
        if (best.urls.includes(u)) continue
        best.urls.push(u)
        best.dirUrls.push(other.dirUrls[i])
      }
      best.checksumNames ??= other.checksumNames
      best.metadataChecksum ??= other.metadataChecksum
    }
    out.push(best)
  }
  return out.sort(
    (a, b) =>
      a.stream.localeCompare(b.stream, undefined, { numeric: true }) ||
      (a.channel ?? '').localeCompare(b.channel ?? '') ||
      a.arch.localeCompare(b.arch) ||
      a.variant.localeCompare(b.variant)
  )
}

/** The file's own time when it agrees with the compose date, else the compose date. */
function dateOf(c: Candidate): string | undefined {
  const day = composeDate(c.compose)
  if (c.mtime && (!day || c.mtime.slice(0, 10) === day.slice(0, 10))) return c.mtime
  return day ?? c.mtime
}

/** Finds the checksum file that lists the image, and exact size when the listing rounded it. */
async function enrich(c: Candidate, deps: CatalogueDeps): Promise<SpinImage> {
  const spin: SpinImage = {
    id: candidateKey(c),
    name: c.name,
    title: spinTitle(c.label, c.stream, c.arch, c.variant) + (c.channel ? ` · ${c.channel}${c.experimental ? ' (experimental)' : ''}` : ''),
    variant: c.variant,
    arch: c.arch,
    stream: c.stream,
    compose: c.compose,
    size: c.size,
    date: dateOf(c),
    urls: c.urls,
    sourceId: c.sourceId,
    ...(c.channel !== undefined ? { channel: c.channel, experimental: Boolean(c.experimental) } : {})
  }
  let exactSize = c.size !== undefined && !c.sizeApprox
  let names = c.checksumNames
  if (names === undefined) {
    // productmd does not name checksum files: look next to the image.
    try {
      const res = await fetchText(deps.fetch, c.dirUrls, { timeoutMs: deps.timeoutMs })
      names = rankChecksumCandidates(
        c.name,
        parseListing(res.text)
          .filter((e) => !e.isDir && isChecksumName(e.name))
          .map((e) => e.name)
      )
    } catch {
      names = []
    }
  }
  // A signed list beats a more specific unsigned one (e.g. NAME.iso.SHA256SUM beside a signed CHECKSUM).
  for (const file of names.slice(0, 4)) {
    const urls = c.dirUrls.map((d) => join(d, encodeURIComponent(file)))
    try {
      const res = await fetchText(deps.fetch, urls, { timeoutMs: deps.timeoutMs, maxBytes: 1024 * 1024 })
      const parsed = parseChecksumFile(res.text)
      const entry = findEntry(parsed, c.name)
      if (!entry) continue
      if (!spin.checksum || (parsed.clearSigned && !spin.checksum.signed)) {
        const detached = c.detachedSignatures?.filter((d) => d.replace(/\.(sig|sign)$/i, '') === file)
        spin.checksum = {
          urls,
          confirmed: true,
          algorithm: entry.algorithm,
          hash: entry.hash,
          signed: parsed.clearSigned,
          file,
          ...(detached?.length ? { detachedSignatures: detached } : {})
        }
        if (entry.size !== undefined && !exactSize) {
          spin.size = entry.size
          exactSize = true
        }
      }
      if (parsed.clearSigned) break
    } catch {
      // A broken or unrelated checksum file: try the next candidate.
    }
  }
  if (!spin.checksum && c.metadataChecksum) {
    spin.checksum = { urls: [], confirmed: false, fromMetadata: true, ...c.metadataChecksum }
  } else if (!spin.checksum && names.length > 0) {
    spin.checksum = { urls: c.dirUrls.map((d) => join(d, encodeURIComponent(names![0]))), confirmed: false, file: names[0] }
  }
  if (!exactSize) {
    const head = await headInfo(deps.fetch, c.urls[0], deps.timeoutMs)
    if (head.size !== undefined) spin.size = head.size
  }
  return spin
}

export async function readCachedCatalogue(cacheDir: string): Promise<Catalogue | null> {
  try {
    const data = JSON.parse(await readFile(path.join(cacheDir, CATALOGUE_FILE), 'utf8')) as Catalogue
    return data && data.schema === 1 && Array.isArray(data.spins) ? data : null
  } catch {
    return null
  }
}

async function writeCache(cacheDir: string, catalogue: Catalogue): Promise<void> {
  await mkdir(cacheDir, { recursive: true })
  const file = path.join(cacheDir, CATALOGUE_FILE)
  await writeFile(`${file}.tmp`, JSON.stringify(catalogue, null, 2))
  await rename(`${file}.tmp`, file)
}

const ageOf = (c: Catalogue, now: number): number => Math.max(0, Math.round((now - Date.parse(c.refreshedAt)) / 1000))

/** The last catalogue without touching the network. */
export async function loadCatalogue(cacheDir: string, now: () => number = Date.now): Promise<CatalogueState> {
  const catalogue = await readCachedCatalogue(cacheDir)
  return catalogue ? { catalogue, ageSeconds: ageOf(catalogue, now()), offline: false } : { catalogue: null, offline: false }
}

/**
 * Reads every source, keeps the newest compose per variant, confirms checksum files and
 * caches the result. If no source answers, the cached catalogue is returned (offline);
 * spins of sources that failed this time are carried over from the cache, marked stale.
 */
export async function refreshCatalogue(deps: CatalogueDeps): Promise<CatalogueState> {
  const now = deps.now ?? Date.now
  if (deps.sources.length === 0) throw new AppError('NoSources', 'no catalogue sources are configured', { stage: 'refresh catalogue' })
  const results = (await mapLimit(deps.sources, 4, (s) => readSource(s, deps))).flat()
  const reports = results.map((r) => r.report)
  const cached = await readCachedCatalogue(deps.cacheDir)
  if (reports.every((r) => !r.ok)) {
    const error = reports.map((r) => `${r.id}: ${r.error}`).join('; ')
    return cached ? { catalogue: cached, ageSeconds: ageOf(cached, now()), offline: true, error } : { catalogue: null, offline: true, error }
  }
  const newest = pickNewest(results.flatMap((r) => r.candidates))
  const spins = await mapLimit(newest, 4, (c) => enrich(c, deps))
  const failed = new Set(reports.filter((r) => !r.ok).map((r) => r.id))
  for (const old of cached?.spins ?? []) {
    if (failed.has(old.sourceId) && !spins.some((s) => s.id === old.id)) spins.push({ ...old, stale: true })
  }
  const catalogue: Catalogue = { schema: 1, refreshedAt: new Date(now()).toISOString(), spins, sources: reports }
  await writeCache(deps.cacheDir, catalogue)
  return { catalogue, ageSeconds: 0, offline: false }
}
