import { nativeTheme, Notification, type BrowserWindow } from 'electron'
import type { DownloadInfo, SettingsState, WriteJob } from '../../shared/contract'
import { jobFraction, jobOutcome } from '../services/drives/progress'
import type { EventHub } from '../services/system/events'
import { downloadFraction, downloadOutcome } from './download-progress'

/**
 * Long work shown outside the window (Electron only): one taskbar progress bar over all
 * running writes and downloads, a desktop notification when each ends, and the native
 * theme following the theme setting.
 */
export function attachDesktopIntegration(hub: EventHub, getWindow: () => BrowserWindow | null): void {
  const running = new Map<string, number>()
  const notified = new Set<string>()
  const notify = (key: string, n: { title: string; body: string } | undefined): void => {
    if (!n || notified.has(key)) return
    notified.add(key)
    if (Notification.isSupported()) new Notification({ title: n.title, body: n.body }).show()
  }
  const client = hub.addClient((event, payload) => {
    if (event === 'settings.changed') {
      nativeTheme.themeSource = (payload as SettingsState).settings.theme
      return
    }
    let key: string
    let fraction: number | undefined
    if (event === 'drives.progress') {
      const job = payload as WriteJob
      key = `write:${job.jobId}`
      fraction = jobFraction(job)
      if (fraction === undefined) notify(key, jobOutcome(job))
    } else if (event === 'spins.progress') {
      const d = payload as DownloadInfo
      key = `download:${d.id}`
      fraction = downloadFraction(d)
      if (fraction === undefined) notify(`${key}:${d.status}`, downloadOutcome(d))
    } else return
    if (fraction === undefined) running.delete(key)
    else running.set(key, fraction)
    const win = getWindow()
    if (!win || win.isDestroyed()) return
    const all = [...running.values()]
    win.setProgressBar(all.length ? all.reduce((a, b) => a + b, 0) / all.length : -1)
  })
  hub.subscribe(client, 'drives.progress')
  hub.subscribe(client, 'spins.progress')
  hub.subscribe(client, 'settings.changed')
}

/** Electron's own widgets (menus, dialogs, scrollbars) follow the theme setting too. */
export async function applyTheme(getTheme: () => Promise<'system' | 'light' | 'dark'>): Promise<void> {
  nativeTheme.themeSource = await getTheme()
}
