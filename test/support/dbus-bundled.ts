// dbus-next as the CLI bundles it (scripts/lib/dbus-decode-faster.mjs edits it on the way), for
// tests that compare it with dbus-next as published.
import { createRequire } from 'node:module'
import { dbusDecodeFaster } from '../../scripts/lib/dbus-decode-faster.mjs'
import { withBundledFile } from './bundled'

/**
 * Bundles `exportsSource` (CommonJS that requires dbus-next's modules, or the project's by
 * absolute path) with the build's dbus-next edits and loads it.
 */
export function requireBundled<T>(exportsSource: string): Promise<T> {
  return withBundledFile(exportsSource, (file) => createRequire(file)(file) as T, { plugins: [dbusDecodeFaster] })
}
