import { z } from 'zod'
import { method } from './define'

/** The persisted settings; the schema is the single source of defaults and validation. */
export const settingsSchema = z
  .object({
    theme: z.enum(['system', 'light', 'dark']).default('system'),
    downloadDir: z.string().max(4096).default(''),
    verifyAfterWrite: z.boolean().default(true),
    keepDownloadsAfterWrite: z.boolean().default(true),
    catalogueSources: z.array(z.string().url().max(2048)).max(64).default([]),
    importedKeys: z.array(z.string().max(65536)).max(32).default([])
  })
  .strict()

export type Settings = z.infer<typeof settingsSchema>

export interface SettingsState {
  settings: Settings
  /** Set when the stored file was unreadable and was replaced by defaults. */
  notice?: string
}

export const settingsMethods = {
  'settings.get': method<SettingsState>()(z.object({}).strict()),
  'settings.update': method<SettingsState>()(settingsSchema.partial().strict())
}
