import { realpathSync } from 'node:fs'
import type { DriveInfo, ImageFile, WriteJob, WriteTargetState } from '../../shared/contract'
import { AppError } from '../../shared/contract/errors'
import { isVerifiedState } from '../../shared/contract/verification'
import { UsageError, value, type ParsedArgs } from '../args'
import type { Command } from '../command'
import type { CliContext } from '../context'
import { table } from '../output'
import { formatBytes, formatEta } from '../../shared/format'
import type { CustomiseRecord } from '../../shared/contract'
import { customiseFromArgs, customiseOptionSpecs, describeRecord, wantsCustomise } from './customise'
import { stdStream } from '../stdio'

export const size = (n: number): string => formatBytes(n, { si: true })

const name = (d: DriveInfo): string => [d.vendor, d.model].filter(Boolean).join(' ') || d.device

function renderList(drives: DriveInfo[], ctx: CliContext, all: boolean): string {
  const s = ctx.style
  const shown = all ? drives : drives.filter((d) => d.offered)
  const out: string[] = []
  if (shown.length === 0) out.push(s.dim('No drive that can be written. Plug in a USB stick or an SD card.'))
  else {
    const rows = [['DEVICE', 'SIZE', 'BUS', 'MODEL', 'MOUNTED', 'STATE'].map((h) => s.dim(h))]
    for (const d of shown) {
      const state = d.offered ? (d.warnings.some((w) => w.startsWith('larger')) ? s.yellow('writable, large') : s.green('writable')) : s.red('not offered')
      rows.push([d.device, size(d.size), d.bus || '-', name(d), d.mountPoints.join(', ') || '-', state])
    }
    out.push(table(rows))
    for (const d of shown) {
      for (const r of d.reasons) out.push(s.dim(`  ${d.device}: ${r}`))
      for (const w of d.warnings) out.push(s.yellow(`  ${d.device}: ${w}`))
    }
  }
  const hidden = drives.length - shown.length
  if (hidden > 0) out.push(s.dim(`(${hidden} other drive${hidden > 1 ? 's' : ''} not offered: --all shows why)`))
  return out.join('\n')
}

async function ask(question: string): Promise<string> {
  // Loaded only to ask: `--yes` and the read commands never do.
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: stdStream(2) })
  try {
    return (await rl.question(question)).trim()
  } finally {
    rl.close()
  }
}

/** Shows exactly which drives will be erased and asks for "yes", unless --yes. */
async function confirmErase(drives: DriveInfo[], what: string, args: ParsedArgs, ctx: CliContext): Promise<void> {
  const s = ctx.style
  const lines = [s.bold(`${what} will ERASE everything on:`)]
  for (const d of drives) {
    lines.push(`  ${s.bold(d.device)}  ${name(d)}  ${size(d.size)}${d.bus ? `  (${d.bus})` : ''}`)
    for (const w of d.warnings) lines.push(s.yellow(`    ! ${w}`))
  }
  ctx.err(lines.join('\n'))
  if (args.flags.has('yes')) return
  if (!process.stdin.isTTY) throw new UsageError('refusing to erase a drive without --yes: stdin is not a terminal to ask on')
  const answer = await ask(`Type "yes" to erase ${drives.map((d) => d.device).join(', ')}: `)
  if (answer.toLowerCase() !== 'yes') throw new AppError('NotConfirmed', 'Not confirmed: nothing was written.')
}

export function pickDrives(list: DriveInfo[], words: string[], verb = 'written'): DriveInfo[] {
  return words.map((w) => {
    const d = list.find((x) => x.device === w || x.id === w)
    if (!d) throw new UsageError(`no drive ${w} (see hsc drives list --all)`)
    // Reading needs no write access: a write-protected stick may be verified or backed up.
    const readOnlyOk = verb !== 'written' && d.reasons.length > 0 && d.reasons.every((r) => r.startsWith('read-only'))
    if (!d.offered && !readOnlyOk)
      throw new AppError('DriveNotOffered', `${d.device} (${name(d)}) cannot be ${verb}: ${d.reasons.join('; ')}.`, { stage: 'validate' })
    return d
  })
}

/** Size words for an image: "1.2 GB" or "1.2 GB (xz, 400 MB file)". */
function imageSizeText(img: ImageFile): string {
  if (!img.compression) return size(img.size)
  return `${img.sizeExact ? '' : 'about '}${size(img.size)} (${img.compression}, ${size(img.fileSize)} file)`
}

