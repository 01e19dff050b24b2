import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, existsSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tmpDir } from './support'
import { PROJECT_ROOT } from '../support/paths'

/**
 * The project's Node-API socket (native/usocket), loaded the way dbus-next loads it:
 * require('usocket'). The peer is Python's socket.send_fds/recv_fds, an independent
 * SCM_RIGHTS implementation.
 */
interface USocketLike extends NodeJS.EventEmitter {
  fd: number
  read(size?: number, fds?: null): Buffer | { data: Buffer; fds: number[] } | null
  write(chunk: unknown): boolean
  end(): void
  destroy(): void
}
const require = createRequire(import.meta.url)
const { USocket } = require('usocket') as { USocket: new (opts: { path: string }) => USocketLike }

const python = spawnSync('python3', ['-c', 'import socket; socket.send_fds']).status === 0 ? 'python3' : undefined
const dirs: string[] = []
const children: ChildProcess[] = []
afterAll(() => {
  children.forEach((c) => c.kill())
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }))
})

const SERVER = `
import socket, os, sys, hashlib
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(1)
print('ready', flush=True)
conn, _ = srv.accept()
r, w = os.pipe(); os.write(w, b'from-python'); os.close(w)
socket.send_fds(conn, [b'hello'], [r])
msg, fds, _, _ = socket.recv_fds(conn, 4, 4)
data = os.read(fds[0], 100) if fds else b''
size = int.from_bytes(conn.recv(8, socket.MSG_WAITALL), 'big')
h = hashlib.sha256(); got = 0
while got < size:
    b = conn.recv(min(65536, size - got)); h.update(b); got += len(b)
conn.sendall(b'got:' + msg + b':' + data + b':' + h.hexdigest().encode() + b'\\n')
conn.shutdown(socket.SHUT_WR)
`

function startServer(sock: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python as string, ['-c', SERVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(child)
    child.stdout?.once('data', () => resolve())
    child.once('error', reject)
  })
}

function readExactly(s: USocketLike, n: number, withFds: boolean): Promise<{ data: Buffer; fds: number[] }> {
  return new Promise((resolve) => {
    const tryRead = (): void => {
      const r = withFds ? s.read(n, null) : s.read(n)
      if (!r) return
      s.removeListener('readable', tryRead)
      resolve(Buffer.isBuffer(r) ? { data: r, fds: [] } : (r as { data: Buffer; fds: number[] }))
    }
    s.on('readable', tryRead)
    tryRead()
  })
}

describe('native usocket (Node-API, fd passing)', () => {
  it('descriptors go to the message whose bytes end the chunk they came with, not to bytes the kernel glued before them', () => {
    // A unix stream recvmsg() may return the tail of one message (no descriptors) and, after it,
    // the start of the next that carries some: the kernel stops right after the descriptors'
    // data. Chunks are fed to the real class as its reader thread hands them over.
    const s = new USocket({} as { path: string }) as USocketLike & { _onChunk(kind: 'data', data: Buffer, fds: number[]): void }
    const a = Buffer.alloc(40, 'a')
    const b = Buffer.alloc(30, 'b')
    const fd = openSync('/dev/null', 'r')
    try {
      s._onChunk('data', a.subarray(0, 10), [])
      s._onChunk('data', Buffer.concat([a.subarray(10), b]), [fd])
      // As dbus-next reads: a 16-byte header, then the rest of the message with its descriptors.
      expect(s.read(16)).toEqual(a.subarray(0, 16))
      expect(s.read(24, null)).toEqual({ data: a.subarray(16), fds: [] })
      expect(s.read(16)).toEqual(b.subarray(0, 16))
      expect(s.read(14, null)).toEqual({ data: b.subarray(16), fds: [fd] })
    } finally {
      closeSync(fd)
      s.destroy()
    }
  })

  it('is the project build, not the npm nan package', () => {
    expect(require.resolve('usocket')).toMatch(/native[/\\]usocket[/\\]index\.js$/)
    expect(existsSync(path.join(path.dirname(require.resolve('usocket')), 'build/Release/hsc_usocket.node'))).toBe(true)
  })

  it('reports a missing socket as an error event', async () => {
    const s = new USocket({ path: '/nonexistent/hsc/socket' })
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => s.once('error', resolve))
    expect(err.code).toBe('ENOENT')
  })

  it("an unref'd socket does not keep the process alive (idle bus connections)", () => {
    const dir = tmpDir('hsc-usocket-ref-')
    dirs.push(dir)
    const script = `
      const net = require('node:net'); const { USocket } = require('usocket')
      const server = net.createServer(() => {}).listen(${JSON.stringify(path.join(dir, 's'))}, () => {
        const s = new USocket({ path: ${JSON.stringify(path.join(dir, 's'))} })
        s.once('connected', () => { s.unref(); server.unref(); console.log('idle') })
      })`
    // Exiting tears the reader down while its thread may still be in recvmsg(): that race
    // once aborted the process (use after free), so run it often enough to meet it.
    for (let i = 0; i < 12; i++) {
      const r = spawnSync(process.execPath, ['-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 10_000 })
      expect(r.error).toBeUndefined()
      expect({ run: i, stdout: r.stdout.trim(), status: r.status, signal: r.signal, stderr: r.stderr.slice(0, 400) }).toEqual({
        run: i,
        stdout: 'idle',
        status: 0,
        signal: null,
        stderr: ''
      })
    }
  })

  it.skipIf(!python)(
    `passes descriptors both ways and streams 4 MiB intact${python ? '' : ' — skipped: python3 with socket.send_fds (3.9+) is not installed'}`,
    async () => {
      const dir = tmpDir('hsc-usocket-')
      dirs.push(dir)
      const sock = path.join(dir, 's')
      await startServer(sock)
      const s = new USocket({ path: sock })
      await new Promise((resolve) => s.once('connected', resolve))

      // Received: 5 bytes with one descriptor attached, which reads what Python wrote into the pipe.
      const first = await readExactly(s, 5, true)
      expect(first.data.toString()).toBe('hello')
      expect(first.fds).toHaveLength(1)
      const buf = Buffer.alloc(64)
      const n = readSync(first.fds[0], buf, 0, 64, null)
      expect(buf.subarray(0, n).toString()).toBe('from-python')
      closeSync(first.fds[0])

      // Sent: a descriptor of our own file, then 4 MiB (more than the socket buffer holds).
      const file = path.join(dir, 'mine')
      writeFileSync(file, 'from-node')
      const fd = openSync(file, 'r')
      s.write({ data: Buffer.from('ping'), fds: [fd] })
      const big = randomBytes(4 * 1024 * 1024)
      const len = Buffer.alloc(8)
      len.writeBigUInt64BE(BigInt(big.length))
      s.write(len)
      s.write(big)
      const line = await new Promise<string>((resolve) => {
        let acc = ''
        s.on('data', (d: Buffer) => {
          acc += d.toString()
          if (acc.endsWith('\n')) resolve(acc.trim())
        })
      })
      closeSync(fd)
      expect(line).toBe(`got:ping:from-node:${createHash('sha256').update(big).digest('hex')}`)
      s.end()
    }
  )
})
