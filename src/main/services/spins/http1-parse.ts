/**
 * The client side of HTTP/1.1 framing for one GET (RFC 9112): the response head, then the
 * body by Content-Length, chunked transfer coding, or up to the connection's end. Pure code
 * over byte slices, so the socket transport can hand it views of a reused receive buffer.
 */

/** A response head larger than this is refused (nginx sends a few hundred bytes). */
export const MAX_HEAD_BYTES = 64 * 1024

export interface ResponseHead {
  status: number
  statusText: string
  /** Lower-case names; repeated fields joined with ", " (as fetch's Headers does). */
  headers: Map<string, string>
}

export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

const CRLFCRLF = Buffer.from('\r\n\r\n')
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Collects the head across reads. `feed` returns the offset in `chunk` where the body starts
 * once the head is complete (the head is then in `head`), or -1 to ask for more bytes.
 */
export class HeadReader {
  head?: ResponseHead
  private acc = Buffer.alloc(0)

  feed(chunk: Uint8Array): number {
    const before = this.acc.length
    // Only the head is copied (a few hundred bytes); the body bytes after it stay in `chunk`.
    const look = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, MAX_HEAD_BYTES + 4))
    this.acc = Buffer.concat([this.acc, look])
    // Start 3 bytes back: the CRLFCRLF may be split across reads.
    const at = this.acc.indexOf(CRLFCRLF, Math.max(0, before - 3))
    if (at < 0) {
      if (this.acc.length > MAX_HEAD_BYTES) throw new ProtocolError(`response head larger than ${MAX_HEAD_BYTES} bytes`)
      return -1
    }
    if (at + 4 > MAX_HEAD_BYTES) throw new ProtocolError(`response head larger than ${MAX_HEAD_BYTES} bytes`)
    this.head = parseHead(this.acc.subarray(0, at).toString('latin1'))
    this.acc = Buffer.alloc(0)
    return at + 4 - before
  }
}

export function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '')
  if (!m) throw new ProtocolError(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`)
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).toLowerCase()
    if (colon <= 0 || !TOKEN.test(name)) throw new ProtocolError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`)
    const value = line.slice(colon + 1).trim()
    const prev = headers.get(name)
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`)
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers }
}

/** How the body of a response to GET ends (RFC 9112 section 6.3). */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' }

export function framingOf(head: ResponseHead): Framing {
  if (head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) return { kind: 'none' }
  const te = head.headers.get('transfer-encoding')
  if (te !== undefined) {
    // Only "chunked" (as the last and only coding) is understood; anything else cannot be framed.
    if (te.trim().toLowerCase() !== 'chunked') throw new ProtocolError(`unsupported Transfer-Encoding "${te}"`)
    return { kind: 'chunked' }
  }
  const cl = head.headers.get('content-length')
  if (cl !== undefined) {
    const values = new Set(cl.split(',').map((v) => v.trim()))
    const [only] = values
    if (values.size !== 1 || !/^\d{1,16}$/.test(only)) throw new ProtocolError(`invalid Content-Length "${cl}"`)
    return { kind: 'length', length: Number(only) }
  }
  return { kind: 'close' }
}

const enum ChunkState {
  Size,
  Data,
  DataEnd,
  Trailer,
  Done
}

/**
 * Decodes chunked transfer coding without copying the data: `feed` appends to `out` views of
 * `chunk` that hold the payload bytes. Returns true once the last chunk and trailers are in.
 */
export class ChunkedDecoder {
  private state = ChunkState.Size
  private line = ''
  private left = 0
  /** Offset in the last fed chunk where the message ended (bytes after it are not ours). */
  end = -1

  get done(): boolean {
    return this.state === ChunkState.Done
  }

  feed(chunk: Uint8Array, out: Uint8Array[]): boolean {
    let i = 0
    while (i < chunk.length && this.state !== ChunkState.Done) {
      if (this.state === ChunkState.Data) {
        const n = Math.min(this.left, chunk.length - i)
        out.push(chunk.subarray(i, i + n))
        i += n
        this.left -= n
        if (this.left === 0) this.state = ChunkState.DataEnd
        continue
      }
      // Size lines, the CRLF after data and trailer lines are read a line at a time.
      const nl = chunk.indexOf(0x0a, i)
      const stop = nl < 0 ? chunk.length : nl
      this.line += Buffer.from(chunk.buffer, chunk.byteOffset + i, stop - i).toString('latin1')
      if (this.line.length > 4096) throw new ProtocolError('chunked body: line too long')
      i = stop
      if (nl < 0) break
      i++ // the LF
      const line = this.line.replace(/\r$/, '')
      this.line = ''
      this.lineDone(line)
    }
    if (this.state === ChunkState.Done) this.end = i
    return this.done
  }

  private lineDone(line: string): void {
    if (this.state === ChunkState.Size) {
      const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line)
      if (!m) throw new ProtocolError(`chunked body: bad chunk size line ${JSON.stringify(line.slice(0, 40))}`)
      this.left = parseInt(m[1], 16)
      this.state = this.left === 0 ? ChunkState.Trailer : ChunkState.Data
    } else if (this.state === ChunkState.DataEnd) {
      if (line !== '') throw new ProtocolError('chunked body: missing CRLF after chunk data')
      this.state = ChunkState.Size
    } else if (this.state === ChunkState.Trailer) {
      if (line === '') this.state = ChunkState.Done
    }
  }
}
