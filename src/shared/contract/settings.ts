import { z } from 'zod'
import { event, method } from './define'

/** The persisted settings; the schema is the single source of defaults and validation. */
export const settingsSchema = z
  .object({
    theme: z.enum(['system', 'light', 'dark']).default('system'),
    downloadDir: z
      .string()
      .max(4096)
      .refine((d) => d === '' || (d.startsWith('/') && !/[\n\r\0]/.test(d)), 'must be empty (default) or an absolute path')
      .default(''),
    verifyAfterWrite: z.boolean().default(true),
    keepDownloadsAfterWrite: z.boolean().default(true),
    catalogueSources: z
      .array(z.string().max(2048).url().refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'))
      .max(64)
      .default([]),
    importedKeys: z.array(z.string().max(65536)).max(32).default([]),
    /**
     * HTTP proxy for mirrors: '' = from https_proxy/http_proxy/no_proxy, 'direct' = none,
     * else an http://[user:password@]host:port URL (https goes through it with CONNECT).
     */
    proxy: z
      .string()
      .max(2048)
      .refine((p) => p === '' || p === 'direct' || /^http:\/\/[^\s/?#]+(:\d+)?\/?$/i.test(p), "must be empty (environment), 'direct', or http://host:port")
      .default('')
  })
  .strict()

export type Settings = z.infer<typeof settingsSchema>

export interface SettingsState {
  settings: Settings
  /** Set when the stored file was unreadable and was replaced by defaults. */
  notice?: string
}

/** A PGP public key trusted for clear-signed checksum files. */
export interface TrustedKey {
  fingerprint: string
  keyId: string
  userIds: string[]
  created: string
  algorithm: string
  /** Bundled in resources/keys, or imported by the user (removable). */
  source: 'bundled' | 'imported'
}

const fingerprint = z.string().regex(/^[0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{64}$/, 'a 40 or 64 hex digit fingerprint')

export const settingsMethods = {
  'settings.get': method<SettingsState>()(z.object({}).strict()),
  'settings.update': method<SettingsState>()(settingsSchema.partial().strict()),
  'settings.keys.list': method<TrustedKey[]>()(z.object({}).strict()),
  /** Checks the armored text is one PGP public key (not a private key) and trusts it. */
  'settings.keys.import': method<TrustedKey>()(z.object({ armored: z.string().min(1).max(65536) }).strict()),
  'settings.keys.remove': method<TrustedKey[]>()(z.object({ fingerprint }).strict())
}

export const settingsEvents = {
  /** After any change, so every window (and Electron's native theme) follows. */
  'settings.changed': event<SettingsState>()
}
