import { z } from 'zod'
import { event, method } from './define'

/**
 * Each setting's own rule, without defaults (a patch must not fill in what it does not name).
 * The Settings view checks its fields with these too (loaded on demand, so zod stays out of the
 * first paint).
 */
export const settingsFields = {
  theme: z.enum(['system', 'light', 'dark']),
  downloadDir: z
    .string()
    .max(4096)
    .refine((d) => d === '' || (d.startsWith('/') && !/[\n\r\0]/.test(d)), 'must be empty (default) or an absolute path'),
  verifyAfterWrite: z.boolean(),
  keepDownloadsAfterWrite: z.boolean(),
  catalogueSources: z
    .array(
      z
        .string()
        .max(2048)
        .url()
        .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    )
    .max(64),
  importedKeys: z.array(z.string().max(65536)).max(32),
  /**
   * HTTP proxy for mirrors: '' = from https_proxy/http_proxy/no_proxy, 'direct' = none,
   * else an http://[user:password@]host:port URL (https goes through it with CONNECT).
   */
  proxy: z
    .string()
    .max(2048)
    .refine((p) => p === '' || p === 'direct' || /^http:\/\/[^\s/?#]+(:\d+)?\/?$/i.test(p), "must be empty (environment), 'direct', or http://host:port")
}

/** The persisted settings; the schema is the single source of defaults and validation. */
export const settingsSchema = z
  .object({
    theme: settingsFields.theme.default('system'),
    downloadDir: settingsFields.downloadDir.default(''),
    verifyAfterWrite: settingsFields.verifyAfterWrite.default(true),
    keepDownloadsAfterWrite: settingsFields.keepDownloadsAfterWrite.default(true),
    catalogueSources: settingsFields.catalogueSources.default([]),
    importedKeys: settingsFields.importedKeys.default([]),
    proxy: settingsFields.proxy.default('')
  })
  .strict()

/**
 * What settings.update accepts: only the named fields (no defaults filled in, so a patch of
 * one field cannot reset the others), and never the trusted keys: those change only through
 * settings.keys.import/remove, which check each key.
 */
export const settingsPatchSchema = z
  .object({
    theme: settingsFields.theme,
    downloadDir: settingsFields.downloadDir,
    verifyAfterWrite: settingsFields.verifyAfterWrite,
    keepDownloadsAfterWrite: settingsFields.keepDownloadsAfterWrite,
    catalogueSources: settingsFields.catalogueSources,
    proxy: settingsFields.proxy
  })
  .partial()
  .strict()

export type SettingsPatch = z.infer<typeof settingsPatchSchema>

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
  'settings.update': method<SettingsState>()(settingsPatchSchema),
  'settings.keys.list': method<TrustedKey[]>()(z.object({}).strict()),
  /** Checks the armored text is one PGP public key (not a private key) and trusts it. */
  'settings.keys.import': method<TrustedKey>()(z.object({ armored: z.string().min(1).max(65536) }).strict()),
  'settings.keys.remove': method<TrustedKey[]>()(z.object({ fingerprint }).strict())
}

export const settingsEvents = {
  /** After any change, so every window (and Electron's native theme) follows. */
  'settings.changed': event<SettingsState>()
}
