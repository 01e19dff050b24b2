// Electron main-process tests. The Electron binary cannot run here, so `electron` is a
// stand-in (vi.mock) that records what the main process configures; the code under test is
// the real window/IPC/security modules.
import { beforeEach, describe, expect, it, vi } from 'vitest'

type Listener = (...args: unknown[]) => void

const state = vi.hoisted(() => ({
  windows: [] as Array<Record<string, unknown>>,
  handlers: new Map<string, (...a: unknown[]) => unknown>(),
  listeners: new Map<string, (...a: unknown[]) => unknown>(),
  openExternal: [] as string[],
  headerHook: undefined as undefined | ((d: unknown, cb: (r: unknown) => void) => void),
  permissionHandler: undefined as undefined | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void)
}))

vi.mock('electron', () => {
  class FakeWebContents {
    events = new Map<string, Listener>()
    openHandler?: (d: { url: string }) => { action: string }
    sent: unknown[][] = []
    on(name: string, l: Listener) {
      this.events.set(name, l)
      return this
    }
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      this.openHandler = h
    }
    send(...args: unknown[]) {
      this.sent.push(args)
    }
  }
  class BrowserWindow {
    options: Record<string, unknown>
    webContents = new FakeWebContents()
    loaded?: string
    destroyed = false
    constructor(options: Record<string, unknown>) {
      this.options = options
      state.windows.push(this as unknown as Record<string, unknown>)
    }
    once() {}
    on() {}
    show() {}
    isDestroyed() {
      return this.destroyed
    }
    loadURL(url: string) {
      this.loaded = url
      return Promise.resolve()
    }
  }
  return {
    BrowserWindow,
    shell: { openExternal: (u: string) => state.openExternal.push(u) },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (h: typeof state.headerHook) => (state.headerHook = h) },
        setPermissionRequestHandler: (h: typeof state.permissionHandler) => (state.permissionHandler = h),
        setPermissionCheckHandler: () => undefined
      }
    },
    ipcMain: {
      handle: (ch: string, h: (...a: unknown[]) => unknown) => state.handlers.set(ch, h),
      on: (ch: string, h: (...a: unknown[]) => unknown) => state.listeners.set(ch, h),
      removeHandler: (ch: string) => state.handlers.delete(ch),
      removeListener: (ch: string) => state.listeners.delete(ch)
    }
  }
})

const { createMainWindow, hardenSession } = await import('../../src/main/window')
const { registerIpc } = await import('../../src/main/ipc')
const { CSP } = await import('../../src/main/security')
const { EventHub } = await import('../../src/main/services/system/events')
const { IPC } = await import('../../src/shared/ipc-channels')

const APP_URL = 'app://hsc/index.html'

describe('Electron main window (stand-in electron module)', () => {
  beforeEach(() => {
    state.windows.length = 0
    state.handlers.clear()
    state.openExternal.length = 0
  })

  it('uses isolated, sandboxed webPreferences with no Node integration', () => {
    const win = createMainWindow({ preload: '/x/preload.cjs', appUrl: APP_URL }) as unknown as {
      options: { webPreferences: Record<string, unknown> }
      loaded: string
    }
    const wp = win.options.webPreferences
    expect(wp).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false
    })
    expect(wp.preload).toBe('/x/preload.cjs')
    expect(win.loaded).toBe(APP_URL)
  })

  it('denies window.open, opening only allowlisted https links externally', () => {
    const win = createMainWindow({ preload: '/p', appUrl: APP_URL }) as unknown as { webContents: { openHandler: (d: { url: string }) => { action: string } } }
    const open = win.webContents.openHandler
    expect(open({ url: 'https://evil.example/' }).action).toBe('deny')
    expect(open({ url: 'http://github.com/x' }).action).toBe('deny')
    expect(open({ url: 'https://github.com/CentOS' }).action).toBe('deny')
    expect(state.openExternal).toEqual(['https://github.com/CentOS'])
  })

  it('blocks navigation away from the app but allows the app page itself', () => {
    const win = createMainWindow({ preload: '/p', appUrl: APP_URL }) as unknown as { webContents: { events: Map<string, Listener> } }
    const nav = win.webContents.events.get('will-navigate')!
    const attempt = (url: string) => {
      let prevented = false
      nav({ preventDefault: () => (prevented = true) }, url)
      return prevented
    }
    expect(attempt('https://evil.example/')).toBe(true)
    expect(attempt('file:///etc/passwd')).toBe(true)
    expect(attempt('app://other/index.html')).toBe(true)
    expect(attempt(APP_URL + '#/settings')).toBe(false)
    expect(win.webContents.events.has('will-attach-webview')).toBe(true)
  })

  it('sets the CSP header on every response and denies all permission requests', () => {
    hardenSession()
    let headers: Record<string, string[]> = {}
    state.headerHook!({ responseHeaders: { 'X-Test': ['1'] } }, (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders))
    expect(headers['Content-Security-Policy']).toEqual([CSP])
    expect(headers['X-Test']).toEqual(['1'])
    expect(CSP).toContain("default-src 'none'")
    expect(CSP).toContain("script-src 'self'")
    expect(CSP).not.toContain('unsafe-eval')
    let granted: boolean | undefined
    state.permissionHandler!({}, 'media', (ok) => (granted = ok))
    expect(granted).toBe(false)
  })
})

