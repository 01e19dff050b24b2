import { Notification, type BrowserWindow } from 'electron'
import type { WriteJob } from '../shared/contract'
import { jobFraction, jobOutcome } from './services/drives/progress'
import type { EventHub } from './services/system/events'

/** Write progress in the taskbar/dock and a desktop notification when a write ends (Electron only). */
export function attachDriveProgress(hub: EventHub, getWindow: () => BrowserWindow | null): void {
  const finished = new Set<string>()
  const client = hub.addClient((event, payload) => {
    if (event !== 'drives.progress') return
    const job = payload as WriteJob
    const win = getWindow()
    const fraction = jobFraction(job)
    if (win && !win.isDestroyed()) win.setProgressBar(fraction ?? -1)
    if (fraction === undefined && !finished.has(job.jobId)) {
      finished.add(job.jobId)
      const { title, body } = jobOutcome(job)
      if (Notification.isSupported()) new Notification({ title, body }).show()
    }
  })
  hub.subscribe(client, 'drives.progress')
}
