'use strict'
// The zero-copy range copy (src/splice_copy.c), shipped with the socket addon so that one
// build step and one package serve both. Promise form of the native callback.

const path = require('node:path')

const native = require(path.join(__dirname, 'build', 'Release', 'hsc_splice_copy.node'))

/**
 * Copies `length` bytes of `inFd` at `inOffset` to `outFd` at `outOffset` through a pipe of
 * `pipeSize` bytes. Resolves with the bytes copied, fewer when the input ended first; rejects
 * with an errno error (`code`, `syscall`) that carries `copied`, the bytes that reached outFd.
 */
function spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize) {
  return new Promise((resolve, reject) => {
    native.spliceCopy(inFd, outFd, inOffset, outOffset, length, pipeSize, (err, copied) => (err ? reject(err) : resolve(copied)))
  })
}

module.exports = { spliceCopy }
