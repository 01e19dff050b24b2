import { app, BrowserWindow, dialog } from 'electron'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { connectBackend } from './backend/client'
import { forkUtilityBackend } from './backend/utility-process'
import { createMainWindow, hardenSession } from './window'
import { registerIpc } from './ipc'
import { registerAppScheme, serveAppScheme } from './app-protocol'
import { rendererUrl } from './renderer-url'
import { applyTheme, attachDesktopIntegration } from './desktop/integration'
import { nativeChooser } from './desktop/file-dialog'
import { createRouter, type Router } from './router'
import type { Handlers } from './services/handlers'

const here = path.dirname(fileURLToPath(import.meta.url))
const renderer = rendererUrl()
const appUrl = renderer.url

registerAppScheme()

// One instance: a second launch focuses the first window instead of racing it for drives.
if (!app.requestSingleInstanceLock()) app.quit()

let mainWindow: BrowserWindow | null = null

app.whenReady().then(() => {
  hardenSession()
  if (!renderer.dev) serveAppScheme(path.join(here, '../renderer'))
  // Every service runs in its own process (USB writes, D-Bus, ptys, openpgp): this process
  // only owns the window, the protocol and desktop integration. It restarts a crashed backend.
  const backendEnv = { ...process.env, HSC_SETTINGS_FILE: path.join(app.getPath('userData'), 'settings.json') }
  const backend = connectBackend(() => forkUtilityBackend(path.join(here, '../cli/backend.mjs'), backendEnv))
  // The one handler that needs Electron, the native open dialog parented to the window, runs
  // here (validated by the same contract); everything else goes to the service process.
  const local = createRouter({ 'files.choose': nativeChooser(() => mainWindow) } as unknown as Handlers)
  const router = {
    call: (method: unknown, input: unknown) => (method === 'files.choose' ? local.call(method, input) : backend.router.call(method, input))
  } as Router
  registerIpc(router, backend.hub, () => mainWindow, appUrl)
  attachDesktopIntegration(backend.hub, () => mainWindow)
  void applyTheme(async () => {
    const r = await router.call('settings.get', {})
    return r.ok ? r.value.settings.theme : 'system'
  })

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
    const jobs = await router.call('drives.jobs', {})
    const running = jobs.ok ? jobs.value.filter((j) => !['done', 'failed', 'cancelled'].includes(j.stage)).length : 0
    if (running === 0) return true
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
      await backend.close()
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
