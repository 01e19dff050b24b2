import { createRequire } from 'node:module'

/**
 * The project's drive I/O addon (native/usocket/src/drive_io.c, built with the socket addon):
 * work that runs best on the libuv pool, off the JavaScript thread. Without the build, the
 * callers fall back to Node's own reads and writes.
 */

/** Copies a range of one descriptor to another through a pipe (splice): resolves with the bytes copied. */
export type SpliceCopy = (inFd: number, outFd: number, inOffset: number, outOffset: number, length: number, pipeSize: number) => Promise<number>

/**
 * What ended a comparison, counted from the range's start; -1 for what did not, all three -1
 * when the range is equal. At most one is set: in the first step where something happened,
 * the drive ending comes first, then a differing byte, then the image ending.
 */
export interface CompareResult {
  driveEnd: number
  firstDifference: number
  imageEnd: number
  /** It ended early because `stop` was set (a cancel); nothing else is known. */
  stopped: boolean
}

/**
 * Compares a range of the image with the drive on one pool thread, `step` bytes at a time
 * through the two buffers (each at least `step` long); `readLength` is the range's length
 * rounded up to the drive's block size (O_DIRECT). Once `stop[0]` is non-zero it ends before
 * its next step. A failed read's error carries `offset`.
 */
export type CompareAt = (
  driveFd: number,
  driveBuf: Uint8Array,
  imageFd: number,
  imageBuf: Uint8Array,
  offset: number,
  length: number,
  readLength: number,
  step: number,
  stop?: Int32Array,
  /** Receives the XXH3-128 of each `leaf` bytes of the image (16 bytes each) for the steps found equal. */
  leaves?: Uint8Array,
  /** The leaf size: divides `step` and `offset` (default: the step). */
  leaf?: number
) => Promise<CompareResult>

/**
 * Reads `readLength` bytes of the drive at `offset` into driveBuf in one read (O_DIRECT: a
 * multiple of the block size, at least `length`, within the buffer) and writes the XXH3-128 of
 * each `leaf` bytes of the first `length` into `leaves` (16 bytes each; the last leaf shorter).
 * Resolves like CompareAt: `driveEnd` when the drive ended short (no hash written), `stopped`.
 */
export type HashAt = (
  driveFd: number,
  driveBuf: Uint8Array,
  offset: number,
  length: number,
  readLength: number,
  leaf: number,
  stop: Int32Array | undefined,
  leaves: Uint8Array
) => Promise<CompareResult>

export interface DriveIo {
  spliceCopy: SpliceCopy
  compareAt: CompareAt
  hashAt: HashAt
  /** XXH3-128 of `data` with a 64-bit seed, in canonical (big-endian) order: 16 bytes. */
  xxh3(data: Uint8Array, seed: number): Buffer
  /** The XXH3-128 of each `leaf` bytes of `data` (the last shorter) into `leaves`, 16 bytes each, on this thread. */
  xxh3Leaves(data: Uint8Array, leaf: number, leaves: Uint8Array): void
}

let loaded: DriveIo | null | undefined

/** The addon, or undefined when it is not built. */
export function loadDriveIo(): DriveIo | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('usocket/drive-io.js') as DriveIo
    } catch {
      loaded = null
    }
  }
  return loaded ?? undefined
}
