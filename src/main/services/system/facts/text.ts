/** Bytes that are text as config and procfs readers expect it: valid UTF-8, no NUL, no control characters but tab/newline/CR. */
export function isPlainText(data: Buffer | string): boolean {
  const s = typeof data === 'string' ? data : decodeStrict(data)
  if (s === undefined) return false
  return !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)
}

export function decodeStrict(data: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data)
  } catch {
    return undefined
  }
}

/** A short, printable rendering of unknown bytes for evidence (never the whole file). */
export function preview(data: Buffer | string, max = 80): string {
  const s = typeof data === 'string' ? data : data.subarray(0, max * 4).toString('utf8')
  const clean = s.replace(/[\x00-\x08\x0b-\x1f\x7f\ufffd]/g, '·')
  return clean.length > max ? clean.slice(0, max) + '…' : clean
}
