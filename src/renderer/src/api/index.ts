import type { Api } from '../../../shared/contract'
import { AppError } from '../../../shared/contract/errors'
import { electronApi } from './electron'
import { websocketApi } from './websocket'
import { BOOT_GLOBAL, TOKEN_FRAGMENT } from '../../../shared/browser-boot'

/**
 * Browser mode's link is http://127.0.0.1:PORT/#token=T (tests may append #/route). The
 * token lives only in the fragment: it is taken out of the address bar (and history) at
 * once and exchanged once for an HttpOnly session cookie; a reload uses the cookie.
 */
function takeToken(): string | undefined {
  const m = TOKEN_FRAGMENT.exec(location.hash)
  if (!m) return undefined
  history.replaceState(null, '', location.pathname + location.search + (m[2] ?? '#/'))
  return m[1]
}

function accepted(res: Response): Response {
  if (!res.ok) {
    throw new AppError('ConnectionRefused', `the browser-mode link was not accepted (${res.status})`, {
      hint: 'Open the exact URL that `hsc gui --browser` printed.'
    })
  }
  return res
}

/**
 * The exchange index.html's boot script started (src/shared/browser-boot.ts), if it ran: it
 * has already taken the token out of the address bar. Anything else there is ignored.
 */
function bootExchange(): Promise<Response> | undefined {
  const pending = (window as unknown as Record<string, unknown>)[BOOT_GLOBAL]
  delete (window as unknown as Record<string, unknown>)[BOOT_GLOBAL]
  return pending instanceof Promise ? (pending as Promise<unknown>).then((r) => accepted(r instanceof Response ? r : Response.error())) : undefined
}

function openSession(): Promise<Response | undefined> {
  const boot = bootExchange()
  if (boot) return boot
  const token = takeToken()
  if (!token) return Promise.resolve(undefined)
  return fetch('/session', { method: 'POST', headers: { Authorization: `Bearer ${token}` }, credentials: 'same-origin', cache: 'no-store' }).then(accepted)
}

if (!window.hsc) sessionStorage.removeItem('hsc-token') // earlier versions kept the token here

/** Browser mode: the session exchange's answer, if one was made (its body may carry the Overview's first report). */
export const sessionAnswer: Promise<Response | undefined> = window.hsc ? Promise.resolve(undefined) : openSession()

/** The only way the renderer reaches the services, in Electron and in browser mode alike. */
export const api: Api = window.hsc ? electronApi(window.hsc) : websocketApi(sessionAnswer.then(() => undefined))
export const transport: 'electron' | 'browser' = window.hsc ? 'electron' : 'browser'