/**
 * The verified hash of IMAGE when the spins service downloaded and verified it. Looked up by
 * method name at run time, so the write command works whether or not that service exists.
 */
export async function verifiedHash(image: string, ctx: CliContext): Promise<string | undefined> {
  const r = await ctx.router.call('spins.download.list', {})
  if (!r.ok || !Array.isArray(r.value)) return undefined
  let real: string
  try {
    real = realpathSync(image)
  } catch {
    return undefined
  }
  for (const d of r.value as Array<{ path?: unknown; sha256?: unknown; verification?: { state?: unknown; actual?: unknown; algorithm?: unknown } }>) {
    if (typeof d.path !== 'string') continue
    let p: string
    try {
      p = realpathSync(d.path)
    } catch {
      continue
    }
    const state = d.verification?.state
    if (p === real && isVerifiedState(typeof state === 'string' ? state : undefined)) {
      if (d.verification?.algorithm === 'sha256' && typeof d.verification.actual === 'string') return d.verification.actual
      if (typeof d.sha256 === 'string') return d.sha256
    }
  }
  return undefined
}

/** The persistence partition on every written target, then the eject or power-off the user asked for. */
async function persistAfterWrite(custom: CustomiseRecord, job: WriteJob, drives: DriveInfo[], args: ParsedArgs, ctx: CliContext): Promise<boolean> {
  let ok = true
  for (const t of job.targets) {
    const d = drives.find((x) => x.device === t.device)
    if (!d || t.stage !== 'done') continue
    try {
      const r = await ctx.call('customise.persist', { image: custom.path, device: d.device, token: d.token })
      if (!ctx.json) ctx.err(`${r.device}: persistence partition "${r.label}" (${size(r.size)}) added after the image`)
      if (args.flags.has('eject') || args.flags.has('power-off'))
        await ctx.call('drives.eject', { device: d.device, token: d.token, powerOff: args.flags.has('power-off') })
    } catch (err) {
      ok = false
      const e = err as AppError
      ctx.err(ctx.style.red(`${d.device}: ${e.message}`) + (e.hint ? `\n    ${e.hint}` : ''))
    }
  }
  return ok
}

function targetLine(t: WriteTargetState, ctx: CliContext, kind: WriteJob['kind'] = 'write'): string {
  const s = ctx.style
  if (t.stage === 'done' && kind === 'verify') return `${t.device}: ${s.green('holds exactly the image')}`
  if (t.stage === 'done' && kind === 'backup') return `${t.device}: ${s.green('backed up')}`
  if (t.stage === 'done')
    return `${t.device}: ${s.green(t.verified ? 'written and verified' : 'written')}${t.ejected ? ', ejected' : ''}${t.note ? s.dim(` (${t.note})`) : ''}`
  if (t.stage === 'failed' || t.stage === 'cancelled') {
    const e = t.error
    return `${t.device}: ${s.red(t.stage === 'failed' ? 'FAILED' : 'cancelled')} ${e ? e.message : ''}${e?.hint ? `\n    ${e.hint}` : ''}`
  }
  const moving = t.stage === 'write' || t.stage === 'verify' || t.stage === 'read'
  const pct = moving && t.total ? `${t.percent.toFixed(1).padStart(5)}%` : ''
  const speed = moving && t.speed ? `${size(t.speed)}/s` : ''
  return `${t.device}: ${t.stage.padEnd(7)} ${pct} ${speed.padStart(10)} ${t.etaSeconds !== undefined ? `ETA ${formatEta(t.etaSeconds)}` : ''}`.trimEnd()
}

