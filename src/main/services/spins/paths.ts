import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

type Env = Readonly<Record<string, string | undefined>>

/** Catalogue cache and download records: $HSC_CACHE_DIR, else $XDG_CACHE_HOME/hyperscale-companion. */
export function spinsCacheDir(env: Env): string {
  if (env.HSC_CACHE_DIR) return env.HSC_CACHE_DIR
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache')
  return path.join(base, 'hyperscale-companion')
}

/** Where images go unless Settings or the call say otherwise. */
export function defaultDownloadDir(env: Env): string {
  if (env.HSC_DOWNLOAD_DIR) return env.HSC_DOWNLOAD_DIR
  if (env.XDG_DOWNLOAD_DIR) return env.XDG_DOWNLOAD_DIR
  return path.join(env.HOME || os.homedir(), 'Downloads')
}

/**
 * The app's resources/ folder: $HSC_RESOURCES_DIR, else the nearest "resources" folder above
 * this module (source tree, out/ bundles), else Electron's resourcesPath.
 */
export function resourcesDir(env: Env, probe = 'keys'): string | undefined {
  if (env.HSC_RESOURCES_DIR) return env.HSC_RESOURCES_DIR
  let dir: string
  try {
    dir = path.dirname(fileURLToPath(import.meta.url))
  } catch {
    dir = process.cwd()
  }
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'resources')
    if (existsSync(path.join(candidate, probe))) return candidate
    const up = path.dirname(dir)
    if (up === dir) break
    dir = up
  }
  const packaged = (process as { resourcesPath?: string }).resourcesPath
  if (packaged && existsSync(path.join(packaged, 'resources', probe))) return path.join(packaged, 'resources')
  return undefined
}
