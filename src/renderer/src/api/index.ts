import type { Api } from '../../../shared/contract'
import { AppError } from '../../../shared/contract/errors'
import { electronApi } from './electron'
import { websocketApi } from './websocket'

/**
 * Browser mode's link is http://127.0.0.1:PORT/#token=T (tests may append #/route). The
 * token lives only in the fragment: it is taken out of the address bar (and history) at
 * once and exchanged once for an HttpOnly session cookie; a reload uses the cookie.
 */
function takeToken(): string | undefined {
  const m = /^#token=([A-Za-z0-9_-]+)(#.*)?$/.exec(location.hash)
  if (!m) return undefined
  history.replaceState(null, '', location.pathname + location.search + (m[2] ?? '#/'))
  return m[1]
}

async function openSession(token: string): Promise<void> {
  const res = await fetch('/session', { method: 'POST', headers: { Authorization: `Bearer ${token}` }, credentials: 'same-origin', cache: 'no-store' })
  if (!res.ok) {
    throw new AppError('ConnectionRefused', `the browser-mode link was not accepted (${res.status})`, {
      hint: 'Open the exact URL that `hsc gui --browser` printed.'
    })
  }
}

function pickApi(): Api {
  if (window.hsc) return electronApi(window.hsc)
  sessionStorage.removeItem('hsc-token') // earlier versions kept the token here
  const token = takeToken()
  return websocketApi(token ? openSession(token) : Promise.resolve())
}

/** The only way the renderer reaches the services, in Electron and in browser mode alike. */
export const api: Api = pickApi()
export const transport: 'electron' | 'browser' = window.hsc ? 'electron' : 'browser'