/** Follows drives.progress for one job until it ends; Ctrl-C cancels it. */
function follow(ctx: CliContext, start: () => Promise<WriteJob>, cancelNote = 'the drive will not be bootable'): Promise<WriteJob> {
  const hub = ctx.services.events
  const seen = new Map<string, WriteJob>()
  let jobId = ''
  let lastStages = ''
  let live = false
  return new Promise<WriteJob>((resolve, reject) => {
    const show = (job: WriteJob): void => {
      if (ctx.json) return
      const stages = job.targets.map((t) => `${t.device}:${t.stage}`).join(' ')
      if (stdStream(2).isTTY) {
        const line = job.targets.map((t) => targetLine(t, ctx).split('\n')[0]).join('  |  ')
        stdStream(2).write(`\r\x1b[2K${line}`)
        live = true
      } else if (stages !== lastStages && !['done', 'failed', 'cancelled'].includes(job.stage)) {
        // The outcome is printed once, by the command, on stdout: not here as well.
        ctx.err(
          job.targets
            .filter((t) => !['done', 'failed', 'cancelled'].includes(t.stage))
            .map((t) => targetLine(t, ctx).split('\n')[0])
            .join('\n')
        )
      }
      lastStages = stages
    }
    const finish = (job: WriteJob): void => {
      if (live) stdStream(2).write('\r\x1b[2K')
      process.removeListener('SIGINT', onInt)
      hub.removeClient(client)
      resolve(job)
    }
    const onEvent = (job: WriteJob): void => {
      seen.set(job.jobId, job)
      if (job.jobId !== jobId) return
      show(job)
      if (['done', 'failed', 'cancelled'].includes(job.stage)) finish(job)
    }
    const client = hub.addClient((event, payload) => event === 'drives.progress' && onEvent(payload as WriteJob))
    hub.subscribe(client, 'drives.progress')
    let interrupts = 0
    const onInt = (): void => {
      if (++interrupts > 1) process.exit(130)
      if (live) stdStream(2).write('\n')
      ctx.err(`Cancelling… (${cancelNote}; Ctrl-C again to quit at once)`)
      if (jobId) void ctx.call('drives.cancel', { jobId }).catch(() => undefined)
    }
    process.on('SIGINT', onInt)
    start().then(
      (first) => {
        jobId = first.jobId
        const latest = seen.get(jobId) ?? first
        onEvent(latest)
      },
      (err: unknown) => {
        process.removeListener('SIGINT', onInt)
        hub.removeClient(client)
        reject(err)
      }
    )
  })
}

const yes = { name: 'yes', kind: 'flag' as const, summary: 'do not ask before erasing the drive (scripts)' }

