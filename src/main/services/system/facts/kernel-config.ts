import type Zlib from 'node:zlib'
import { parseKernelConfig, type KernelConfig } from '../../inspect/parsers/kernel-config'
import { lazyBuiltin } from '../lazy'
import type { RootFs } from '../rootfs'
import type { AnswerCache, KeptBlob } from './answer-cache'
import { answersOf, decodeKept, encodeKept, keptConfig, type KeptAnswers } from './kernel-config-kept'
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
const byContent: Array<{ raw: Buffer; gz: boolean; rec: Promise<Recognised> }> = []
const MAX_KEPT = 4

function recogniseOnce(raw: Buffer, gz: boolean, answers: AnswerCache | undefined): Promise<Recognised> {
  let hit = byContent.find((e) => e.gz === gz && e.raw.equals(raw))?.rec
  if (!hit) {
    hit = gz ? Promise.resolve(recogniseGzipped(raw, answers)) : Promise.resolve(recogniseKernelConfig(raw))
    byContent.push({ raw, gz, rec: hit })
    if (byContent.length > MAX_KEPT) byContent.shift()
  }
  return hit
}

/**
 * /proc/config.gz: loading zlib, inflating and searching the text cost a cold `hsc inspect` or
 * `hsc oomd status` several ms, yet the file only changes with the kernel. What these exact
 * bytes said to each lookup is kept beside the program answers (kernel-config-kept.ts); an
 * option it does not cover is looked up in the text, inflated then, and kept from then on.
 * Only a config is kept: anything else found there is judged (and inflated) each time.
 */
function recogniseGzipped(raw: Buffer, answers: AnswerCache | undefined): Recognised {
  const blob = answers?.blob('kernel-config')
  const fromText = (): Recognised => {
    const d = inflate(raw)
    return d.ok ? recogniseKernelConfig(d.data) : d
  }
  const kept = blob && decodeKept(blob.read(), raw)
  if (kept) {
    let text: KernelConfig | undefined
    const full = (): KernelConfig => {
      if (text) return text
      const rec = fromText()
      // These bytes were a config when their answers were kept; they inflate the same way now.
      if (!rec.ok) throw new Error(`/proc/config.gz no longer reads as the config kept for it: ${rec.reason}`)
      return (text = rec.config)
    }
    return { ok: true, config: keptConfig(kept, full, keepSoon(blob, raw, kept)) }
  }
  const rec = fromText()
  if (!rec.ok || !blob) return rec
  const fresh = answersOf(rec.config)
  const learned = keepSoon(blob, raw, fresh)
  learned()
  return { ok: true, config: keptConfig(fresh, () => rec.config, learned) }
}

/** Writes the kept answers once the lookups of this turn are in (a report makes them in a few turns). */
function keepSoon(blob: KeptBlob, raw: Buffer, kept: KeptAnswers): () => void {
  let pending = false
  return () => {
    if (pending) return
    pending = true
    setImmediate(() => {
      pending = false
      blob.write(encodeKept(raw, kept))
    })
  }
}

// zlib loads only for a gzipped config (/proc/config.gz), and only when no kept answers cover it.
const zlib = lazyBuiltin<typeof Zlib>('node:zlib')

function inflate(raw: Buffer): Decoded {
  try {
    // Inflated in line: the output is capped and a config is ~100 KB (~1 ms); the thread pool's
    // gunzip took 4-13 ms of a cold `hsc inspect`, most of it starting the pool's threads (#15).
    return { ok: true, data: zlib().gunzipSync(raw, { maxOutputLength: MAX_KCONFIG_BYTES }) }
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
