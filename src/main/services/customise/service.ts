import { destinationIn } from '../spins/local-name'
import { createHash } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { CustomiseOptions, CustomiseRecord } from '../../../shared/contract/customise'
import type { CommandRunner } from '../system/command'
import { openRegular } from '../system/safe-file'
import { hashFile } from '../spins/hash'
import { editBootConfig, udevEscape } from './boot-config'
import { copyRange } from './efiboot'
import { EFIBOOT_CONFIGS, EFIBOOT_PATH, ISO_CONFIGS, extract, fatFiles, fatGet, fatPut, readLayout, rebuild, type IsoLayout, type RebuildPlan } from './iso'
import { generateKickstart } from './kickstart'
import { resolveOptions, type ResolvedOptions } from './options'
import { readRecord, recordPath } from './record'
import type { DigestStore } from '../system/image-digests'

export interface CustomiseDeps {
  run: CommandRunner
  /** Where the customised copy goes: the download folder. */
  downloadDir: () => Promise<string>
  tmpDir?: string
  now?: () => Date
  /** Kept image digests: an original verified before and unchanged since is not read again to check it. */
  digests?: DigestStore
}

/** Name of the kickstart at the root of the image: fixed, so no request names a path inside it. */
export const KICKSTART_NAME = 'hyperscale-companion.ks'

/** The kernel arguments every boot entry gets. */
export function addedArgs(o: ResolvedOptions, volumeId: string): string[] {
  const args: string[] = []
  if (o.persist) args.push(`rd.live.overlay=LABEL=${o.persist.label}`, 'rd.live.overlay.overlayfs')
  if (o.kickstart) args.push(`inst.ks=hd:LABEL=${udevEscape(volumeId)}:/${KICKSTART_NAME}`)
  return [...args, ...o.kernelArgs]
}

/** "CentOS-Stream-10-…" → "10"; Hyperscale spins are Stream 9 unless the label says otherwise. */
export function streamOf(volumeId: string): string {
  return /stream[-_ ]?(\d{1,2})\b/i.exec(volumeId)?.[1] ?? '9'
}

export class CustomiseService {
  constructor(private readonly deps: CustomiseDeps) {}

  async customise(image: string, sourceSha256: string, options: CustomiseOptions): Promise<CustomiseRecord> {
    const resolved = await resolveOptions(options)
    const source = await this.checkSource(image, sourceSha256.toLowerCase())
    const layout = await readLayout(this.deps.run, source)
    const args = addedArgs(resolved, layout.volumeId)
    const kickstart = resolved.kickstart
      ? resolved.kickstart.source === 'file'
        ? (resolved.kickstart.text as string)
        : generateKickstart({ ...resolved.kickstart, stream: streamOf(layout.volumeId) })
      : undefined

    const dir = path.resolve(await this.deps.downloadDir())
    // Same original + same choices = same name: customising again replaces that copy (and its record).
    const id = createHash('sha256')
      .update(JSON.stringify({ sourceSha256, args, kickstart: kickstart ?? null, persist: resolved.persist ?? null }))
      .digest('hex')
      .slice(0, 10)
    const stem = path.basename(source).replace(/\.iso$/i, '')
    // The stem comes from whatever file the user picked: it becomes a name only through the one check.
    const out = destinationIn(dir, `${stem}-custom-${id}.iso`, 'the customised copy')
    if (out === source) throw new AppError('CustomiseFailed', 'The customised copy would replace the original.', { stage: 'customise' })

    const work = await mkdtemp(path.join(this.deps.tmpDir ?? os.tmpdir(), 'hsc-customise-'))
    const part = `${out}.part`
    try {
      const plan: RebuildPlan = { updates: [], additions: [] }
      const edited = await this.editIsoConfigs(source, layout, work, args, plan)
      edited.push(...(await this.editEfiBoot(source, layout, work, args, plan)))
      if (edited.length === 0)
        throw new AppError('NoBootConfig', 'The image has no grub.cfg or isolinux.cfg with a kernel line, so no boot entry could be changed.', {
          stage: 'customise',
          hint: 'Customising works on Fedora and CentOS live and install images.'
        })
      if (kickstart !== undefined) {
        const ks = path.join(work, KICKSTART_NAME)
        await writeFile(ks, kickstart, { mode: 0o644 })
        ;(layout.files.has(`/${KICKSTART_NAME}`) ? plan.updates : plan.additions).push([ks, `/${KICKSTART_NAME}`])
      }
      await rm(part, { force: true })
      await rebuild(this.deps.run, source, part, plan)
      const sha256 = await hashFile(part)
      const st = await openRegular(part)
      const size = st.stats.size
      await st.fh.close()
      await rename(part, out)
      const record: CustomiseRecord = {
        path: out,
        sha256,
        size,
        source,
        sourceSha256,
        volumeId: layout.volumeId,
        addedArgs: args,
        ...(kickstart !== undefined ? { kickstart: KICKSTART_NAME } : {}),
        ...(resolved.persist ? { persist: resolved.persist } : {}),
        editedConfigs: edited,
        createdAt: (this.deps.now?.() ?? new Date()).toISOString()
      }
      await writeFile(recordPath(out), JSON.stringify(record, null, 2) + '\n', { mode: 0o644 })
      return record
    } catch (err) {
      await rm(part, { force: true })
      throw err
    } finally {
      await rm(work, { recursive: true, force: true })
    }
  }

