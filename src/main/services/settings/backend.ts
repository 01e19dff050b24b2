import { promises as fsp } from 'node:fs'
import path from 'node:path'

/** Where settings are persisted: a JSON file for CLI/browser/tests, electron-store in Electron. */
export interface SettingsBackend {
  /** The raw stored object; throws when the stored data cannot be parsed. Undefined when none. */
  load(): Promise<unknown>
  save(data: unknown): Promise<void>
  /** Moves the unreadable stored data aside; returns where it went. */
  backupCorrupt(): Promise<string>
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
      // Write-then-rename so a crash mid-write never leaves a half file behind.
      const tmp = `${file}.${process.pid}.tmp`
      await fsp.writeFile(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 })
      await fsp.rename(tmp, file)
    },
    async backupCorrupt() {
      const backup = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
      await fsp.rename(file, backup)
      return backup
    }
  }
}

export function memoryBackend(initial?: unknown): SettingsBackend {
  let data = initial
  return {
    location: 'memory',
    load: async () => data,
    save: async (d) => {
      data = structuredClone(d)
    },
    backupCorrupt: async () => 'memory'
  }
}

export function defaultSettingsFile(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || '/tmp', '.config')
  return path.join(base, 'hyperscale-companion', 'settings.json')
}
