import type { CatalogueState, DownloadInfo, SpinImage, VerifyResult } from '../../shared/contract'
import { readArmoredKey } from '../../main/services/spins/service'
import { UsageError, value } from '../args'
import type { Command } from '../command'
import type { CliContext } from '../context'
import { table } from '../output'
import { describeError } from '../../shared/contract/errors'
import { formatAge, formatBytes, formatEta } from '../../shared/format'
import { isVerifiedState, verificationLabel, VERIFICATION_TONE } from '../../shared/contract/verification'
import path from 'node:path'
import { stdStream } from '../stdio'

const size = (n?: number): string => formatBytes(n)

function badge(r: VerifyResult, ctx: CliContext): string {
  const s = ctx.style
  const text = verificationLabel(r.state)
  const tone = VERIFICATION_TONE[r.state] ?? 'unknown'
  return tone === 'ok' ? s.green(text) : tone === 'warn' ? s.yellow(text) : tone === 'unknown' ? s.dim(text) : s.red(text)
}

function channelCell(p: SpinImage, ctx: CliContext): string {
  if (!p.channel) return ''
  const text = p.experimental && !/experimental/i.test(p.channel) ? `${p.channel} (experimental)` : p.channel
  return p.experimental ? ctx.style.yellow(text) : text
}

/** Trust of the list, then the file that covers the image. */
function checksumCell(p: SpinImage, ctx: CliContext): string {
  const c = p.checksum
  if (!c) return ctx.style.yellow('none')
  const trust = c.confirmed ? (c.signed ? 'signed' : 'unsigned') : c.fromMetadata ? 'metadata' : ctx.style.yellow('unconfirmed')
  return c.file ? `${trust} ${c.file}` : trust
}

/** The service message often starts with the state's own words ("HASH MISMATCH: ..."): say it once. */
function withoutBadge(message: string, state: VerifyResult['state']): string {
  const label = verificationLabel(state).toLowerCase()
  const short = label.replace(/^not verified: /, '')
  for (const w of [label, short]) if (message.toLowerCase().startsWith(`${w}: `)) return message.slice(w.length + 2)
  return message
}

function renderCatalogue(state: CatalogueState, ctx: CliContext): string {
  const s = ctx.style
  const out: string[] = []
  const c = state.catalogue
  if (!c || c.spins.length === 0) out.push(s.dim(c ? 'The catalogue lists no spin (see the source report below).' : 'No catalogue yet.'))
  else {
    out.push(
      table([
        [s.bold('ID'), s.bold('CHANNEL'), s.bold('VARIANT'), s.bold('ARCH'), s.bold('STREAM'), s.bold('SIZE'), s.bold('DATE'), s.bold('CHECKSUM')],
        ...c.spins.map((p: SpinImage) => [
          p.id + (p.stale ? s.dim(' (stale)') : ''),
          channelCell(p, ctx),
          p.variant,
          p.arch,
          p.stream,
          size(p.size),
          p.date?.slice(0, 10) ?? '?',
          checksumCell(p, ctx)
        ])
      ])
    )
    if (c.spins.some((p) => p.experimental))
      out.push(s.yellow("Images from an experimental channel are built from the SIG's experimental packages: expect rough edges."))
  }
  if (c) {
    // An empty catalogue says where it looked and what it saw there.
    if (c.spins.length === 0) for (const r of c.sources) if (r.summary) out.push(`source ${r.id}: ${r.summary}`)
    for (const r of c.sources.filter((x) => !x.ok || x.warnings?.length)) {
      if (c.spins.length === 0 && !r.ok && r.summary) continue
      out.push(s.yellow(`source ${r.id}: ${r.error ?? r.warnings?.join('; ')}`))
    }
    out.push(s.dim(`catalogue from ${c.refreshedAt} (${formatAge(state.ageSeconds)})${state.offline ? ', OFFLINE: the sources could not be reached' : ''}`))
  }
  if (state.error && state.offline) {
    // What the Spins view says when no mirror answers; the mirrors' own words follow as details.
    out.push(
      s.yellow(
        `No mirror answered: you seem to be offline. ${c ? 'The spins above are from the catalogue saved last time; downloads need a connection.' : 'The list of spins needs one answer from a mirror.'}`
      )
    )
    out.push('Try again when the network is back (hsc spins list), or check the catalogue sources (hsc settings show).')
    out.push(s.dim(`  details: ${state.error}`))
  } else if (state.error) out.push(s.yellow(state.error))
  if (state.notice) out.push(s.yellow(state.notice))
  return out.join('\n')
}

