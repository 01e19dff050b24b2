// No zod here: the CLI's option parsing and the renderer's form use these without the schemas.
import { AppError } from './errors'

/** Caps that keep a hostile request small; the service validates every field again. */
export const CUSTOMISE_LIMITS = {
  kernelArgs: 32,
  kernelArgLength: 256,
  sshKeyBytes: 16 * 1024,
  kickstartBytes: 256 * 1024,
  labelLength: 16,
  minPersistBytes: 16 * 1024 * 1024
} as const

export const DEFAULT_PERSIST_LABEL = 'hsc-persist'

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** "4G", "512M", "1073741824", or "max" (0 = the rest of the stick). */
export function parsePersistSize(text: string): number {
  if (/^(max|all)$/i.test(text)) return 0
  const m = /^(\d{1,15})(?:\.(\d{1,3}))?\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim())
  if (!m)
    throw new AppError('InvalidCustomisation', `Persistence size: "${text.slice(0, 40)}" is not a size.`, {
      stage: 'validate',
      hint: 'Write it like 4G, 512M or max.'
    })
  const bytes = Math.floor(Number(`${m[1]}.${m[2] ?? '0'}`) * UNITS[m[3].toUpperCase()])
  if (bytes < CUSTOMISE_LIMITS.minPersistBytes)
    throw new AppError('InvalidCustomisation', `Persistence size: at least ${CUSTOMISE_LIMITS.minPersistBytes / 1024 ** 2} MiB is needed.`, {
      stage: 'validate'
    })
  return bytes
}
