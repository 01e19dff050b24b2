/**
 * An image's read-back fingerprint: XXH3-128, seeded with the image's length, over the
 * XXH3-128 of each LEAF bytes of it (the drive-io addon computes both). Taken where the image's
 * bytes pass anyway: hsc verify's reads, a write's buffers (drives/pipeline.ts), a read-back
 * that compares a drive with the image. The read-back then reads the drive and hashes it
 * instead of reading the image again (drives/verify.ts); kept with the SHA-256 of a plain
 * image (image-digests.ts), it serves the next write of the same unchanged file too.
 *
 * 256 KiB leaves: the chunk hsc verify reads (spins/hash.ts READ_CHUNK), so its reads take the
 * leaf hashes on the pool thread that reads; a write's head (1 MiB) and chunks (4 MiB), a
 * read-back step (1 MiB) and a drive read (4 MiB) hold whole leaves.
 */
export const LEAF = 256 * 1024

/** Bytes of one leaf hash (XXH3-128). */
const LEAF_HASH_BYTES = 16

/** Bytes of leaf hashes for an image of `size` bytes (one per leaf, the last leaf shorter). */
export function leavesBytes(size: number): number {
  return LEAF_HASH_BYTES * Math.ceil(size / LEAF)
}

/** Where the hashes of the leaves from byte `offset` (a multiple of LEAF) on go in `leaves`. */
export function leavesFrom(leaves: Uint8Array, offset: number): Uint8Array {
  return leaves.subarray(leavesBytes(offset))
}

/** The fingerprint (32 hex digits) from the leaf hashes, by the addon's `xxh3(data, seed)`. */
export function treeOf(xxh3: (data: Uint8Array, seed: number) => Buffer, leaves: Uint8Array, size: number): string {
  return xxh3(leaves, size).toString('hex')
}
