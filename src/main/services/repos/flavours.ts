import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { HyperscaleFlavour } from '../../../shared/contract/flavours'
import type { FlavourOffer, FlavourRow } from '../../../shared/contract/repos'
import { resourcesDir } from '../spins/paths'
import type { FlavourTable } from './flavour-table'

export type { FlavourTable } from './flavour-table'

/**
 * Which Hyperscale flavours each CentOS Stream release has. The table is data
 * (resources/repos/flavours.json, each row with its source) so that it can be corrected
 * without code changes; this module only reads and applies it.
 */

export function flavoursFile(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const dir = resourcesDir(env, 'repos')
  return dir ? path.join(dir, 'repos', 'flavours.json') : undefined
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
