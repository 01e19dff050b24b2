import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { AppError } from '../../../shared/contract/errors'
import { lazy } from '../system/lazy'

/**
 * Where spins are listed. This is data (resources/spins/sources.json, or URLs from
 * Settings): the SIG publishes under .../hyperscale/images/<channel>/, but the folders and
 * file names below that are not documented, so no URL or path pattern lives in code.
 */

/**
 * The schemas, built on first use: `hsc write` loads this module (through the spins service)
 * only to look up a verified download, and building them cost it ~2 ms.
 */
function buildSchemas() {
  const url = z.string().url().max(2048)

  const common = {
    id: z.string().min(1).max(100),
    /** Prefix of titles, e.g. "CentOS Stream Hyperscale". */
    label: z.string().max(100).optional(),
    /** Applied when the image names do not say it. */
    stream: z.string().max(10).optional(),
    arch: z.string().max(20).optional()
  }

  const autoindexSourceSchema = z
    .object({
      ...common,
      kind: z.literal('autoindex'),
      /** The same directory on several mirrors, preferred first; listed from the first that answers. */
      mirrors: z.array(url).min(1).max(16),
      /** How many levels of subdirectories to read (compose or arch folders). */
      depth: z.number().int().min(0).max(4).default(1),
      /** Regular expressions (case-insensitive) of directory names not to enter. */
      exclude: z.array(z.string().max(200)).max(32).default([])
    })
    .strict()

  const productmdSourceSchema = z
    .object({
      ...common,
      kind: z.literal('productmd'),
      /** images.json of the same compose on several mirrors. */
      mirrors: z.array(url).min(1).max(16),
      /** What image paths are relative to, resolved against each images.json URL. */
      pathBase: z.string().max(200).default('../')
    })
    .strict()

  /**
   * The SIG's images tree (`.../hyperscale/images/`): its subdirectories are release channels
   * (e.g. "experimental"), and below each the images sit flat or in per-arch or per-compose
   * folders. Package repositories (a folder with repodata/) are never entered.
   */
  const channelsSourceSchema = z
    .object({
      ...common,
      kind: z.literal('channels'),
      mirrors: z.array(url).min(1).max(16),
      /** Levels of folders read below a channel (arch, compose, iso folders). */
      depth: z.number().int().min(0).max(4).default(2),
      /** Regular expressions (case-insensitive) of directory names not to enter. */
      exclude: z.array(z.string().max(200)).max(32).default([]),
      /** Channels whose images are labelled experimental (regular expressions, case-insensitive). */
      experimentalChannels: z.array(z.string().max(200)).max(16).default(['^experimental$'])
    })
    .strict()

  /** A bare URL from Settings: a listing, an images.json or a sources document, found out on refresh. */
  const autoSourceSchema = z.object({ ...common, kind: z.literal('auto'), mirrors: z.array(url).min(1).max(1) }).strict()

  const sourceSchema = z.discriminatedUnion('kind', [autoindexSourceSchema, productmdSourceSchema, channelsSourceSchema, autoSourceSchema])

  const sourcesDocSchema = z
    .object({
      schema: z.literal(1),
      comment: z.string().optional(),
      sources: z.array(sourceSchema).max(64)
    })
    .strict()

  return { autoindexSourceSchema, productmdSourceSchema, channelsSourceSchema, sourceSchema, sourcesDocSchema }
}

const schemas = lazy(buildSchemas)
type Schemas = ReturnType<typeof buildSchemas>

export type SpinSource = z.infer<Schemas['sourceSchema']>
export type AutoindexSource = z.infer<Schemas['autoindexSourceSchema']>
export type ProductmdSource = z.infer<Schemas['productmdSourceSchema']>
export type ChannelsSource = z.infer<Schemas['channelsSourceSchema']>
export type SourcesDoc = z.infer<Schemas['sourcesDocSchema']>

export function parseSourcesDoc(data: unknown, where: string): SourcesDoc {
  const parsed = schemas().sourcesDocSchema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AppError('InvalidSources', `${where}: ${issue?.path.join('.') || 'root'}: ${issue?.message}`, {
      stage: 'read catalogue sources',
      hint: 'Fix the source list or remove it from Settings to use the defaults.'
    })
  }
  const ids = new Set<string>()
  for (const s of parsed.data.sources) {
    if (ids.has(s.id)) throw new AppError('InvalidSources', `${where}: source id "${s.id}" is used twice`, { stage: 'read catalogue sources' })
    ids.add(s.id)
  }
  return parsed.data
}

export async function loadSourcesFile(file: string): Promise<SourcesDoc> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new AppError('InvalidSources', `cannot read ${file}: ${(err as Error).message}`, { stage: 'read catalogue sources' })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new AppError('InvalidSources', `${file} is not JSON: ${(err as Error).message}`, { stage: 'read catalogue sources' })
  }
  return parseSourcesDoc(data, file)
}

/** Settings URLs become 'auto' sources; an empty list means "use the bundled defaults". */
export function sourcesFromUrls(urls: readonly string[]): SpinSource[] {
  return urls.map((u, i) => ({ id: `settings-${i + 1}`, kind: 'auto', mirrors: [u] }))
}
