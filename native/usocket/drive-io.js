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
 * Reads `readLength` bytes of the drive and `length` bytes of the image at `offset` into the
 * two buffers and compares the first `length` bytes, on one pool thread. Resolves with
 * { driveBytes, imageBytes, firstDifference } (-1: none differ); rejects with an errno error
 * whose `syscall` names the side ("pread (drive)", "pread (image)").
 */
function compareAt(driveFd, driveBuf, imageFd, imageBuf, offset, length, readLength) {
  return new Promise((resolve, reject) => {
    native.compareAt(driveFd, driveBuf, imageFd, imageBuf, offset, length, readLength, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

module.exports = { spliceCopy, compareAt }
