/**
 * Plain-http catalogue sources: anyone on the network path can change what they list, and the
 * hashes they carry. Shown as a warning beside the field; the downloader also refuses
 * https->http redirects (spins/redirect-policy.ts).
 */
export function insecureSources(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^http:\/\//i.test(l))
}

export function insecureSourcesNotice(text: string): string | null {
  const plain = insecureSources(text)
  if (plain.length === 0) return null
  return `${plain.length === 1 ? 'This source uses' : `${plain.length} sources use`} plain http:// (${plain.slice(0, 3).join(', ')}${plain.length > 3 ? ', …' : ''}): anyone on the network path can change what it lists. Prefer https://, and verify images with a signed checksum.`
}
