import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { CatalogueState, DownloadInfo, HashAlgorithm, VerifyResult } from '../../../shared/contract/spins'
import type { Settings } from '../../../shared/contract/settings'
import { loadCatalogue, readCachedCatalogue, refreshCatalogue } from './catalogue'
import type { CommandRunner } from '../system/command'
import { fallocateWith, type DownloadDeps, type FetchLike } from './download'
import { dropUnsafeSpins, withSafeSpins } from './catalogue-names'
import { destinationIn, lastSegment, requireLocalName } from './local-name'
import { DownloadManager, type JobSpec } from './manager'
import { defaultDownloadDir, resourcesDir } from './paths'
import { loadSourcesFile, sourcesFromUrls, type SpinSource } from './sources'
import { classifyChecksumArg, readKeyDir, verifyImage, type ChecksumInput } from './verify'
import type { DigestStore } from '../system/image-digests'

export interface SpinsServiceDeps {
  fetch: FetchLike
  cacheDir: string
  /** Where a verified file's SHA-256 is kept with its identity, so writing it does not hash it again. */
  digests?: DigestStore
  settings: () => Promise<Settings>
  env: Readonly<Record<string, string | undefined>>
  emit: (info: DownloadInfo) => void
  /** Runs helper programs (fallocate) as argv arrays. */
  run?: CommandRunner
  engine?: DownloadDeps
}

export interface StartInput {
  spinId?: string
  url?: string
  dest?: string
  sha256?: string
  checksumUrl?: string
  checksumFile?: string
}

export interface VerifyInput {
  file: string
  checksum?: string
  hash?: string
  keys?: string[]
}

export interface SpinsService {
  list(): Promise<CatalogueState>
  refresh(): Promise<CatalogueState>
  start(input: StartInput): Promise<DownloadInfo>
  pause(id: string): Promise<DownloadInfo>
  resume(id: string): Promise<DownloadInfo>
  cancel(id: string): Promise<DownloadInfo>
  downloads(): Promise<DownloadInfo[]>
  /** Resolves when the download's current run ends. */
  wait(id: string): Promise<DownloadInfo>
  verify(input: VerifyInput): Promise<VerifyResult>
  /** Keys trusted by default: bundled ones and those imported in Settings. */
  trustedKeys(): Promise<string[]>
  close(): Promise<void>
}

/** A file name from a URL that is safe to use in the download folder (local-name.ts). */
export function fileNameFromUrl(url: string): string {
  return requireLocalName(lastSegment(url), url)
}

