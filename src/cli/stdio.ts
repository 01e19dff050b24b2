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
  const buf = Buffer.from(text)
  let off = 0
  try {
    while (off < buf.length) off += writeSync(fd, buf, off)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A descriptor left non-blocking by whoever started us: the stream waits for room instead.
    if (code === 'EAGAIN') stdStream(fd).write(buf.subarray(off))
    else endOnClosedPipe(err as NodeJS.ErrnoException)
  }
}
