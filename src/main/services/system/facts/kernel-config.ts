import { parseKernelConfig, type KernelConfig } from '../../inspect/parsers/kernel-config'
import type { RootFs } from '../rootfs'
import type { AnswerCache } from './answer-cache'
import { decodeStrict, preview } from './text'

/** Real configs are 100–300 KiB; anything far larger is not one. */
export const MAX_KCONFIG_BYTES = 4 * 1024 * 1024
export const MAX_KCONFIG_GZ_BYTES = 1024 * 1024

export interface KernelConfigFact {
  /** The file that was used, or undefined when none was usable. */
  source?: string
  /** Every location tried, in order, with what happened. */
  tried: Array<{ path: string; result: string }>
  config?: KernelConfig
}

/**
 * Whether text is a kernel .config: it must have CONFIG_ lines (set or "is not set"), and
 * every other non-comment line counts against it (a real config has none; 1 % is tolerated).
 * Anything else — empty, binary, one long line — is "not a kernel config", never a verdict.
 */
export function recogniseKernelConfig(data: Buffer): { ok: true; config: KernelConfig } | { ok: false; reason: string } {
  const text = decodeStrict(data)
  if (text === undefined || text.includes('\0')) return { ok: false, reason: `not a kernel config (binary data: ${preview(data, 40)})` }
  if (!text.trim()) return { ok: false, reason: 'not a kernel config (empty)' }
  const config = parseKernelConfig(text)
  const junk = config.otherLines
  if (!config.hasOptions()) return { ok: false, reason: `not a kernel config (no CONFIG_ lines${config.headerRelease ? ', only a header' : ''})` }
  if (junk > 0 && junk > Math.floor(config.optionLines / 100))
    return { ok: false, reason: `not a kernel config (${junk} lines that are neither CONFIG_ options nor comments, ${config.optionLines} options)` }
  return { ok: true, config }
}

type Recognised = ReturnType<typeof recogniseKernelConfig>
type Decoded = { ok: true; data: Buffer } | { ok: false; reason: string }

/**
 * Parsing a config and inflating /proc/config.gz were the largest share of a warm report,
 * yet the bytes rarely change: results are kept per content (the bytes themselves are the key:
 * comparing them costs far less than the parse, and needs no hash module), so any change in
 * the file is a new key. Few entries: one per kernel.
 */
const byContent = new Map<string, Promise<Recognised>>()
const MAX_KEPT = 4

function recogniseOnce(raw: Buffer, gz: boolean, answers: AnswerCache | undefined): Promise<Recognised> {
  // latin1 keeps every byte as one char.
  const key = `${gz ? 'gz' : 'text'}:${raw.toString('latin1')}`
  let hit = byContent.get(key)
  if (!hit) {
    hit = gz ? recogniseGzipped(raw, answers) : Promise.resolve(recogniseKernelConfig(raw))
    byContent.set(key, hit)
    if (byContent.size > MAX_KEPT) byContent.delete(byContent.keys().next().value!)
  }
  return hit
}

/**
 * /proc/config.gz, inflated once and kept between processes with the program answers: loading
 * zlib and inflating cost a cold `hsc inspect` or `hsc oomd status` ~3.5 ms, yet the file only
 * changes with the kernel. The key is the compressed bytes themselves, so the text kept is the
 * one these exact bytes inflate to, and it is judged as if just inflated. Only a config is
 * kept: anything else found there is damage, and the bytes are inflated again.
 */
async function recogniseGzipped(raw: Buffer, answers: AnswerCache | undefined): Promise<Recognised> {
  const key = answers && `gunzip:${raw.toString('base64')}`
  const kept = key ? await answers.get(key) : undefined
  if (kept) {
    const rec = recogniseKernelConfig(Buffer.from(kept.stdout, 'latin1'))
    if (rec.ok) return rec
  }
  const d = await inflate(raw)
  if (!d.ok) return d
  const rec = recogniseKernelConfig(d.data)
  if (rec.ok && key) void answers.set(key, { code: 0, stdout: d.data.toString('latin1'), stderr: '' })
  return rec
}

async function inflate(raw: Buffer): Promise<Decoded> {
  try {
    // zlib loads only for a gzipped config (/proc/config.gz), not with every report. Inflated
    // in line: the output is capped and a config is ~100 KB (~1 ms); the thread pool's gunzip
    // took 4-13 ms of a cold `hsc inspect`, most of it starting the pool's threads (#15).
    const { gunzipSync } = await import('node:zlib')
    return { ok: true, data: gunzipSync(raw, { maxOutputLength: MAX_KCONFIG_BYTES }) }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return {
      ok: false,
      reason: code === 'ERR_BUFFER_TOO_LARGE' ? `decompresses to more than ${MAX_KCONFIG_BYTES} bytes` : `not gzip data (${(err as Error).message})`
    }
  }
}

/** Kernel config in the documented lookup order: /proc/config.gz, /boot/config-R, /lib/modules/R/config. */
export async function findKernelConfig(fs: RootFs, release: string | undefined, answers?: AnswerCache): Promise<KernelConfigFact> {
  const tried: KernelConfigFact['tried'] = []
  const gz = '/proc/config.gz'
  const r = await fs.read(gz, { maxBytes: MAX_KCONFIG_GZ_BYTES })
  if (!r.ok) tried.push({ path: gz, result: r.why === 'missing' ? 'missing' : r.reason })
  else {
    const rec = await recogniseOnce(r.data, true, answers)
    if (rec.ok) {
      tried.push({ path: gz, result: 'used' })
      return { source: gz, tried, config: rec.config }
    }
    tried.push({ path: gz, result: rec.reason })
  }
  if (!release) {
    tried.push({ path: '/boot/config-R', result: 'kernel release unknown' })
    return { tried }
  }
  for (const p of [`/boot/config-${release}`, `/lib/modules/${release}/config`]) {
    const f = await fs.read(p, { maxBytes: MAX_KCONFIG_BYTES })
    if (!f.ok) {
      tried.push({ path: p, result: f.why === 'missing' ? 'missing' : f.reason })
      continue
    }
    const rec = await recogniseOnce(f.data, false, answers)
    if (rec.ok) {
      tried.push({ path: p, result: 'used' })
      return { source: p, tried, config: rec.config }
    }
    tried.push({ path: p, result: rec.reason })
  }
  return { tried }
}
