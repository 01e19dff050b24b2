/**
 * Electron security policy in one place, so the window code and its tests share it.
 * See Electron's security checklist: https://www.electronjs.org/docs/latest/tutorial/security
 */
import { createHash } from 'node:crypto'
import type { WebPreferences } from 'electron'
import { BOOT_SCRIPT } from '../shared/browser-boot'

/** The one inline script (browser mode's early token exchange) is allowed by its hash, never by 'unsafe-inline'. */
export const BOOT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(BOOT_SCRIPT).digest('base64')}'`

export const CSP = [
  "default-src 'none'",
  `script-src 'self' ${BOOT_SCRIPT_HASH}`,
  // Vue scoped styles are files, but xterm.js injects a <style> element for its theme.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'"
].join('; ')

/** The same policy for index.html's <meta> (which ignores frame-ancestors; the header carries it). */
export const META_CSP = CSP.split('; ')
  .filter((d) => !d.startsWith('frame-ancestors'))
  .join('; ')

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false
  }
}

/** https links the app may open in the user's browser; nothing else leaves the app. */
const EXTERNAL_HOSTS = new Set(['github.com', 'sigs.centos.org', 'wiki.centos.org', 'www.centos.org', 'docs.fedoraproject.org', 'udisks.freedesktop.org'])

export function isAllowedExternalUrl(raw: string): boolean {
  try {
    const u = new URL(raw)
    return u.protocol === 'https:' && EXTERNAL_HOSTS.has(u.hostname) && !u.username && !u.password
  } catch {
    return false
  }
}

/** True when `url` is the app's own page (the packaged file or the dev server). */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const a = new URL(url)
    const b = new URL(appUrl)
    if (a.protocol !== b.protocol) return false
    if (a.protocol === 'file:') return a.pathname === b.pathname
    // Not `origin`: Node's URL gives every non-special scheme (app:) the opaque origin "null".
    return a.host === b.host && a.username === '' && a.password === ''
  } catch {
    return false
  }
}
