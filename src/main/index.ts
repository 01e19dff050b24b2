import { app, BrowserWindow } from 'electron'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRouter } from './router'
import { createHandlers } from './services'
import { createServiceContext } from './services/create-context'
import { createSettingsService } from './services/settings/service'
import { electronStoreBackend } from './settings-electron-store'
import { createMainWindow, hardenSession } from './window'
import { registerIpc } from './ipc'
import { terminalFor } from './services/terminal'
import { APP_URL, registerAppScheme, serveAppScheme } from './app-protocol'
import { attachDriveProgress } from './drives-taskbar'

const here = path.dirname(fileURLToPath(import.meta.url))
const devServer = process.env.ELECTRON_RENDERER_URL
const appUrl = devServer ?? APP_URL

registerAppScheme()

// One instance: a second launch focuses the first window instead of racing it for drives.
if (!app.requestSingleInstanceLock()) app.quit()

let mainWindow: BrowserWindow | null = null

app.whenReady().then(() => {
  hardenSession()
  if (!devServer) serveAppScheme(path.join(here, '../renderer'))
  const settings = createSettingsService(electronStoreBackend(app.getPath('userData')))
  const ctx = createServiceContext({ transport: 'electron', settings })
  const router = createRouter(createHandlers(ctx))
  registerIpc(router, ctx.events, () => mainWindow, appUrl)
  attachDriveProgress(ctx.events, () => mainWindow)

  const open = (): void => {
    mainWindow = createMainWindow({ preload: path.join(here, '../preload/index.cjs'), appUrl })
    mainWindow.on('closed', () => (mainWindow = null))
  }
  open()
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore()
      mainWindow.focus()
    }
  })
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open()
  })
  app.on('before-quit', () => {
    // A privileged dnf run must not outlive the window that shows its prompts.
    void terminalFor(ctx).close()
    ctx.events.close()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// Any navigation or new window in any webContents (incl. ones we did not create) is denied.
app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
})
