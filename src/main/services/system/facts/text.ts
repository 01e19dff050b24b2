import { isUtf8 } from 'node:buffer'

/**
 * What stands for text left out of a report. The report's own words stay within Latin-1: one
 * character beyond it makes the whole JSON a two-byte string, twice the memory and slower to
 * encode for output (0.5 % of a cold `hsc inspect --json`'s instructions, #15).
 */
export const CUT = '...'

/** Bytes that are text as config and procfs readers expect it: valid UTF-8, no NUL, no control characters but tab/newline/CR. */
export function isPlainText(data: Buffer | string): boolean {
  const s = typeof data === 'string' ? data : decodeStrict(data)
  if (s === undefined) return false
  return !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)
}

/**
 * The text of valid UTF-8, else undefined; a leading byte order mark is dropped, as
 * TextDecoder('utf-8', { fatal: true }) does. Checked and decoded by Node's native UTF-8 code:
 * a fatal TextDecoder made for each file cost a cold report ~0.5 ms on a kernel config.
 */
export function decodeStrict(data: Buffer): string | undefined {
  if (!isUtf8(data)) return undefined
  const bom = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf
  // No encoding named: UTF-8 by Node's shortest way (naming one looks it up, ~2 of Node's functions compiled, #15).
  return data.toString(undefined, bom ? 3 : 0)
}

/** A short, printable rendering of unknown bytes for evidence (never the whole file). */
export function preview(data: Buffer | string, max = 80): string {
  const s = typeof data === 'string' ? data : data.subarray(0, max * 4).toString()
  const clean = s.replace(/[\x00-\x08\x0b-\x1f\x7f\ufffd]/g, '·')
  return clean.length > max ? clean.slice(0, max) + CUT : clean
}