  record(image: string): Promise<CustomiseRecord | null> {
    return readRecord(image)
  }

  /** The original must be a regular file whose bytes still hash to the verified value. */
  private async checkSource(image: string, sha: string): Promise<string> {
    let real: string
    try {
      real = await realpath(image)
      const { fh } = await openRegular(real)
      await fh.close()
    } catch (err) {
      throw new AppError('ImageUnreadable', `${image} cannot be read: ${(err as Error).message}.`, { stage: 'validate' })
    }
    const actual = await hashFile(real, 'sha256', { digests: this.deps.digests, reuse: true })
    if (actual !== sha)
      throw new AppError('ImageChanged', `${path.basename(real)} does not match its verified SHA-256, so it is not customised.`, {
        stage: 'validate',
        hint: 'Verify or download the image again.',
        detail: `expected ${sha}, found ${actual}`
      })
    return real
  }

  private async editIsoConfigs(iso: string, layout: IsoLayout, work: string, args: string[], plan: RebuildPlan): Promise<string[]> {
    const present = ISO_CONFIGS.filter((c) => layout.files.has(c.path))
    const local = (p: string): string => path.join(work, 'iso', p.slice(1).replace(/\//g, '__'))
    await mkdir(path.join(work, 'iso'))
    await extract(
      this.deps.run,
      iso,
      present.map((c) => [c.path, local(c.path)])
    )
    const edited: string[] = []
    for (const c of present) {
      const file = local(c.path)
      await chmod(file, 0o600)
      const r = editBootConfig(await readFile(file, 'utf8'), c.kind, args)
      if (r.changed === 0) continue
      await writeFile(file, r.text)
      plan.updates.push([file, c.path])
      edited.push(c.path)
    }
    return edited
  }

  /**
   * The grub.cfg inside the EFI system partition image is what UEFI firmware reads when it
   * boots the stick: edited in a copy with mtools (no loop mount, no root); the boot loader
   * files next to it are left as they are.
   */
  private async editEfiBoot(iso: string, layout: IsoLayout, work: string, args: string[], plan: RebuildPlan): Promise<string[]> {
    const img = path.join(work, 'efiboot.img')
    if (layout.appendedEsp) await copyRange(iso, layout.appendedEsp.offset, layout.appendedEsp.size, img)
    else if (layout.files.has(EFIBOOT_PATH)) {
      await extract(this.deps.run, iso, [[EFIBOOT_PATH, img]])
      await chmod(img, 0o600)
    } else return []
    const edited: string[] = []
    for (const inside of await fatFiles(this.deps.run, img, EFIBOOT_CONFIGS)) {
      const file = path.join(work, `efi-${path.basename(inside)}`)
      await fatGet(this.deps.run, img, inside, file)
      const r = editBootConfig(await readFile(file, 'utf8'), 'grub', args)
      if (r.changed === 0) continue
      await writeFile(file, r.text)
      await fatPut(this.deps.run, img, file, inside)
      edited.push(`${layout.appendedEsp ? `partition ${layout.appendedEsp.partition}` : EFIBOOT_PATH}:${inside}`)
    }
    if (edited.length === 0) return []
    if (layout.appendedEsp) plan.appendedEsp = { partition: layout.appendedEsp.partition, type: layout.appendedEsp.type, file: img }
    if (layout.files.has(EFIBOOT_PATH)) plan.updates.push([img, EFIBOOT_PATH])
    return edited
  }
}
