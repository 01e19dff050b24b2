import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { lazy } from '../system/lazy'

/** NAME.part.json: what is needed to trust and continue NAME.part after a restart. */
function buildPartMetaSchema() {
  return z.object({
    schema: z.literal(1),
    name: z.string(),
    urls: z.array(z.string()),
    total: z.number().int().nonnegative().optional(),
    algorithm: z.enum(['sha256', 'sha512']),
    expectedHash: z.string().optional(),
    /** Per URL: mirrors of one file carry different ETags, so validators are kept per mirror. */
    validators: z.record(z.string(), z.object({ etag: z.string().optional(), lastModified: z.string().optional() })),
    createdAt: z.string()
  })
}

/** Built on first use, as the spins service's other schemas (sources.ts). */
const partMetaSchema = lazy(buildPartMetaSchema)

export type PartMeta = z.infer<ReturnType<typeof buildPartMetaSchema>>

export const partPath = (dest: string): string => `${dest}.part`
export const metaPath = (dest: string): string => `${dest}.part.json`

export async function readPartMeta(dest: string): Promise<PartMeta | undefined> {
  try {
    const parsed = partMetaSchema().safeParse(JSON.parse(await readFile(metaPath(dest), 'utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** Written to a temp name then renamed, so a crash never leaves half a sidecar. */
export async function writePartMeta(dest: string, meta: PartMeta): Promise<void> {
  const tmp = `${metaPath(dest)}.tmp`
  await writeFile(tmp, JSON.stringify(meta, null, 2))
  await rename(tmp, metaPath(dest))
}

export async function partSize(dest: string): Promise<number> {
  try {
    return (await stat(partPath(dest))).size
  } catch {
    return 0
  }
}

export async function removePart(dest: string): Promise<void> {
  await rm(partPath(dest), { force: true })
  await rm(metaPath(dest), { force: true })
}
