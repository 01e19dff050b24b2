import net from 'node:net'

/** Blocks the event loop, as a busy or CPU-starved process does. */
export function blockEventLoop(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end);
}

/** A real loopback connection: `send` puts bytes in the kernel, `onData` sees them when Node reads them. */
export async function loopbackLink(onData: () => void): Promise<{ send: (n: number) => void; close: () => Promise<void> }> {
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
