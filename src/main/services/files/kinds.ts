import type { FileKind } from '../../../shared/contract/files'

// Raw images, and the same compressed with xz, zstd or gzip (the writer decompresses them while writing).
const IMAGE = /\.(iso|img|raw)(\.(xz|zst|gz))?$/i
const CHECKSUM = /(^|[._-])(CHECKSUM|SHA256SUMS?|SHA512SUMS?)([._-]|$)|\.(sha256|sha512|sha256sum|asc)$/i

/** True when a file name looks like what the chooser was opened for. */
export function matchesKind(name: string, kind: FileKind): boolean {
  if (kind === 'image') return IMAGE.test(name)
  if (kind === 'checksum') return CHECKSUM.test(name)
  return true
}