export function createSpinsService(deps: SpinsServiceDeps): SpinsService {
  const resources = resourcesDir(deps.env, 'spins')
  const manager = new DownloadManager({
    fetch: deps.fetch,
    stateFile: path.join(deps.cacheDir, 'spins-downloads.json'),
    keys: () => trustedKeys(),
    signatureExpected: async () => (await deps.settings()).importedKeys.length > 0,
    emit: deps.emit,
    engine: { ...(deps.run ? { preallocate: fallocateWith(deps.run) } : {}), ...deps.engine }
  })

  /**
   * Keys that verify signatures: the bundled SIG key and the user's. Only the user's make a
   * signature *expected*: nothing shows that the SIG signs its ISO checksum files, so with
   * the bundled key alone an unsigned CHECKSUM stays the normal "checksum-unsigned" state.
   */
  async function trustedKeys(): Promise<string[]> {
    const bundled = resources ? await readKeyDir(path.join(resources, 'keys')) : []
    return [...bundled, ...(await deps.settings()).importedKeys]
  }

  async function sources(): Promise<SpinSource[]> {
    const fromSettings = (await deps.settings()).catalogueSources
    if (fromSettings.length > 0) return sourcesFromUrls(fromSettings)
    if (!resources) {
      throw new AppError('NoSources', 'the bundled source list (resources/spins/sources.json) was not found and Settings lists no catalogue source', {
        stage: 'read catalogue sources',
        hint: 'Add a catalogue source URL in Settings.'
      })
    }
    return (await loadSourcesFile(path.join(resources, 'spins', 'sources.json'))).sources
  }

  async function downloadDir(dest?: string): Promise<string> {
    const dir = path.resolve(dest || (await deps.settings()).downloadDir || defaultDownloadDir(deps.env))
    try {
      await mkdir(dir, { recursive: true })
    } catch (err) {
      throw new AppError('DownloadDirUnusable', `cannot use ${dir} for downloads: ${(err as Error).message}`, { stage: 'prepare download folder' })
    }
    return dir
  }

  return {
    list: async () => withSafeSpins(await loadCatalogue(deps.cacheDir)),
    refresh: async () => withSafeSpins(await refreshCatalogue({ fetch: deps.fetch, cacheDir: deps.cacheDir, sources: await sources() })),
    async start(input) {
      const dir = await downloadDir(input.dest)
      let spec: JobSpec
      if (input.spinId) {
        const catalogue = dropUnsafeSpins(await readCachedCatalogue(deps.cacheDir)).catalogue
        const spin = catalogue?.spins.find((s) => s.id === input.spinId)
        if (!spin) {
          throw new AppError('UnknownSpin', `no spin "${input.spinId}" in the ${catalogue ? 'catalogue' : 'catalogue (it was never refreshed)'}`, {
            stage: 'start download',
            hint: 'Refresh the catalogue and use one of the ids it lists.'
          })
        }
        const algorithm: HashAlgorithm = spin.checksum?.algorithm ?? 'sha256'
        const dest = destinationIn(dir, spin.name, `catalogue entry ${spin.id}`)
        spec = {
          name: path.basename(dest),
          dest,
          urls: spin.urls,
          expectedSize: spin.size,
          algorithm,
          expectedHash: spin.checksum?.hash,
          spinId: spin.id,
          checksumUrls: spin.checksum?.urls.length ? spin.checksum.urls : undefined,
          hashSource: spin.checksum?.fromMetadata ? 'the compose metadata (images.json)' : undefined,
          signatureExpected: spin.checksum?.signed === true
        }
      } else if (input.url) {
        const dest = destinationIn(dir, lastSegment(input.url), input.url)
        spec = {
          name: path.basename(dest),
          dest,
          urls: [input.url],
          algorithm: 'sha256',
          expectedHash: input.sha256?.toLowerCase(),
          checksumUrls: input.checksumUrl ? [input.checksumUrl] : undefined,
          checksumFile: input.checksumFile,
          hashSource: input.sha256 ? 'the hash given with the URL' : undefined
        }
      } else {
        throw new AppError('ValidationError', 'give a spin id or a URL', { stage: 'start download' })
      }
      return manager.start(spec)
    },
    pause: (id) => manager.pause(id),
    resume: (id) => manager.resume(id),
    cancel: (id) => manager.cancel(id),
    downloads: () => manager.list(),
    wait: (id) => manager.wait(id),
    async verify(input) {
      let checksum: ChecksumInput | undefined
      if (input.hash) checksum = { kind: 'hash', hash: input.hash }
      else if (input.checksum) checksum = classifyChecksumArg(input.checksum)
      const keys = [...(await trustedKeys()), ...(input.keys ?? [])]
      // The user trusts a key (imported or given): an unsigned checksum file no longer counts as verified.
      const expected = (await deps.settings()).importedKeys.length > 0 || (input.keys?.length ?? 0) > 0
      return verifyImage({
        file: path.resolve(input.file),
        checksum,
        keys,
        signatureExpected: expected,
        fetch: deps.fetch,
        hash: { digests: deps.digests }
      })
    },
    trustedKeys,
    close: () => manager.close()
  }
}

/** Reads an armored key file for the CLI's --key (fails clearly on anything else). */
export async function readArmoredKey(file: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new AppError('KeyReadError', `cannot read key ${file}: ${(err as Error).message}`, { stage: 'read key' })
  }
  if (!text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
    throw new AppError('KeyReadError', `${file} is not an armored OpenPGP public key`, { stage: 'read key', hint: 'Export it with gpg --armor --export.' })
  }
  return text
}
