'use strict'
// The `usocket` interface dbus-next loads (require('usocket').USocket), backed by the
// project's Node-API addon instead of the nan-based npm package, so one build runs in
// Node and in Electron. dbus-next uses: `new USocket({path})`, the 'connect'/'connected'
// event, `write(string | Buffer | {data, fds})`, `read(n)` -> Buffer and
// `read(n, null)` -> {data, fds}, plus 'readable', 'end', 'error' and `end()`.

const { Duplex } = require('node:stream')
const path = require('node:path')

const native = require(path.join(__dirname, 'build', 'Release', 'hsc_usocket.node'))

class USocket extends Duplex {
  constructor(opts = {}) {
    // Object mode on the write side only: dbus-next writes {data, fds} objects and strings.
    super({ writableObjectMode: true, allowHalfOpen: false })
    this.fd = -1
    this.supportsUnixFd = false
    this._readerDone = false
    this._closeOnEnd = false
    this._bytesIn = 0
    this._bytesOut = 0
    // Descriptors with the stream offset of the last byte of the chunk they arrived with;
    // handed out to the read that consumes that byte (dbus-next reads a header, then the rest
    // with fds). Not the chunk's first byte: a unix stream recvmsg() may glue the tail of an
    // earlier message, which carries none, before the data the descriptors came with, and
    // stops right after that data, so the chunk's end is always the descriptors' message.
    this._fdQueue = []
    this._reader = null
    this._unrefd = false
    if (typeof opts.path === 'string') this.connect(opts.path)
  }

  connect(socketPath, cb) {
    if (this.fd >= 0) throw new Error('USocket is already connected')
    if (typeof cb === 'function') this.once('connected', cb)
    try {
      this.fd = native.connect(Buffer.from(socketPath, 'utf8'))
    } catch (err) {
      process.nextTick(() => this.destroy(err))
      return this
    }
    this._reader = native.startReader(this.fd, (kind, data, fds) => this._onChunk(kind, data, fds))
    if (this._unrefd) native.setRef(this._reader, false)
    // Only 'connected' (as usocket does): dbus-next starts its handshake on either event.
    process.nextTick(() => this.emit('connected'))
    return this
  }

  _onChunk(kind, data, fds) {
    if (kind === 'data') {
      if (fds.length > 0) {
        if (this.destroyed) fds.forEach((fd) => native.close(fd))
        else this._fdQueue.push({ at: this._bytesIn + data.length - 1, fds })
      }
      this._bytesIn += data.length
      if (!this.destroyed) this.push(data)
      return
    }
    this._readerDone = true
    if (kind === 'error' && !this.destroyed) this.destroy(data)
    else if (!this.destroyed) this.push(null)
    if (this._closeOnEnd) this._closeFd()
  }

  read(size, _fdCount) {
    const data = super.read(size)
    if (data) this._bytesOut += data.length
    if (arguments.length < 2) return data
    if (!data) return null
    const fds = []
    while (this._fdQueue.length > 0 && this._fdQueue[0].at < this._bytesOut) fds.push(...this._fdQueue.shift().fds)
    return { data, fds }
  }

  _read() {
    // Data is pushed by the reader thread as it arrives.
  }

  _write(chunk, _encoding, callback) {
    if (this.fd < 0) return callback(new Error('USocket is not connected'))
    let data
    let fds = []
    if (typeof chunk === 'string') data = Buffer.from(chunk, 'utf8')
    else if (Buffer.isBuffer(chunk)) data = chunk
    else if (chunk && Buffer.isBuffer(chunk.data)) {
      data = chunk.data
      fds = Array.isArray(chunk.fds) ? chunk.fds : []
    } else return callback(new TypeError('USocket.write expects a string, a Buffer or {data, fds}'))
    this._send(data, fds, callback)
  }

  _send(data, fds, callback) {
    for (;;) {
      let sent
      try {
        sent = native.send(this.fd, data, fds)
      } catch (err) {
        return callback(err)
      }
      if (sent < 0) {
        return native.waitWritable(this.fd, (err) => (err ? callback(err) : this._send(data, fds, callback)))
      }
      if (sent >= data.length) return callback()
      // The descriptors went with the first byte; the rest of the message follows without them.
      data = data.subarray(sent)
      fds = []
    }
  }

  _final(callback) {
    if (this.fd >= 0) native.shutdown(this.fd, 1)
    callback()
  }

  _destroy(err, callback) {
    if (this.fd >= 0) {
      // Wake the reader thread; the descriptor is closed once it has stopped using it.
      native.shutdown(this.fd, 2)
      if (this._readerDone) this._closeFd()
      else this._closeOnEnd = true
    }
    for (const entry of this._fdQueue) entry.fds.forEach((fd) => native.close(fd))
    this._fdQueue = []
    callback(err)
  }

  _closeFd() {
    if (this.fd >= 0) native.close(this.fd)
    this.fd = -1
  }

  setNoDelay() {
    return this
  }

  /** Like net.Socket: an unref'd socket does not keep the process alive. */
  ref() {
    this._unrefd = false
    if (this._reader && !this._readerDone) native.setRef(this._reader, true)
    return this
  }

  unref() {
    this._unrefd = true
    if (this._reader && !this._readerDone) native.setRef(this._reader, false)
    return this
  }
}

module.exports = { USocket, native }
