import { accessSync, constants as fsc } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The allowlisted program name of the root helper (libexec/hsc-root-helper). */
export const ROOT_HELPER = 'hsc-root-helper'

/** Where the packages install it; the polkit action annotates exactly this path. */
export const INSTALLED_ROOT_HELPER = '/usr/libexec/hyperscale-companion/hsc-root-helper'

function executable(p: string): boolean {
  try {
    accessSync(p, fsc.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The installed helper first; otherwise the launcher in this checkout's libexec/, found by
 * walking up from this module (src/… under tests, out/… when bundled). Never PATH.
 */
export function locateRootHelper(from: string = fileURLToPath(import.meta.url)): string | undefined {
  if (executable(INSTALLED_ROOT_HELPER)) return INSTALLED_ROOT_HELPER
  let dir = path.dirname(from)
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'libexec', ROOT_HELPER)
    if (executable(candidate)) return candidate
    const up = path.dirname(dir)
    if (up === dir) break
    dir = up
  }
  return undefined
}
