import { z } from 'zod'
import { AppError } from '../../../shared/contract/errors'
import type { HashAlgorithm } from '../../../shared/contract/spins'
import { lazy } from '../system/lazy'

/**
 * productmd images.json (format 1.x with path/size/checksums, and 2.0 with a location
 * object), as written by Pungi for composes. Only ISO images are returned.
 */

/** Built on first use, as in sources.ts: the spins service loads this module for every call. */
function buildSchemas() {
  const image1 = z.object({
    arch: z.string(),
    format: z.string(),
    type: z.string().optional(),
    subvariant: z.string().optional(),
    path: z.string(),
    size: z.number().optional(),
    mtime: z.number().optional(),
    checksums: z.record(z.string(), z.string()).optional(),
    volume_id: z.string().nullable().optional()
  })

  const image2 = z.object({
    arch: z.string(),
    format: z.string(),
    type: z.string().optional(),
    subvariant: z.string().optional(),
    mtime: z.number().optional(),
    volume_id: z.string().nullable().optional(),
    location: z.object({
      url: z.string(),
      size: z.number().optional(),
      checksum: z.string().optional(),
      local_path: z.string().optional()
    })
  })

  const imagesDoc = z.object({
    header: z.object({ type: z.string().optional(), version: z.string() }),
    payload: z.object({
      compose: z.object({ date: z.string(), id: z.string(), respin: z.number().optional(), type: z.string().optional() }),
      images: z.record(z.string(), z.record(z.string(), z.array(z.unknown())))
    })
  })
  return { image1, image2, imagesDoc }
}

const schemas = lazy(buildSchemas)

export interface ProductImage {
  /** Compose variant UID (e.g. "Workstation", "Spins"). */
  variantUid: string
  subvariant?: string
  type?: string
  arch: string
  /** Relative path (1.x / local_path) or absolute URL (2.0 location.url). */
  path: string
  size?: number
  mtime?: string
  checksum?: { algorithm: HashAlgorithm; hash: string }
  volumeId?: string
}

export interface ProductCompose {
  id: string
  /** "YYYYMMDD". */
  date: string
  respin: number
  images: ProductImage[]
}

function pickChecksum(sums: Record<string, string> | undefined): ProductImage['checksum'] {
  if (!sums) return undefined
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const h = sums[algorithm]
    if (h && /^[0-9a-f]+$/i.test(h)) return { algorithm, hash: h.toLowerCase() }
  }
  return undefined
}

export function isProductmdImages(doc: unknown): boolean {
  const header = (doc as { header?: { type?: unknown } } | null)?.header
  return typeof header === 'object' && header !== null && (header.type === 'productmd.images' || 'payload' in (doc as object))
}

export function parseProductmdImages(doc: unknown): ProductCompose {
  const { image1, image2, imagesDoc } = schemas()
  const parsed = imagesDoc.safeParse(doc)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AppError('CatalogueParseError', `not a productmd images.json: ${issue?.path.join('.') || 'root'}: ${issue?.message}`, {
      stage: 'parse images.json'
    })
  }
  const { compose, images } = parsed.data.payload
  const out: ProductImage[] = []
  for (const [variantUid, arches] of Object.entries(images)) {
    for (const list of Object.values(arches)) {
      for (const raw of list) {
        const v1 = image1.safeParse(raw)
        if (v1.success) {
          if (v1.data.format !== 'iso') continue
          out.push({
            variantUid,
            subvariant: v1.data.subvariant || undefined,
            type: v1.data.type,
            arch: v1.data.arch,
            path: v1.data.path,
            size: v1.data.size,
            mtime: v1.data.mtime ? new Date(v1.data.mtime * 1000).toISOString() : undefined,
            checksum: pickChecksum(v1.data.checksums),
            volumeId: v1.data.volume_id ?? undefined
          })
          continue
        }
        const v2 = image2.safeParse(raw)
        if (v2.success) {
          if (v2.data.format !== 'iso') continue
          const [algo, hex] = (v2.data.location.checksum ?? '').split(':')
          const checksum = hex && (algo === 'sha256' || algo === 'sha512') ? { [algo]: hex } : undefined
          out.push({
            variantUid,
            subvariant: v2.data.subvariant || undefined,
            type: v2.data.type,
            arch: v2.data.arch,
            // A relative url is the path; local_path is the v1 layout used by mirrors.
            path: /^https?:\/\//i.test(v2.data.location.url) ? v2.data.location.url : (v2.data.location.local_path ?? v2.data.location.url),
            size: v2.data.location.size,
            mtime: v2.data.mtime ? new Date(v2.data.mtime * 1000).toISOString() : undefined,
            checksum: pickChecksum(checksum),
            volumeId: v2.data.volume_id ?? undefined
          })
        }
      }
    }
  }
  return { id: compose.id, date: compose.date, respin: compose.respin ?? 0, images: out }
}