describe('IPC sender validation', () => {
  it('answers the app window and ignores any other sender or frame', async () => {
    const win = createMainWindow({ preload: '/p', appUrl: APP_URL }) as unknown as { webContents: object; isDestroyed(): boolean }
    const calls: unknown[] = []
    const router = { call: async (m: unknown, i: unknown) => (calls.push([m, i]), { ok: true as const, value: 'pong' }) }
    registerIpc(router, new EventHub(), () => win as never, APP_URL)
    const handle = state.handlers.get(IPC.call)!
    const event = (sender: object, url: string, parent: object | null = null) => ({ sender, senderFrame: { url, parent } })

    expect(await handle(event(win.webContents, APP_URL), 'app.info', {})).toEqual({ ok: true, value: 'pong' })
    const foreign = await handle(event({}, APP_URL), 'app.info', {})
    const iframe = await handle(event(win.webContents, APP_URL, {}), 'app.info', {})
    const navigated = await handle(event(win.webContents, 'https://evil.example/'), 'app.info', {})
    for (const r of [foreign, iframe, navigated]) expect(r).toMatchObject({ ok: false, error: { name: 'ForbiddenSender' } })
    expect(calls).toHaveLength(1)
  })
})

describe('isAppUrl', async () => {
  const { isAppUrl } = await import('../../src/main/security')
  it('matches the app origin only', () => {
    expect(isAppUrl('app://hsc/index.html#/repos', 'app://hsc/index.html')).toBe(true)
    expect(isAppUrl('app://evil/index.html', 'app://hsc/index.html')).toBe(false)
    expect(isAppUrl('evil://hsc/index.html', 'app://hsc/index.html')).toBe(false)
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173/')).toBe(true)
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false)
    expect(isAppUrl('not a url', 'app://hsc/index.html')).toBe(false)
  })
})

describe('app:// scheme', async () => {
  const { resolveAppRequest } = await import('../../src/main/app-protocol')
  it('serves only files inside the renderer directory', () => {
    expect(resolveAppRequest('app://hsc/index.html', '/opt/r')).toBe('/opt/r/index.html')
    expect(resolveAppRequest('app://hsc/', '/opt/r')).toBe('/opt/r/index.html')
    expect(resolveAppRequest('app://hsc/assets/a.js', '/opt/r')).toBe('/opt/r/assets/a.js')
    expect(resolveAppRequest('app://hsc/../../etc/passwd', '/opt/r')).toBe('/opt/r/etc/passwd')
    for (const sneaky of ['app://hsc/%2e%2e/%2e%2e/etc/passwd', 'app://hsc/..%2f..%2fetc/passwd', 'app://hsc/a/..%5c..%5cx']) {
      const file = resolveAppRequest(sneaky, '/opt/r')
      expect(file === undefined || file.startsWith('/opt/r/'), sneaky).toBe(true)
    }
    expect(resolveAppRequest('app://other/index.html', '/opt/r')).toBeUndefined()
    expect(resolveAppRequest('file:///etc/passwd', '/opt/r')).toBeUndefined()
  })
})
