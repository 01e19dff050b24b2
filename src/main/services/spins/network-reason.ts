/**
 * Why a request failed, as words for the user: the error's own message with its code, and for
 * a certificate this machine does not trust, what to do about it. Node puts the TLS code on
 * the socket's error (hsc's own transport) or on the `cause` of fetch's "fetch failed".
 */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED'
])
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])

export function networkReason(err: unknown): string {
  const e = (err ?? {}) as { name?: string; message?: string; code?: unknown; cause?: { code?: unknown; message?: string } }
  if (e.name === 'TimeoutError') return 'timed out'
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined
  // fetch says only "fetch failed"; the socket's own words are in the cause. Other errors keep
  // their cause as a note.
  const own = e.message ?? String(err)
  const causeWords = e.cause?.message && !own.includes(e.cause.message) ? e.cause.message : undefined
  const words = causeWords ? (own === 'fetch failed' ? `${own}: ${causeWords}` : `${own} (${causeWords})`) : own
  const said = code && !words.includes(code) ? `${words} (${code})` : words
  if (code && UNTRUSTED.has(code))
    return `its certificate is not trusted on this machine: ${said}. If your network uses its own certificate authority, set NODE_EXTRA_CA_CERTS to that authority's certificate (a PEM file)`
  if (code && OUT_OF_DATE.has(code)) return `its certificate is not valid at this machine's date and time: ${said}. Check the clock`
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `its certificate is for another name: ${said}`
  return said
}
