import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { createMutex, withFileLock } from './file-lock'
import { tempSibling } from '../system/temp-name'

/** Where settings are persisted: a JSON file for CLI/browser/tests, electron-store in Electron. */
export interface SettingsBackend {
  /** The raw stored object; throws when the stored data cannot be parsed. Undefined when none. */
  load(): Promise<unknown>
  save(data: unknown): Promise<void>
  /** Moves the unreadable stored data aside; returns where it went. */
  backupCorrupt(): Promise<string>
  /** Runs a read-modify-write exclusively, across processes where the backend is a file. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  readonly location: string
}

export function fileBackend(file: string): SettingsBackend {
  return {
    location: file,
    async load() {
      let text: string
      try {
        text = await fsp.readFile(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
      return JSON.parse(text) as unknown
    },
    async save(data) {
      await fsp.mkdir(path.dirname(file), { recursive: true })
      // A fresh temp name per write, flushed, then renamed: readers see the old or the new file, never half of one.
      const tmp = tempSibling(file)
      const fh = await fsp.open(tmp, 'wx', 0o600)
      try {
        await fh.writeFile(JSON.stringify(data, null, 2) + '\n')
        await fh.sync()
      } finally {
        await fh.close()
      }
      try {
        await fsp.rename(tmp, file)
      } catch (err) {
        await fsp.rm(tmp, { force: true })
        throw err
      }
    },
    async backupCorrupt() {
      const backup = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
      await fsp.rename(file, backup)
      return backup
    },
    async exclusive(fn) {
      await fsp.mkdir(path.dirname(file), { recursive: true })
      return withFileLock(`${file}.lock`, fn)
    }
  }
}

export function memoryBackend(initial?: unknown): SettingsBackend {
  let data = initial
  const mutex = createMutex()
  return {
    location: 'memory',
    load: async () => data,
    save: async (d) => {
      data = structuredClone(d)
    },
    backupCorrupt: async () => 'memory',
    exclusive: mutex
  }
}

export function defaultSettingsFile(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || '/tmp', '.config')
  return path.join(base, 'hyperscale-companion', 'settings.json')
}
