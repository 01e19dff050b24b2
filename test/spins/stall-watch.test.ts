import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { stallWatch, type StallWatch } from '../../src/main/services/spins/stall-watch'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Blocks the event loop, as a busy or CPU-starved process does. */
function block(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end);
}

/** A real loopback connection: `send` puts bytes in the kernel, `onData` sees them when Node reads them. */
async function loopback(onData: () => void): Promise<{ send: (n: number) => void; close: () => Promise<void> }> {
  const server = net.createServer()
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  const client = net.connect(port, '127.0.0.1')
  client.on('data', onData)
  await new Promise<void>((r) => client.once('connect', r))
  const peer = await accepted
  return {
    send: (n) => void peer.write(Buffer.alloc(n, 1)),
    close: async () => {
      client.destroy()
      peer.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

describe('stall watch: only a mirror that really sent nothing is called stalled', () => {
  const open: StallWatch[] = []
  afterEach(() => open.splice(0).forEach((w) => w.stop()))

  it('bytes waiting in the kernel while the event loop was blocked are not a stall; real silence afterwards is', async () => {
    const stalls: number[] = []
    const plainTimerFired: number[] = []
    const watch = stallWatch(100, () => stalls.push(Date.now()))
    open.push(watch)
    const link = await loopback(() => watch.waiting())
    try {
      // The control: what a plain timer makes of the same moment.
      const plain = setTimeout(() => plainTimerFired.push(Date.now()), 100)
      link.send(64 * 1024)
      block(250)
      await sleep(20)
      clearTimeout(plain)
      expect(plainTimerFired).toHaveLength(1)
      expect(stalls).toEqual([])

      // Nothing more comes: that is a stall.
      await sleep(300)
      expect(stalls).toHaveLength(1)
    } finally {
      await link.close()
    }
  })

  it('time spent on our own work does not count; the quiet time starts when it is done', async () => {
    const stalls: number[] = []
    const watch = stallWatch(100, () => stalls.push(Date.now()))
    open.push(watch)
    watch.busy()
    await sleep(250)
    block(150)
    await sleep(20)
    expect(stalls).toEqual([])
    watch.waiting()
    await sleep(400)
    expect(stalls).toHaveLength(1)
  })

  it('stop ends it: no stall after the transfer is over', async () => {
    const stalls: number[] = []
    const watch = stallWatch(50, () => stalls.push(Date.now()))
    watch.stop()
    await sleep(150)
    expect(stalls).toEqual([])
  })
})
