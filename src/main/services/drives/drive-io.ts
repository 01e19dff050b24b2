import { createRequire } from 'node:module'

/**
 * The project's drive I/O addon (native/usocket/src/drive_io.c, built with the socket addon):
 * work that runs best on the libuv pool, off the JavaScript thread. Without the build, the
 * callers fall back to Node's own reads and writes.
 */

/** Copies a range of one descriptor to another through a pipe (splice): resolves with the bytes copied. */
export type SpliceCopy = (inFd: number, outFd: number, inOffset: number, outOffset: number, length: number, pipeSize: number) => Promise<number>

export interface CompareResult {
  driveBytes: number
  imageBytes: number
  /** Index of the first differing byte in the chunk; -1 when none differ. */
  firstDifference: number
}

/** Reads a chunk of the drive and of the image into the two buffers and compares them, on one pool thread. */
export type CompareAt = (
  driveFd: number,
  driveBuf: Uint8Array,
  imageFd: number,
  imageBuf: Uint8Array,
  offset: number,
  length: number,
  readLength: number
) => Promise<CompareResult>

export interface DriveIo {
  spliceCopy: SpliceCopy
  compareAt: CompareAt
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