function progressLine(d: DownloadInfo): string {
  const width = 28
  const pct = d.percent ?? 0
  const filled = Math.round((pct / 100) * width)
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`
  if (d.status === 'hashing-part') return `${bar} checking the partial download (${size(d.bytes)})`
  if (d.status === 'verifying') return `${bar} verifying`
  return `${bar} ${pct.toFixed(1).padStart(5)}%  ${size(d.bytes)}/${size(d.total)}  ${d.speed ? `${size(d.speed)}/s` : ''}  ETA ${formatEta(d.etaSeconds) || '--:--'}`
}

const FINAL = new Set(['done', 'failed', 'cancelled', 'paused'])

/** Follows spins.progress for one download until it stops; Ctrl-C pauses it (the part is kept). */
function follow(ctx: CliContext, start: () => Promise<DownloadInfo>): Promise<DownloadInfo> {
  const hub = ctx.services.events
  const tty = !ctx.json && Boolean(stdStream(2).isTTY)
  let id = ''
  let live = false
  let lastStatus = ''
  const seen = new Map<string, DownloadInfo>()
  return new Promise((resolve, reject) => {
    const show = (d: DownloadInfo): void => {
      if (ctx.json) return
      if (tty) {
        stdStream(2).write(`\r\x1b[2K${progressLine(d)}`)
        live = true
      } else if (d.status !== lastStatus) ctx.err(`${d.name}: ${d.status}${d.mirror ? ` from ${d.mirror}` : ''}`)
      lastStatus = d.status
    }
    const finish = (d: DownloadInfo): void => {
      if (live) stdStream(2).write('\r\x1b[2K')
      process.removeListener('SIGINT', onInt)
      hub.removeClient(client)
      resolve(d)
    }
    const onEvent = (d: DownloadInfo): void => {
      seen.set(d.id, d)
      if (d.id !== id) return
      show(d)
      if (FINAL.has(d.status)) finish(d)
    }
    const client = hub.addClient((event, payload) => event === 'spins.progress' && onEvent(payload as DownloadInfo))
    hub.subscribe(client, 'spins.progress')
    let interrupts = 0
    const onInt = (): void => {
      if (++interrupts > 1) process.exit(130)
      if (live) stdStream(2).write('\n')
      ctx.err('Pausing… the partial download is kept; run the same command again to resume.')
      if (id) void ctx.call('spins.download.pause', { id }).catch(() => undefined)
    }
    process.on('SIGINT', onInt)
    start().then(
      (first) => {
        id = first.id
        onEvent(seen.get(id) ?? first)
      },
      (err: unknown) => {
        process.removeListener('SIGINT', onInt)
        hub.removeClient(client)
        reject(err)
      }
    )
  })
}

function verifyLines(r: VerifyResult, ctx: CliContext): string {
  const s = ctx.style
  const out = [`${badge(r, ctx)}: ${withoutBadge(r.message, r.state)}`, s.dim(`${r.algorithm.toUpperCase()} ${r.actual}`)]
  if (r.expected && r.expected !== r.actual) out.push(s.dim(`expected   ${r.expected}`))
  if (r.signature.status !== 'unsigned') out.push(s.dim(`signature: ${r.signature.message}`))
  for (const w of r.warnings) out.push(s.yellow(`warning: ${w}`))
  return out.join('\n')
}

/** Only the verified states pass (shared/contract/verification.ts). */
export function verifyPassed(r: VerifyResult): boolean {
  return isVerifiedState(r.state)
}

export const commands: Command[] = [
  {
    path: ['spins', 'list'],
    summary: 'List the current spin ISOs (newest compose per variant); refreshes when there is no catalogue yet',
    maxArgs: 0,
    options: [{ name: 'refresh', kind: 'flag', summary: 'read the sources now instead of the cached catalogue' }],
    async run(args, ctx) {
      let state = await ctx.call('spins.list', {})
      if (args.flags.has('refresh') || !state.catalogue) state = await ctx.call('spins.refresh', {})
      ctx.print(state, () => renderCatalogue(state, ctx))
      return state.catalogue ? 0 : 1
    }
  },
  {
    path: ['spins', 'refresh'],
    summary: 'Read the catalogue sources again (directory listings, images.json)',
    maxArgs: 0,
    async run(_args, ctx) {
      const state = await ctx.call('spins.refresh', {})
      ctx.print(state, () => renderCatalogue(state, ctx))
      return state.catalogue && !state.offline ? 0 : 1
    }
  },
  {
    path: ['spins', 'download'],
    summary: 'Download a spin (by catalogue ID, or a custom http(s) URL), resuming a partial download, then verify it',
    args: 'ID|URL',
    minArgs: 1,
    maxArgs: 1,
    options: [
      { name: 'dest', kind: 'value', valueName: 'DIR', summary: 'download folder (default: Settings, else ~/Downloads)' },
      { name: 'sha256', kind: 'value', valueName: 'HEX', summary: 'expected SHA-256 (with a URL)' },
      { name: 'checksum', kind: 'value', valueName: 'FILE|URL', summary: 'checksum file (local path or URL) to verify against (with a URL)' }
    ],
    async run(args, ctx) {
      const target = args.positionals[0]
      const dest = value(args, 'dest')
      const isUrl = /^https?:\/\//i.test(target)
      if (!isUrl && (value(args, 'sha256') || value(args, 'checksum')))
        throw new UsageError('--sha256 and --checksum go with a URL; catalogue spins bring their own checksum')
      if (!isUrl) {
        const state = await ctx.call('spins.list', {})
        if (!state.catalogue) await ctx.call('spins.refresh', {})
      }
      const checksum = value(args, 'checksum')
      const checksumInput = !checksum ? {} : /^https?:\/\//i.test(checksum) ? { checksumUrl: checksum } : { checksumFile: path.resolve(checksum) }
      const input = isUrl
        ? { url: target, ...(dest ? { dest } : {}), ...(value(args, 'sha256') ? { sha256: value(args, 'sha256') } : {}), ...checksumInput }
        : { spinId: target, ...(dest ? { dest } : {}) }
      const done = await follow(ctx, () => ctx.call('spins.download.start', input))
      if (ctx.json) ctx.out(JSON.stringify(done, null, 2))
      else {
        for (const n of done.notes) ctx.err(ctx.style.dim(n))
        if (done.status === 'done') {
          ctx.out(`${done.path} (${size(done.total)})`)
          if (done.verification) ctx.out(verifyLines(done.verification, ctx))
        } else if (done.status === 'paused') ctx.out(`paused at ${size(done.bytes)} of ${size(done.total)}: ${done.path}.part (run the same command to resume)`)
        else {
          if (done.verification) ctx.out(verifyLines(done.verification, ctx))
          ctx.err(`${done.status}: ${done.error ? describeError(done.error) : ''}`)
        }
      }
      if (done.status !== 'done') return 1
      // Downloaded but not verified (no checksum, an unreachable or unsigned one): the file is kept, the exit says so.
      if (!isVerifiedState(done.verification?.state)) {
        if (!ctx.json)
          ctx.err(
            `hsc: the download is complete but not verified (${verificationLabel(done.verification?.state)}); do not write it to a drive before checking it`
          )
        return 1
      }
      return 0
    }
  },
  {
    path: ['spins', 'downloads'],
    summary: 'List downloads (in progress, paused, finished) with their verification',
    maxArgs: 0,
    async run(_args, ctx) {
      const list = await ctx.call('spins.download.list', {})
      if (ctx.json) ctx.out(JSON.stringify(list, null, 2))
      else if (list.length === 0) ctx.out(ctx.style.dim('No downloads.'))
      else
        ctx.out(
          table(
            list.map((d) => [
              d.id,
              d.status,
              d.percent !== undefined ? `${d.percent}%` : '',
              size(d.total ?? d.bytes),
              d.verification ? badge(d.verification, ctx) : '',
              d.path
            ])
          )
        )
      return 0
    }
  },
  {
    path: ['verify'],
    summary: 'Verify an image against a checksum file (path or URL, plain or PGP clear-signed) or a SHA-256',
    args: 'FILE',
    minArgs: 1,
    maxArgs: 1,
    options: [
      { name: 'checksum', kind: 'value', valueName: 'FILE|URL', summary: 'checksum file (BSD or GNU style; clear-signed files get their signature checked)' },
      { name: 'sha256', kind: 'value', valueName: 'HEX', summary: 'the expected SHA-256 (or a 128-digit SHA-512)' },
      { name: 'key', kind: 'multi', valueName: 'PUBKEY.asc', summary: 'also trust this armored public key (repeatable)' }
    ],
    async run(args, ctx) {
      const checksum = value(args, 'checksum')
      const hash = value(args, 'sha256')
      if (!checksum && !hash) throw new UsageError('give --checksum FILE|URL or --sha256 HEX')
      if (checksum && hash) throw new UsageError('give either --checksum or --sha256, not both')
      if (hash && !/^([0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/.test(hash)) throw new UsageError('--sha256 needs 64 hex digits (or 128 for SHA-512)')
      const keys = await Promise.all((args.values.get('key') ?? []).map((k) => readArmoredKey(k)))
      const r = await ctx.call('spins.verify', {
        file: args.positionals[0],
        ...(checksum ? { checksum } : {}),
        ...(hash ? { hash } : {}),
        ...(keys.length ? { keys } : {})
      })
      ctx.print(r, () => verifyLines(r, ctx))
      if (!ctx.json && r.state === 'signed-by-untrusted-key') {
        ctx.err('The checksum file is signed but its signature could not be checked: pass the signing key with --key to pass.')
      }
      return verifyPassed(r) ? 0 : 1
    }
  }
]