export const commands: Command[] = [
  {
    path: ['drives', 'list'],
    summary: 'List drives that can be written (USB sticks, SD cards); --all also shows the others and why not',
    maxArgs: 0,
    options: [
      { name: 'all', kind: 'flag', summary: 'also list internal, optical, empty and system drives with the reason' },
      { name: 'image', kind: 'value', valueName: 'FILE', summary: 'mark drives too small for this image' }
    ],
    async run(args, ctx) {
      const image = value(args, 'image')
      let imageSize: number | undefined
      if (image) {
        try {
          ;(await import('node:fs')).statSync(image)
        } catch (err) {
          throw new UsageError(`--image ${image}: ${(err as Error).message}`)
        }
        // A compressed image counts with its decompressed size.
        imageSize = (await ctx.call('drives.image', { path: image })).size
      }
      const list = await ctx.call('drives.list', imageSize === undefined ? {} : { imageSize })
      if (ctx.json) ctx.out(JSON.stringify(list, null, 2))
      else {
        ctx.out(renderList(list.drives, ctx, args.flags.has('all')))
        if (imageSize !== undefined)
          for (const d of list.drives.filter((x) => x.offered && x.tooSmall))
            ctx.out(ctx.style.yellow(`${d.device} is smaller than ${image} (${size(imageSize)})`))
        if (list.loopDevicesAllowed) ctx.out(ctx.style.yellow('Test switch HSC_TEST_ALLOW_LOOP=1 is on: loop devices are offered.'))
      }
      return 0
    }
  },
  {
    path: ['write'],
    summary: 'Write an image to one or more USB drives: unmount, write (first MiB last), sync, verify by reading back',
    args: 'IMAGE DRIVE...',
    minArgs: 2,
    maxArgs: 9,
    options: [
      { name: 'no-verify', kind: 'flag', summary: 'skip reading the drive back (not recommended)' },
      { name: 'sha256', kind: 'value', valueName: 'HEX', summary: 'the verified SHA-256 of the image (downloads verified by hsc are found by themselves)' },
      { name: 'allow-unverified', kind: 'flag', summary: 'write an image that has no verified hash' },
      { name: 'eject', kind: 'flag', summary: 'eject the drive after a verified write' },
      { name: 'power-off', kind: 'flag', summary: 'power the drive off after a verified write' },
      ...customiseOptionSpecs,
      yes
    ],
    async run(args, ctx) {
      const [given, ...words] = args.positionals
      let image = given
      if (new Set(words).size !== words.length) throw new UsageError('a drive is named twice')
      const sha = value(args, 'sha256')
      if (sha !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha)) throw new UsageError('--sha256 needs 64 hex digits')
      if (args.flags.has('eject') && args.flags.has('power-off')) throw new UsageError('--eject and --power-off exclude each other')
      try {
        const st = (await import('node:fs')).statSync(image)
        if (!st.isFile()) throw new Error('not a regular file')
      } catch (err) {
        throw new UsageError(`${image}: ${(err as Error).message}`)
      }
      const customising = wantsCustomise(args)
      // All three only read, and none needs another: the drive list (D-Bus) is asked for while
      // the image is measured and the download records are searched. A customised copy is
      // listed against once it exists.
      const listing = customising ? undefined : ctx.call('drives.list', {})
      listing?.catch(() => undefined) // awaited below, unless the image is refused first
      // A compressed image is measured by its decompressed size (from its index or frame header).
      let img = await ctx.call('drives.image', { path: image })
      let imageSize = img.size
      if (customising && img.compression)
        throw new UsageError(`${image} is ${img.compression}-compressed: a live ISO is customised from the .iso itself (decompress it first)`)
      let expected = sha ?? (await verifiedHash(image, ctx))
      // Customising writes a copy made from the verified original (hsc customise), never the original.
      let custom: CustomiseRecord | undefined
      if (customising) {
        if (!expected)
          throw new AppError('UnverifiedImage', `${image} has no verified SHA-256, so it is not customised.`, {
            stage: 'validate',
            hint: 'Give it with --sha256 HEX (from the CHECKSUM file), or download and verify it with hsc first.'
          })
        custom = await customiseFromArgs(image, expected, args, ctx)
        if (!ctx.json) ctx.err(describeRecord(custom))
        image = custom.path
        expected = custom.sha256
        img = await ctx.call('drives.image', { path: image })
        imageSize = img.size
      }
      if (!expected && !args.flags.has('allow-unverified')) {
        throw new AppError('UnverifiedImage', `${image} has no verified SHA-256.`, {
          stage: 'validate',
          hint: 'Give it with --sha256 HEX (from the CHECKSUM file), download it with hsc so it is verified, or pass --allow-unverified.'
        })
      }
      const list = await (listing ?? ctx.call('drives.list', {}))
      const drives = pickDrives(list.drives, words)
      // An inexact size (gzip's hint) is checked by the write itself, as the stream ends.
      for (const d of drives)
        if (img.sizeExact && d.size < imageSize)
          throw new AppError('DriveTooSmall', `${d.device} (${size(d.size)}) is smaller than the image (${size(imageSize)}).`, { stage: 'validate' })
      if (!ctx.json)
        ctx.err(`Image: ${image} (${imageSizeText(img)}), ${expected ? `expected SHA-256 ${expected.toLowerCase()}` : ctx.style.yellow('UNVERIFIED')}`)
      await confirmErase(drives, 'Writing', args, ctx)
      const job = await follow(ctx, () =>
        ctx.call('drives.write', {
          image,
          targets: drives.map((d) => ({ device: d.device, token: d.token })),
          verify: !args.flags.has('no-verify'),
          expectedSha256: expected,
          allowUnverified: args.flags.has('allow-unverified'),
          after: custom?.persist ? 'none' : args.flags.has('power-off') ? 'poweroff' : args.flags.has('eject') ? 'eject' : 'none'
        })
      )
      const persisted = custom?.persist ? await persistAfterWrite(custom, job, drives, args, ctx) : true
      if (ctx.json) ctx.out(JSON.stringify(custom ? { ...job, customised: custom } : job, null, 2))
      else {
        for (const t of job.targets) ctx.out(targetLine(t, ctx))
        if (job.sha256) ctx.out(ctx.style.dim(`image SHA-256 ${job.sha256}${job.compression ? ' (decompressed)' : ''}`))
        if (job.sha256TakenAt) ctx.out(ctx.style.dim(`  taken ${job.sha256TakenAt} by an earlier verification or write; the file is unchanged since`))
        if (job.compressedSha256) ctx.out(ctx.style.dim(`${job.compression} file SHA-256 ${job.compressedSha256}`))
      }
      return job.stage === 'done' && persisted ? 0 : 1
    }
  },
  {
    path: ['drives', 'verify'],
    summary: 'Compare a stick with an image (xz, zstd, gzip or plain), reading it back; names the first differing byte. Never writes',
    args: 'DRIVE IMAGE',
    minArgs: 2,
    maxArgs: 2,
    async run(args, ctx) {
      const [word, image] = args.positionals
      const img = await ctx.call('drives.image', { path: image })
      const [d] = pickDrives((await ctx.call('drives.list', {})).drives, [word], 'verified')
      if (!ctx.json) ctx.err(`Comparing ${d.device} (${name(d)}) with ${image} (${imageSizeText(img)})`)
      const job = await follow(ctx, () => ctx.call('drives.verify', { device: d.device, token: d.token, image }), 'the stick is not changed')
      if (ctx.json) ctx.out(JSON.stringify(job, null, 2))
      else for (const t of job.targets) ctx.out(targetLine(t, ctx, 'verify'))
      return job.stage === 'done' ? 0 : 1
    }
  },
  {
    path: ['drives', 'backup'],
    summary: 'Copy a stick into an image file (up to the end of its last partition or ISO filesystem), with its SHA-256. Never writes the stick',
    args: 'DRIVE FILE',
    minArgs: 2,
    maxArgs: 2,
    options: [
      { name: 'compress', kind: 'value', valueName: 'zstd', summary: 'compress the file with zstd while copying' },
      { name: 'whole', kind: 'flag', summary: 'copy the whole stick, not only up to the end of its last partition' },
      { name: 'overwrite', kind: 'flag', summary: 'replace FILE if it exists (otherwise refused)' }
    ],
    async run(args, ctx) {
      const [word, file] = args.positionals
      const compress = value(args, 'compress') ?? 'none'
      if (compress !== 'none' && compress !== 'zstd') throw new UsageError('--compress takes zstd')
      const [d] = pickDrives((await ctx.call('drives.list', {})).drives, [word], 'backed up')
      const job = await follow(
        ctx,
        () =>
          ctx.call('drives.backup', {
            device: d.device,
            token: d.token,
            file,
            compress,
            whole: args.flags.has('whole'),
            overwrite: args.flags.has('overwrite')
          }),
        'the stick is not changed; the partial file is removed'
      )
      if (ctx.json) ctx.out(JSON.stringify(job, null, 2))
      else {
        for (const t of job.targets) ctx.out(targetLine(t, ctx, 'backup'))
        const b = job.backup
        if (b && job.stage === 'done') {
          const upTo =
            b.endsAt === 'drive'
              ? 'the whole stick'
              : `up to the end of its ${b.endsAt === 'iso9660' ? 'ISO 9660 filesystem' : `last partition (${b.endsAt.toUpperCase()})`}`
          ctx.out(`${b.file}: ${size(b.bytes)}, ${upTo}`)
          ctx.out(`SHA-256 ${b.sha256}${b.fileSha256 ? ` (of the stick's bytes; the .zst file: ${b.fileSha256})` : ''}`)
        }
      }
      return job.stage === 'done' ? 0 : 1
    }
  },
  {
    path: ['restore'],
    summary: 'Make a written USB drive usable for files again: wipe, GPT, one exFAT (or FAT32) partition',
    args: 'DRIVE',
    minArgs: 1,
    maxArgs: 1,
    options: [{ name: 'label', kind: 'value', valueName: 'NAME', summary: 'filesystem label (up to 11 characters; default USB_DRIVE)' }, yes],
    async run(args, ctx) {
      const list = await ctx.call('drives.list', {})
      const [d] = pickDrives(list.drives, args.positionals)
      await confirmErase([d], 'Restoring', args, ctx)
      const label = value(args, 'label')
      const r = await ctx.call('drives.restore', { device: d.device, token: d.token, ...(label === undefined ? {} : { label }) })
      ctx.print(r, () => `${r.device}: GPT with one ${r.fsType === 'exfat' ? 'exFAT' : 'FAT32'} partition ${r.partition} labelled "${r.label}".`)
      return 0
    }
  }
]
