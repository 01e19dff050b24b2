import { AppError } from '../../../shared/contract/errors'
import type { FetchLike } from './download'
import { fetchNoDowngrade } from './redirect-policy'
import { networkReason } from './network-reason'

export interface TextResult {
  text: string
  /** The URL that answered (after the mirror failover). */
  url: string
  contentType: string
}

export interface TextOptions {
  timeoutMs?: number
  /** Refuse bodies larger than this (a listing or checksum file is small). */
  maxBytes?: number
  signal?: AbortSignal
}

async function readLimited(res: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined)
    throw new Error(`${url}: ${declared} bytes is too large for a listing or checksum file`)
  }
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new Error(`${url}: more than ${maxBytes} bytes; not a listing or checksum file`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** GETs a small text resource from the first mirror that answers with 2xx. */
export async function fetchText(fetch: FetchLike, urls: readonly string[], opts: TextOptions = {}): Promise<TextResult> {
  const errors: string[] = []
  for (const url of urls) {
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 20_000)]
    if (opts.signal) signals.push(opts.signal)
    try {
      const res = await fetchNoDowngrade(fetch)(url, { signal: AbortSignal.any(signals) })
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined)
        errors.push(`${url}: HTTP ${res.status}`)
        continue
      }
      const text = await readLimited(res, opts.maxBytes ?? 8 * 1024 * 1024, url)
      return { text, url: res.url || url, contentType: res.headers.get('content-type') ?? '' }
    } catch (err) {
      if (opts.signal?.aborted) throw err
      errors.push(`${url}: ${networkReason(err)}`)
    }
  }
  throw new AppError('FetchFailed', errors.join('; ') || 'no URL to fetch', { stage: 'fetch' })
}

/** Exact size and date of a remote file, when the server tells (HEAD). */
export async function headInfo(fetch: FetchLike, url: string, timeoutMs = 15_000): Promise<{ size?: number; lastModified?: string }> {
  try {
    const res = await fetchNoDowngrade(fetch)(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) })
    if (!res.ok) return {}
    const len = res.headers.get('content-length')
    const lm = res.headers.get('last-modified')
    const date = lm ? new Date(lm) : undefined
    return {
      size: len !== null && /^\d+$/.test(len) ? Number(len) : undefined,
      lastModified: date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined
    }
  } catch {
    return {}
  }
}
