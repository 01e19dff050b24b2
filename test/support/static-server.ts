import { createReadStream, promises as fsp } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

export interface StaticServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string
  /** Paths requested so far, for asserting that a client really fetched something. */
  requests: string[]
  close(): Promise<void>
}

/** A minimal static file server on loopback (GET/HEAD, no directory listing), for dnf repos in tests. */
export async function startStaticServer(dir: string): Promise<StaticServer> {
  const root = path.resolve(dir)
  const requests: string[] = []
  const server = http.createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    requests.push(pathname)
    const file = path.join(root, path.normalize(pathname))
    if (!file.startsWith(root + path.sep) && file !== root) {
      res.writeHead(403).end()
      return
    }
    try {
      const st = await fsp.stat(file)
      if (!st.isFile()) throw new Error('not a file')
      res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' })
      if (req.method === 'HEAD') return res.end()
      createReadStream(file).pipe(res)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
