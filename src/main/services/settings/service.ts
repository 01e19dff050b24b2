import { settingsSchema, type Settings, type SettingsState } from '../../../shared/contract'
import type { SettingsBackend } from './backend'

export interface SettingsService {
  get(): Promise<SettingsState>
  update(patch: Partial<Settings>): Promise<SettingsState>
}

/**
 * Settings over any backend with one schema. Unreadable or invalid stored data is backed up
 * and replaced by defaults, and the user is told once; it never crashes the app.
 */
export function createSettingsService(backend: SettingsBackend): SettingsService {
  let cached: Settings | undefined
  let notice: string | undefined

  async function load(): Promise<Settings> {
    if (cached) return cached
    let raw: unknown
    try {
      raw = await backend.load()
    } catch (err) {
      return recover(`could not be read (${(err as Error).message})`)
    }
    const parsed = settingsSchema.safeParse(raw ?? {})
    if (!parsed.success) {
      const first = parsed.error.issues[0]
      return recover(`did not match the schema (${first?.path.join('.') || 'root'}: ${first?.message})`)
    }
    cached = parsed.data
    return cached
  }

  async function recover(why: string): Promise<Settings> {
    let where = ''
    try {
      where = await backend.backupCorrupt()
    } catch {
      where = '(backup failed)'
    }
    cached = settingsSchema.parse({})
    notice = `Settings at ${backend.location} ${why}; they were saved to ${where} and replaced by defaults.`
    await backend.save(cached)
    return cached
  }

  const state = (settings: Settings): SettingsState => (notice ? { settings, notice } : { settings })

  return {
    async get() {
      return state(await load())
    },
    async update(patch) {
      const next = settingsSchema.parse({ ...(await load()), ...patch })
      await backend.save(next)
      cached = next
      notice = undefined
      return state(next)
    }
  }
}
