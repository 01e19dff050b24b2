'use strict'
// The drive I/O that runs on the libuv pool (src/drive_io.c), shipped with the socket addon so
// that one build step and one package serve both. Promise forms of the native callbacks.

const path = require('node:path')

const native = require(path.join(__dirname, 'build', 'Release', 'hsc_drive_io.node'))

/**
 * Copies `length` bytes of `inFd` at `inOffset` to `outFd` at `outOffset` through a pipe of
 * `pipeSize` bytes (splice: the bytes never enter this process). Resolves with the bytes
 * copied, fewer when the input ended first; rejects with an errno error (`code`, `syscall`)
 * that carries `copied`, the bytes that reached outFd.
 */
function spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize) {
  return new Promise((resolve, reject) => {
    native.spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize, (err, copied) => (err ? reject(err) : resolve(copied)))
  })
}

/**
 * Compares `length` bytes of the image at `offset` with the drive, `step` bytes at a time
 * (reading the drive into driveBuf, `readLength` in all: a multiple of its block size, and
 * the image into imageBuf), on one pool thread; it stops before its next step once `stop`
 * (an Int32Array, optional) holds a non-zero first element. Resolves with { driveEnd,
 * firstDifference, imageEnd, stopped }: what ended the comparison, counted from `offset`
 * (-1: not that; all -1 when the range is equal or it stopped); rejects with an errno error
 * whose `syscall` names the side ("pread (drive)", "pread (image)") and whose `offset` is the
 * step that failed. `leaves` (a Uint8Array, optional) receives the XXH3-128 of each `leaf`
 * bytes (a divisor of `step`, default `step`) of the image's bytes compared equal, 16 bytes each.
 */
function compareAt(driveFd, driveBuf, imageFd, imageBuf, offset, length, readLength, step, stop, leaves, leaf) {
  return new Promise((resolve, reject) => {
    native.compareAt(driveFd, driveBuf, imageFd, imageBuf, offset, length, readLength, step, stop ?? null, leaves ?? null, leaf ?? null, (err, result) =>
      err ? reject(err) : resolve(result)
    )
  })
}

/**
 * Reads `readLength` bytes of the drive at `offset` into driveBuf in one read and writes the
 * XXH3-128 of each `leaf` bytes of the first `length` into `leaves` (16 bytes each), on one
 * pool thread. Resolves like compareAt (`driveEnd` when the drive ended short, `stopped` when
 * `stop` was set first); rejects with an errno error ("pread (drive)") carrying `offset`.
 */
function hashAt(driveFd, driveBuf, offset, length, readLength, leaf, stop, leaves) {
  return new Promise((resolve, reject) => {
    native.hashAt(driveFd, driveBuf, offset, length, readLength, leaf, stop ?? null, leaves, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

module.exports = { spliceCopy, compareAt, hashAt, xxh3: native.xxh3, xxh3Leaves: native.xxh3Leaves }
