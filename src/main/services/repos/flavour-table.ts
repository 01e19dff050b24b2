import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { AppError } from '../../../shared/contract/errors'
import { FLAVOURS } from '../../../shared/contract/flavours'

// Its own module: zod and this schema load only when a flavour question is asked, not with
// every repos command (`hsc repos list` never reads the table).

const pkg = z.string().regex(/^centos-release-hyperscale(-[a-z0-9]+)*$/, 'a centos-release-hyperscale* package name')

const rowSchema = z
  .object({
    flavour: z.enum(FLAVOURS),
    label: z.string().min(1).max(60),
    description: z.string().max(300),
    streams: z.array(z.string().regex(/^\d{1,2}$/)).max(8),
    releasePackage: pkg.optional(),
    testingReleasePackage: pkg.optional(),
    source: z.string().min(1).max(500)
  })
  .strict()

const tableSchema = z
  .object({
    schema: z.literal(1),
    comment: z.string().optional(),
    sources: z.record(z.string(), z.string()).optional(),
    baseurl: z.string().includes('{flavour}').max(300),
    testingBaseurl: z.string().includes('{flavour}').max(300),
    flavours: z.array(rowSchema).min(1).max(32)
  })
  .strict()

export type FlavourTable = z.infer<typeof tableSchema> & { file: string }

export async function loadFlavourTable(file: string | undefined): Promise<FlavourTable> {
  if (!file) throw new AppError('FlavoursMissing', 'the Hyperscale flavour table (resources/repos/flavours.json) was not found', { stage: 'read flavours' })
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new AppError('FlavoursMissing', `cannot read ${file}: ${(err as Error).message}`, { stage: 'read flavours' })
  }
  const parsed = tableSchema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AppError('InvalidFlavours', `${file}: ${issue?.path.join('.') || 'root'}: ${issue?.message}`, { stage: 'read flavours' })
  }
  const seen = new Set<string>()
  for (const r of parsed.data.flavours) {
    if (seen.has(r.flavour)) throw new AppError('InvalidFlavours', `${file}: flavour "${r.flavour}" is listed twice`, { stage: 'read flavours' })
    seen.add(r.flavour)
  }
  return { ...parsed.data, file }
}
