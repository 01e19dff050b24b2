import path from 'node:path'
import type { CustomiseOptionsInput, CustomiseRecord } from '../../shared/contract'
import { AppError } from '../../shared/contract/errors'
import { DEFAULT_PERSIST_LABEL, parsePersistSize } from '../../shared/contract/customise-values'
import { UsageError, value, type OptionSpec, type ParsedArgs } from '../args'
import type { Command } from '../command'
import type { CliContext } from '../context'

/** The customisation options of `hsc customise` and `hsc write`. */
export const customiseOptionSpecs: OptionSpec[] = [
  { name: 'persist', kind: 'value', valueName: 'SIZE', summary: 'persistent storage: a partition after the image (e.g. 4G, or max) and rd.live.overlay' },
  { name: 'persist-label', kind: 'value', valueName: 'LABEL', summary: `label of the persistence partition (default ${DEFAULT_PERSIST_LABEL})` },
  { name: 'kickstart', kind: 'value', valueName: 'FILE', summary: 'your own kickstart, placed on the image with inst.ks' },
  { name: 'user', kind: 'value', valueName: 'NAME', summary: 'generated kickstart: a user in wheel (locked password, SSH key login)' },
  { name: 'ssh-key', kind: 'value', valueName: 'FILE', summary: "generated kickstart: the user's SSH public key (.pub)" },
  { name: 'hostname', kind: 'value', valueName: 'NAME', summary: 'generated kickstart: the host name' },
  { name: 'kernel-arg', kind: 'multi', valueName: 'ARG', summary: 'an extra kernel argument for every boot entry (repeatable; e.g. psi=1)' }
]

export function wantsCustomise(args: ParsedArgs): boolean {
  return customiseOptionSpecs.some((o) => args.values.has(o.name))
}

function optionsFrom(args: ParsedArgs): CustomiseOptionsInput {
  const o: CustomiseOptionsInput = { kernelArgs: args.values.get('kernel-arg') ?? [] }
  const persist = value(args, 'persist')
  const label = value(args, 'persist-label')
  if (label !== undefined && persist === undefined) throw new UsageError('--persist-label needs --persist SIZE')
  if (persist !== undefined) o.persist = { sizeBytes: parsePersistSize(persist), label: label ?? DEFAULT_PERSIST_LABEL }
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(p))
  const ks = abs(value(args, 'kickstart'))
  if (ks) o.kickstartFile = ks
  const user = value(args, 'user')
  if (user) o.user = user
  const key = abs(value(args, 'ssh-key'))
  if (key) o.sshKeyFile = key
  const host = value(args, 'hostname')
  if (host) o.hostname = host
  return o
}

/** Makes the customised copy of a verified image; returns its record. */
export async function customiseFromArgs(image: string, sha256: string, args: ParsedArgs, ctx: CliContext): Promise<CustomiseRecord> {
  if (!ctx.json) ctx.err(`Customising ${image} (a copy; the original stays as it is)…`)
  return ctx.call('customise.run', { image: path.resolve(image), sourceSha256: sha256, options: optionsFrom(args) })
}

export function describeRecord(r: CustomiseRecord): string {
  return [
    `Customised image: ${r.path}`,
    `  SHA-256 ${r.sha256}`,
    `  customised from ${r.source}`,
    `  SHA-256 ${r.sourceSha256} (verified original)`,
    `  kernel arguments added: ${r.addedArgs.join(' ') || '(none)'}`,
    ...(r.kickstart ? [`  kickstart: /${r.kickstart} on volume ${r.volumeId}`] : []),
    ...(r.persist ? [`  persistence: partition "${r.persist.label}" is added when the image is written`] : []),
    `  boot configurations edited: ${r.editedConfigs.join(', ')}`
  ].join('\n')
}

export const commands: Command[] = [
  {
    path: ['customise', 'persist'],
    summary: 'Add the persistence partition of a customised image to a drive it was written to (free space only, nothing is erased)',
    args: 'IMAGE DRIVE',
    minArgs: 2,
    maxArgs: 2,
    async run(args, ctx) {
      const [image, word] = args.positionals
      const { pickDrives } = await import('./drives')
      const [d] = pickDrives((await ctx.call('drives.list', {})).drives, [word])
      const r = await ctx.call('customise.persist', { image: path.resolve(image), device: d.device, token: d.token })
      ctx.print(r, () => `${r.device}: persistence partition "${r.label}" (${r.size} bytes at ${r.offset}) added after the image.`)
      return 0
    }
  },
  {
    path: ['customise'],
    summary: 'Make a customised copy of a verified live ISO in the download folder (kernel arguments, kickstart, persistence)',
    args: 'IMAGE',
    minArgs: 1,
    maxArgs: 1,
    options: [
      { name: 'sha256', kind: 'value', valueName: 'HEX', summary: 'the verified SHA-256 of IMAGE (downloads verified by hsc are found by themselves)' },
      ...customiseOptionSpecs
    ],
    async run(args, ctx) {
      const [image] = args.positionals
      const sha = value(args, 'sha256')
      if (sha !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha)) throw new UsageError('--sha256 needs 64 hex digits')
      const { verifiedHash } = await import('./drives')
      const expected = sha ?? (await verifiedHash(image, ctx))
      if (!expected)
        throw new AppError('UnverifiedImage', `${image} has no verified SHA-256, so it is not customised.`, {
          stage: 'validate',
          hint: 'Give it with --sha256 HEX (from the CHECKSUM file), or download and verify it with hsc first.'
        })
      const rec = await customiseFromArgs(image, expected, args, ctx)
      ctx.print(rec, describeRecord)
      return 0
    }
  }
]
