import { app } from 'electron'
import { APP_URL } from './app-protocol'

/**
 * The URL the window loads. ELECTRON_RENDERER_URL is electron-vite's dev server; an installed
 * app ignores it, because anyone who can set the environment of a packaged launch could
 * otherwise point the window (and its preload bridge to root-capable services) at their page.
 * Even in development only a loopback http URL is accepted.
 */
export function rendererUrl(env: Readonly<Record<string, string | undefined>> = process.env): { url: string; dev: boolean } {
  const dev = env.ELECTRON_RENDERER_URL
  if (app.isPackaged || !dev) return { url: APP_URL, dev: false }
  let u: URL
  try {
    u = new URL(dev)
  } catch {
    return { url: APP_URL, dev: false }
  }
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]'
  if (u.protocol !== 'http:' || !loopback) return { url: APP_URL, dev: false }
  return { url: dev, dev: true }
}
