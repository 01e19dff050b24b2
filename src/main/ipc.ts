import type { BrowserWindow, IpcMainEvent, IpcMainInvokeEvent } from 'electron'
import { ipcMain } from 'electron'
import { isEventName } from '../shared/contract'
import { IPC } from '../shared/ipc-channels'
import type { Router } from './router'
import type { EventHub, EventClient } from './services/system/events'
import { isAppUrl } from './security'

/** Only the app's own top-level window may talk to the services. */
export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, win: BrowserWindow | null, appUrl: string): boolean {
  if (!win || win.isDestroyed()) return false
  if (event.sender !== win.webContents) return false
  const frame = event.senderFrame
  if (!frame || frame.parent) return false
  return isAppUrl(frame.url, appUrl)
}

export function registerIpc(router: Router, hub: EventHub, getWindow: () => BrowserWindow | null, appUrl: string): () => void {
  let client: EventClient | undefined
  const clientFor = (win: BrowserWindow): EventClient => {
    if (!client) {
      client = hub.addClient((event, payload) => {
        if (!win.isDestroyed()) win.webContents.send(IPC.event, event, payload)
      })
      win.once('closed', () => {
        if (client) hub.removeClient(client)
        client = undefined
      })
    }
    return client
  }

  ipcMain.handle(IPC.call, async (event, method: unknown, input: unknown) => {
    if (!isTrustedSender(event, getWindow(), appUrl)) {
      return { ok: false, error: { name: 'ForbiddenSender', message: 'IPC from an untrusted frame was ignored' } }
    }
    return router.call(method, input)
  })
  const onSubscribe = (event: IpcMainEvent, name: unknown, on: unknown): void => {
    const win = getWindow()
    if (!win || !isTrustedSender(event, win, appUrl) || !isEventName(name) || typeof on !== 'boolean') return
    const c = clientFor(win)
    if (on) hub.subscribe(c, name)
    else hub.unsubscribe(c, name)
  }
  ipcMain.on(IPC.subscribe, onSubscribe)
  return () => {
    ipcMain.removeHandler(IPC.call)
    ipcMain.removeListener(IPC.subscribe, onSubscribe)
  }
}
