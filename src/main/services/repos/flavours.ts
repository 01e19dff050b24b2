import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/contract/errors'
import { FLAVOURS, type FlavourOffer, type FlavourRow, type HyperscaleFlavour } from '../../../shared/contract/repos'
import { resourcesDir } from '../spins/paths'

/**
 * Which Hyperscale flavours each CentOS Stream release has. The table is data
 * (resources/repos/flavours.json, each row with its source) so that it can be corrected
 * without code changes; this module only reads and applies it.
 */

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

export function flavoursFile(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const dir = resourcesDir(env, 'repos')
  return dir ? path.join(dir, 'repos', 'flavours.json') : undefined
}

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

const repoIdOf = (f: HyperscaleFlavour): string => (f === 'main' ? 'centos-hyperscale' : `centos-hyperscale-${f}`)

function toRow(table: FlavourTable, r: FlavourTable['flavours'][number]): FlavourRow {
  return {
    flavour: r.flavour,
    label: r.label,
    description: r.description,
    repoId: repoIdOf(r.flavour),
    baseurl: table.baseurl.replace('{flavour}', r.flavour),
    testingBaseurl: table.testingBaseurl.replace('{flavour}', r.flavour),
    ...(r.releasePackage ? { releasePackage: r.releasePackage } : {}),
    ...(r.testingReleasePackage ? { testingReleasePackage: r.testingReleasePackage } : {}),
    source: r.source
  }
}

/** What this stream offers; every absent flavour says on which streams it exists instead. */
export function offerFor(table: FlavourTable, stream: string | null): FlavourOffer {
  const offered: FlavourRow[] = []
  const absent: FlavourOffer['absent'] = []
  for (const r of table.flavours) {
    if (stream && r.streams.includes(stream)) offered.push(toRow(table, r))
    else {
      const where = r.streams.length ? `CentOS Stream ${r.streams.join(' and ')}` : 'no current stream'
      const reason = stream
        ? `the SIG publishes ${r.label.toLowerCase()} for ${where} only, not for Stream ${stream} (${r.source})`
        : `this system is not CentOS Stream; ${r.label.toLowerCase()} exists for ${where}`
      absent.push({ flavour: r.flavour, label: r.label, reason })
    }
  }
  return { stream, offered, absent, kernelRoute: offered.some((r) => r.flavour === 'kernel') ? 'kernel-flavour' : 'repo-metadata', dataFile: table.file }
}

/** The release packages for a setup, or a sentence naming what this stream lacks. */
export function releasePackagesFor(offer: FlavourOffer, wanted: readonly HyperscaleFlavour[], testing: boolean): { packages: string[]; notes: string[] } {
  const packages: string[] = []
  const notes: string[] = []
  for (const f of ['main' as const, ...wanted.filter((w) => w !== 'main')]) {
    const row = offer.offered.find((r) => r.flavour === f)
    if (!row) {
      const why = offer.absent.find((a) => a.flavour === f)?.reason ?? 'it is not in the flavour table'
      const hint =
        f === 'kernel' && offer.kernelRoute === 'repo-metadata'
          ? 'On this stream the Hyperscale kernel comes from whichever Hyperscale repository ships one: use "Install the Hyperscale kernel".'
          : `Available here: ${offer.offered.map((r) => r.flavour).join(', ')}.`
      throw new AppError('FlavourNotOnStream', `The ${f} flavour cannot be set up: ${why}.`, { stage: 'plan', hint })
    }
    if (!row.releasePackage) {
      throw new AppError('NoReleasePackage', `No release package is known for the ${f} flavour, so it cannot be set up in one step.`, {
        stage: 'plan',
        hint: `Add a repository [${row.repoId}] with baseurl ${row.baseurl} and gpgkey file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-SIG-HyperScale by hand.`
      })
    }
    if (!packages.includes(row.releasePackage)) packages.push(row.releasePackage)
    if (testing) {
      if (row.testingReleasePackage) packages.push(row.testingReleasePackage)
      else notes.push(`${row.label} has no testing release package; its testing builds are at ${row.testingBaseurl}.`)
    }
  }
  return { packages, notes }
}
