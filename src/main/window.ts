import { BrowserWindow, session, shell } from 'electron'
import { CSP, isAllowedExternalUrl, isAppUrl, secureWebPreferences } from './security'

export interface WindowOptions {
  preload: string
  /** The dev server URL or file:// URL of the built renderer. */
  appUrl: string
  icon?: string
}

/** Installs the session-wide policy: CSP header on every response, all permissions denied. */
export function hardenSession(): void {
  const ses = session.defaultSession
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
  })
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
}

export function createMainWindow(opts: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 860,
    minHeight: 560,
    show: false,
    title: 'Hyperscale Companion',
    icon: opts.icon,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(opts.preload)
  })
  const wc = win.webContents
  wc.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  wc.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, opts.appUrl)) event.preventDefault()
  })
  wc.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, opts.appUrl)) event.preventDefault()
  })
  wc.on('will-attach-webview', (event) => event.preventDefault())
  win.once('ready-to-show', () => win.show())
  void win.loadURL(opts.appUrl)
  return win
}
