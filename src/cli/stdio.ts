import { writeSync } from 'node:fs'

/**
 * The CLI's standard output and error. Text goes straight to the descriptor with a blocking
 * write: creating `process.stdout` loads net, tty and the stream modules (~5 ms of a cold
 * `hsc inspect --json | jq`, as much as the inspection's own parsing), and a command that only
 * prints its answer needs none of them. Commands that draw progress or prompt take the stream
 * through `stdStream`; from then on every write to that descriptor goes through the stream, so
 * the order of lines never changes.
 *
 * A reader that stops early (`hsc repos list | head`) closes the pipe: that ends the output and
 * the process quietly, it is not a crash of hsc's. Other write errors still surface.
 */
type Fd = 1 | 2

const streams = new Map<Fd, NodeJS.WriteStream>()

function endOnClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err
  process.exit(process.exitCode ?? 0)
}

/** process.stdout (1) or process.stderr (2), with the closed-pipe handling attached once. */
export function stdStream(fd: Fd): NodeJS.WriteStream {
  let s = streams.get(fd)
  if (!s) {
    s = fd === 1 ? process.stdout : process.stderr
    s.on('error', endOnClosedPipe)
    streams.set(fd, s)
  }
  return s
}

export function writeText(fd: Fd, text: string): void {
  const s = streams.get(fd)
  if (s) {
    s.write(text)
    return
  }
  let written = 0
  try {
    // The string goes to the descriptor as it is: Node encodes it inside the write. A Buffer
    // made of it first was one more copy of the whole report, and two bytes a character once
    // the text holds any non-ASCII one (#15). A short write (a signal) goes on from a Buffer.
    written = writeSync(fd, text)
    if (written === Buffer.byteLength(text)) return
    const buf = Buffer.from(text)
    while (written < buf.length) written += writeSync(fd, buf, written)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A descriptor left non-blocking by whoever started us: the stream waits for room instead.
    if (code === 'EAGAIN') stdStream(fd).write(Buffer.from(text).subarray(written))
    else endOnClosedPipe(err as NodeJS.ErrnoException)
  }
}

/** writeText, then a line break unless the text ends with one (written apart: joining them copied the text). */
export function writeLine(fd: Fd, text: string): void {
  writeText(fd, text)
  if (!text.endsWith('\n')) writeText(fd, '\n')
}
