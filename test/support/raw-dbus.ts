// One method call over a plain socket to a D-Bus daemon, answering the reply's bytes as they
// came: decoders' tests read a real peer's marshalling, not one dbus-next made.
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { PROJECT_ROOT } from './paths'

const require = createRequire(path.join(PROJECT_ROOT, 'package.json'))
interface WireMessage {
  type?: number
  serial: number
  replySerial?: number
  signature?: string
  destination?: string
  path?: string
  interface?: string
  member?: string
  errorName?: string
  body?: unknown[]
}
const wire = require('dbus-next/lib/message') as {
  marshall(m: WireMessage): [Buffer, number[]]
  unmarshall(b: Buffer): WireMessage
}

export interface RawReply {
  /** The whole reply message, header first: its fields start 8-aligned, as they do on the wire. */
  message: Buffer
  /** Where the body starts in message. */
  bodyStart: number
  signature: string
}

/** The length of the first whole message in b, or 0 when b does not hold one yet. */
function messageLength(b: Buffer): number {
  if (b.length < 16) return 0
  const le = b[0] === 0x6c
  const body = le ? b.readUInt32LE(4) : b.readUInt32BE(4)
  const fields = le ? b.readUInt32LE(12) : b.readUInt32BE(12)
  const total = 16 + Math.ceil(fields / 8) * 8 + body
  return b.length >= total ? total : 0
}

export function rawMethodReply(
  socketPath: string,
  call: { destination: string; path: string; interface: string; member: string },
  timeoutMs = 5000
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath)
    const timer = setTimeout(() => done(new Error(`no reply to ${call.member} within ${timeoutMs} ms`)), timeoutMs)
    const done = (err?: Error, reply?: RawReply): void => {
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(reply as RawReply)
    }
    let pending = Buffer.alloc(0)
    let authenticated = false
    socket.on('error', (err) => done(err))
    socket.on('connect', () => {
      const uid = Buffer.from(String(process.getuid?.() ?? 0)).toString('hex')
      socket.write(`\0AUTH EXTERNAL ${uid}\r\n`)
    })
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      if (!authenticated) {
        const eol = pending.indexOf('\r\n')
        if (eol < 0) return
        const line = pending.subarray(0, eol).toString()
        pending = pending.subarray(eol + 2)
        if (!line.startsWith('OK ')) return done(new Error(`the bus refused authentication: ${line}`))
        authenticated = true
        const hello = wire.marshall({
          type: 1,
          serial: 1,
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'Hello'
        })[0]
        socket.write(Buffer.concat([Buffer.from('BEGIN\r\n'), hello, wire.marshall({ type: 1, serial: 2, ...call })[0]]))
      }
      for (let n = messageLength(pending); n > 0; n = messageLength(pending)) {
        const message = Buffer.from(pending.subarray(0, n))
        pending = pending.subarray(n)
        const head = wire.unmarshall(message)
        if (head.replySerial !== 2) continue
        if (head.type === 3) return done(new Error(`${call.member} failed: ${head.errorName}`))
        const fields = message.readUInt32LE(12)
        return done(undefined, { message, bodyStart: 16 + Math.ceil(fields / 8) * 8, signature: head.signature ?? '' })
      }
    })
  })
}
