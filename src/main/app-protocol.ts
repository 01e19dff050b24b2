import { net, protocol } from 'electron'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/** The renderer is served from app://hsc/ instead of file:// (Electron security checklist #18). */
export const APP_ORIGIN = 'app://hsc'
export const APP_URL = `${APP_ORIGIN}/index.html`

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }])
}

/** Maps app://hsc/<path> to a file inside `rendererDir`; anything else is a 404. */
export function resolveAppRequest(url: string, rendererDir: string): string | undefined {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return undefined
  }
  if (u.protocol !== 'app:' || u.host !== 'hsc') return undefined
  const rel = decodeURIComponent(u.pathname === '/' ? '/index.html' : u.pathname)
  const base = path.resolve(rendererDir)
  const file = path.join(base, path.normalize(rel))
  return file.startsWith(base + path.sep) ? file : undefined
}

export function serveAppScheme(rendererDir: string): void {
  protocol.handle('app', (req) => {
    const file = resolveAppRequest(req.url, rendererDir)
    if (!file) return new Response('not found', { status: 404 })
    return net.fetch(pathToFileURL(file).href)
  })
}
