import { promises as fsp } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { CSP } from '../main/security'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
}

/** Serves the built renderer; only files inside `dir`, with the same CSP as Electron. */
export function staticHandler(dir: string) {
  const base = path.resolve(dir)
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = {
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store'
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end()
      return
    }
    let rel: string
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400, headers).end()
      return
    }
    if (rel.endsWith('/')) rel += 'index.html'
    const file = path.join(base, path.normalize(rel))
    if (!file.startsWith(base + path.sep)) {
      res.writeHead(403, headers).end()
      return
    }
    try {
      const body = await fsp.readFile(file)
      // Vite names every file under assets/ by its content hash: a new build is a new name, so
      // the browser may keep them; a reload then waits for no script. index.html stays no-store.
      const cache = rel.startsWith('/assets/') ? { 'Cache-Control': 'public, max-age=31536000, immutable' } : {}
      res.writeHead(200, { ...headers, ...cache, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch {
      res.writeHead(404, headers).end('not found')
    }
  }
}
