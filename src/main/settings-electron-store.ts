import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { SettingsBackend } from './services/settings/backend'
import { withFileLock } from './services/settings/file-lock'

/**
 * electron-store behind the SettingsBackend interface. electron-store 12 needs Node 22, so
 * only the Electron main process loads it; CLI, browser mode and tests use fileBackend with
 * the same schema (the service validates, this only persists).
 */
export function electronStoreBackend(userDataDir: string): SettingsBackend {
  const file = path.join(userDataDir, 'settings.json')
  type StoreLike = { store: Record<string, unknown>; set(obj: Record<string, unknown>): void; clear(): void }
  let store: StoreLike | undefined
  const open = async (): Promise<StoreLike> => {
    if (!store) {
      const { default: Store } = await import('electron-store')
      store = new Store({ name: 'settings', cwd: userDataDir, clearInvalidConfig: false }) as unknown as StoreLike
    }
    return store
  }
  return {
    location: file,
    async load() {
      try {
        await fsp.access(file)
      } catch {
        return undefined
      }
      return { ...(await open()).store }
    },
    async save(data) {
      const s = await open()
      s.clear()
      s.set(data as Record<string, unknown>)
    },
    async backupCorrupt() {
      const backup = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
      await fsp.rename(file, backup)
      store = undefined
      return backup
    },
    async exclusive(fn) {
      await fsp.mkdir(userDataDir, { recursive: true })
      return withFileLock(`${file}.lock`, fn)
    }
  }
}
