import type { Api } from '../../../shared/contract'
import { electronApi } from './electron'
import { websocketApi } from './websocket'

function pickApi(): Api {
  if (window.hsc) return electronApi(window.hsc)
  const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('hsc-token') ?? ''
  // Keep the token for reloads, but drop it from the address bar (screenshots, history).
  if (token) {
    sessionStorage.setItem('hsc-token', token)
    history.replaceState(null, '', location.pathname + location.hash)
  }
  return websocketApi(token)
}

/** The only way the renderer reaches the services, in Electron and in browser mode alike. */
export const api: Api = pickApi()
export const transport: 'electron' | 'browser' = window.hsc ? 'electron' : 'browser'
