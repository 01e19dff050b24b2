import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { Settings, SettingsState } from '../../../shared/contract/settings'

type SettingsSchema = typeof import('../../../shared/contract/settings').settingsSchema

/** zod and the schema load with the first read: commands that never read settings skip both (#15). */
let schemaLoad: Promise<SettingsSchema> | undefined
const loadSchema = (): Promise<SettingsSchema> => (schemaLoad ??= import('../../../shared/contract/settings').then((m) => m.settingsSchema))
import type { SettingsBackend } from './backend'

export interface SettingsService {
  get(): Promise<SettingsState>
  update(patch: Partial<Settings>): Promise<SettingsState>
  /** Read-modify-write under the backend's lock: `fn` sees the settings as stored right now. */
  modify(fn: (current: Settings) => Partial<Settings> | Promise<Partial<Settings>>): Promise<SettingsState>
}

type Field = keyof Settings

interface Loaded {
  settings: Settings
  /** Why the stored data needs rewriting: the whole file was unusable, or single fields were dropped. */
  repair?: string
  /** The whole stored object was unusable (not only single fields). */
  whole?: boolean
}

/** Each stored field is checked on its own: one bad value costs that value, not the others. */
function sanitize(raw: unknown, settingsSchema: SettingsSchema): Loaded {
  if (raw === undefined) return { settings: settingsSchema.parse({}) }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { settings: settingsSchema.parse({}), repair: 'did not hold a JSON object', whole: true }
  const kept: Record<string, unknown> = {}
  const dropped: string[] = []
  const shape = settingsSchema.shape
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in shape)) {
      dropped.push(`unknown setting "${key.slice(0, 64)}"`)
      continue
    }
    const r = shape[key as Field].safeParse(value)
    if (r.success) kept[key] = r.data
    else dropped.push(`${key} (${r.error.issues[0]?.message ?? 'invalid'})`)
  }
  const settings = settingsSchema.parse(kept)
  return dropped.length
    ? {
        settings,
        repair: `did not match the schema (${dropped.join('; ')}): ${dropped.length === 1 ? 'that value was' : 'those values were'} reset to defaults, the other settings were kept`
      }
    : { settings }
}

const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT'])

/** A settings folder the user cannot write is a sentence, not an errno. */
function explain(err: unknown, location: string): unknown {
  const code = (err as NodeJS.ErrnoException).code
  if (!code || !READ_ONLY.has(code)) return err
  const dir = path.dirname(location)
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `${dir} has no space left`
      : code === 'EROFS'
        ? `${dir} is on a read-only file system`
        : `${dir} is not writable for this user`
  return new AppError('SettingsNotSaved', `Settings could not be saved: ${why}. Nothing was changed.`, {
    stage: 'save settings',
    hint: `Make ${dir} writable, or point HSC_SETTINGS_FILE at a file in a writable folder. (${code}: ${(err as Error).message})`,
    cause: err
  })
}

/**
 * Settings over any backend with one schema. Every change re-reads the stored data under the
 * backend's lock, so concurrent writers (two hsc commands, the CLI and the app) all keep
 * their changes. Unreadable data is backed up and replaced by defaults; a single invalid
 * field is dropped alone. The user is told either way; it never crashes the app.
 */
export function createSettingsService(backend: SettingsBackend): SettingsService {
  let notice: string | undefined

  async function read(): Promise<Loaded> {
    const settingsSchema = await loadSchema()
    try {
      return sanitize(await backend.load(), settingsSchema)
    } catch (err) {
      return { settings: settingsSchema.parse({}), repair: `could not be read (${(err as Error).message})`, whole: true }
    }
  }

  /** Under the lock: rewrites damaged data (after backing it up) so the notice is given once. */
  async function repaired(): Promise<Settings> {
    const loaded = await read()
    if (!loaded.repair) return loaded.settings
    let where: string
    try {
      where = await backend.backupCorrupt()
    } catch {
      where = '(backup failed)'
    }
    await backend.save(loaded.settings)
    notice = loaded.whole
      ? `Settings at ${backend.location} ${loaded.repair}; they were saved to ${where} and replaced by defaults.`
      : `Settings at ${backend.location} ${loaded.repair}; the original file was saved to ${where}.`
    return loaded.settings
  }

  const state = (settings: Settings): SettingsState => (notice ? { settings, notice } : { settings })

  async function modify(fn: (current: Settings) => Partial<Settings> | Promise<Partial<Settings>>): Promise<SettingsState> {
    try {
      return await backend.exclusive(async () => {
        const current = await repaired()
        const settingsSchema = await loadSchema()
        const next = settingsSchema.parse({ ...current, ...(await fn(current)) })
        await backend.save(next)
        notice = undefined
        return state(next)
      })
    } catch (err) {
      throw explain(err, backend.location)
    }
  }

  return {
    async get() {
      const loaded = await read()
      if (!loaded.repair) return state(loaded.settings)
      try {
        return state(await backend.exclusive(repaired))
      } catch {
        // Cannot rewrite (read-only folder): still start, with what could be read.
        notice = `Settings at ${backend.location} ${loaded.repair}; they could not be rewritten (the folder is not writable).`
        return state(loaded.settings)
      }
    },
    update: (patch) => modify(() => patch),
    modify
  }
}
