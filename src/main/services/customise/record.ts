import path from 'node:path'
import type { CustomiseRecord } from '../../../shared/contract/customise'
import { readRegular } from '../system/safe-file'

/** The sidecar next to a customised image. */
export const recordPath = (image: string): string => `${image}.customised.json`

const HEX64 = /^[0-9a-f]{64}$/

/** The sidecar of an image, or null; a sidecar that does not describe this file is ignored. */
export async function readRecord(image: string): Promise<CustomiseRecord | null> {
  let data: unknown
  try {
    data = JSON.parse((await readRegular(recordPath(image), { maxBytes: 64 * 1024 })).toString('utf8'))
  } catch {
    return null
  }
  const r = data as Partial<CustomiseRecord>
  if (!r || typeof r !== 'object' || typeof r.sha256 !== 'string' || !HEX64.test(r.sha256) || typeof r.sourceSha256 !== 'string' || !HEX64.test(r.sourceSha256))
    return null
  if (typeof r.path !== 'string' || path.basename(r.path) !== path.basename(image)) return null
  if (!Array.isArray(r.addedArgs) || !r.addedArgs.every((a) => typeof a === 'string')) return null
  return r as CustomiseRecord
}
