import { app, BrowserWindow, dialog } from 'electron'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRouter } from './router'
import { createHandlers } from './services'
import { createServiceContext } from './services/create-context'
import { createSettingsService } from './services/settings/service'
import { electronStoreBackend } from './settings-electron-store'
import { createMainWindow, hardenSession } from './window'
import { registerIpc } from './ipc'
import { runningWrites, shutdownServices } from './services/shutdown'
import { APP_URL, registerAppScheme, serveAppScheme } from './app-protocol'
import { applyTheme, attachDesktopIntegration } from './desktop/integration'
import { nativeChooser } from './desktop/file-dialog'

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
  // The one handler that needs Electron: the native open dialog, parented to the window.
  const router = createRouter({ ...createHandlers(ctx), 'files.choose': nativeChooser(() => mainWindow) })
  registerIpc(router, ctx.events, () => mainWindow, appUrl)
  attachDesktopIntegration(ctx.events, () => mainWindow)
  void applyTheme(async () => (await settings.get()).settings.theme)

  const open = (): void => {
    const win = createMainWindow({ preload: path.join(here, '../preload/index.cjs'), appUrl })
    let confirmed = false
    win.on('close', (event) => {
      if (confirmed || quitting) return
      event.preventDefault()
      void mayStop().then((ok) => {
        confirmed = ok
        if (ok) win.close()
      })
    })
    win.on('closed', () => (mainWindow = null))
    mainWindow = win
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
  // Closing the window or quitting while a drive is written asks first: it would not boot.
  const mayStop = async (): Promise<boolean> => {
    if ((await runningWrites(ctx)) === 0) return true
    const opts = {
      type: 'warning' as const,
      buttons: ['Keep writing', 'Quit anyway'],
      defaultId: 0,
      cancelId: 0,
      message: 'A USB drive is still being written.',
      detail: 'If you quit now the drive will not boot; you can write it again later.'
    }
    const { response } = mainWindow ? await dialog.showMessageBox(mainWindow, opts) : await dialog.showMessageBox(opts)
    return response === 1
  }
  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting) return
    event.preventDefault()
    void (async () => {
      if (!(await mayStop())) return
      quitting = true
      await shutdownServices(ctx)
      app.quit()
    })()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// Any navigation or new window in any webContents (incl. ones we did not create) is denied.
app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
})
