import { z } from 'zod'
import { event, method } from './define'

export type HashAlgorithm = 'sha256' | 'sha512'

import type { VerificationState } from './verification'

export * from './verification'

export interface SignatureInfo {
  /**
   * 'unknown-key': signed, but by no key we have, so the signature could not be checked.
   * 'unsupported': signed by a trusted key in a format that cannot be checked (v3). Both
   * count as "signature unavailable", never as good.
   */
  status: 'good' | 'bad' | 'unknown-key' | 'unsupported' | 'unsigned'
  /** 16-hex-digit key ids named by the signature packets (upper case). */
  keyIds: string[]
  /** Full fingerprint of the key that verified it, when good or bad. */
  fingerprint?: string
  /** First user id of that key. */
  signer?: string
  /** Signature creation time (ISO), when known. */
  created?: string
  message: string
}

export interface VerifyResult {
  state: VerificationState
  file: string
  algorithm: HashAlgorithm
  /** Hash of the file (lower-case hex). */
  actual: string
  expected?: string
  /** Where the expected hash came from: a path, a URL, "pasted", or "catalogue". */
  checksumSource?: string
  /** The name looked up in the checksum file. */
  entryName?: string
  /** Size the checksum file states (`# name: N bytes`), when it does. */
  expectedSize?: number
  signature: SignatureInfo
  /** One-line summary for people. */
  message: string
  warnings: string[]
}

export interface SpinChecksum {
  /** Checksum file URLs, one per mirror, same file. */
  urls: string[]
  /** The checksum file was confirmed to list this image (it was fetched and parsed). */
  confirmed: boolean
  algorithm?: HashAlgorithm
  hash?: string
  /** Clear-signed (PGP) checksum file. */
  signed?: boolean
  /** Hash from metadata (productmd images.json) when no checksum file lists the image. */
  fromMetadata?: boolean
  /** File name of the checksum file that covers the image (e.g. "CHECKSUM", "NAME.iso.sha256"). */
  file?: string
  /** Detached signature files seen beside it (e.g. "CHECKSUM.sig"); listed, not checked. */
  detachedSignatures?: string[]
}

export interface SpinImage {
  /** Stable across refreshes: `<stream>-<arch>-<variant>` in lower case, e.g. "9-x86_64-gnome". */
  id: string
  /** File name of the ISO. */
  name: string
  title: string
  variant: string
  arch: string
  stream: string
  /** Compose id or date from the name or metadata, e.g. "20240301.0". */
  compose?: string
  size?: number
  /** ISO date-time: compose date, else the listing's modification time. */
  date?: string
  /** Download URLs, one per mirror, preferred first. */
  urls: string[]
  checksum?: SpinChecksum
  sourceId: string
  /** Served from the previous catalogue because its source failed this time. */
  stale?: boolean
  /** Release channel: the folder under the SIG's images/ tree (e.g. "experimental"). */
  channel?: string
  /** The channel is an experimental one: say so wherever the image is offered. */
  experimental?: boolean
}

/** What a source's listings held, so an empty catalogue can say what was there instead. */
export interface SourceFindings {
  /** Listings read (URLs), first few only. */
  looked: string[]
  directories: number
  files: number
  isos: number
  /** ISOs that are not live images (boot, netinst, dvd). */
  skippedIsos: number
  checksumFiles: number
  /** Package repositories (folders with repodata/) left alone. */
  packageRepos: number
  /** Channel folders found, in listing order. */
  channels?: string[]
}

export interface SourceReport {
  id: string
  url: string
  ok: boolean
  /** ISOs found before picking the newest per variant. */
  found: number
  error?: string
  /** Subdirectories that could not be read, and similar partial failures. */
  warnings?: string[]
  findings?: SourceFindings
  /** One sentence: where it looked and what it found, e.g. "3 directories, no .iso files". */
  summary?: string
}

export interface Catalogue {
  schema: 1
  refreshedAt: string
  spins: SpinImage[]
  sources: SourceReport[]
}

export interface CatalogueState {
  catalogue: Catalogue | null
  /** Seconds since the catalogue was refreshed. */
  ageSeconds?: number
  /** True when this is the cached catalogue because a refresh could not reach any source. */
  offline: boolean
  error?: string
  /** Something the user should know about the catalogue itself (e.g. entries dropped as unsafe). */
  notice?: string
}

export type DownloadStatus = 'queued' | 'checking' | 'hashing-part' | 'downloading' | 'verifying' | 'paused' | 'done' | 'failed' | 'cancelled'

export interface DownloadInfo {
  id: string
  name: string
  /** Final path of the image. */
  path: string
  spinId?: string
  status: DownloadStatus
  bytes: number
  total?: number
  percent?: number
  /** Smoothed bytes per second. */
  speed?: number
  etaSeconds?: number
  /** URL currently (or last) used. */
  mirror?: string
  /** Failover notes, newest last (e.g. "mirror A: stalled 15 s"). */
  notes: string[]
  sha256?: string
  verification?: VerifyResult
  error?: { name: string; message: string; stage?: string; hint?: string }
  startedAt: string
  updatedAt: string
}

const id = z.string().min(1).max(200)
const path = z.string().min(1).max(4096)
const hex = z.string().regex(/^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{128}$/, 'a SHA-256 (64) or SHA-512 (128) hex digest')

export const spinsMethods = {
  'spins.list': method<CatalogueState>()(z.object({}).strict()),
  'spins.refresh': method<CatalogueState>()(z.object({}).strict()),
  'spins.download.start': method<DownloadInfo>()(
    z
      .object({
        spinId: id.optional(),
        /** A custom URL instead of a catalogue entry. */
        url: z.string().url().max(4096).optional(),
        dest: path.optional(),
        /** Expected hash for a custom URL. */
        sha256: hex.optional(),
        checksumUrl: z.string().url().max(4096).optional(),
        /** A local checksum file (absolute path) for a custom URL. */
        checksumFile: path.refine((p) => p.startsWith('/') && !p.includes('\0'), 'an absolute path').optional()
      })
      .strict()
      .refine((v) => Boolean(v.spinId) !== Boolean(v.url), 'give exactly one of spinId or url')
      .refine((v) => !(v.checksumUrl && v.checksumFile), 'give a checksum URL or a checksum file, not both')
  ),
  'spins.download.pause': method<DownloadInfo>()(z.object({ id }).strict()),
  'spins.download.resume': method<DownloadInfo>()(z.object({ id }).strict()),
  'spins.download.cancel': method<DownloadInfo>()(z.object({ id }).strict()),
  'spins.download.list': method<DownloadInfo[]>()(z.object({}).strict()),
  'spins.verify': method<VerifyResult>()(
    z
      .object({
        file: path,
        /** A checksum file path or an http(s) URL. */
        checksum: z.string().min(1).max(4096).optional(),
        /** A pasted SHA-256 or SHA-512 hex digest. */
        hash: hex.optional(),
        /** Extra armored public keys for this call (besides bundled and imported ones). */
        keys: z.array(z.string().max(65536)).max(8).optional()
      })
      .strict()
  )
}

export const spinsEvents = {
  'spins.progress': event<DownloadInfo>()
}
