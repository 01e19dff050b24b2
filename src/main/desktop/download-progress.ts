import type { DownloadInfo } from '../../shared/contract'
import { verificationLabel } from '../../shared/contract/verification'

const ACTIVE: ReadonlyArray<DownloadInfo['status']> = ['queued', 'checking', 'hashing-part', 'downloading', 'verifying']

/** 0..1 while a download runs (undefined when unknown size or not running). */
export function downloadFraction(d: DownloadInfo): number | undefined {
  if (!ACTIVE.includes(d.status) || !d.total) return undefined
  return Math.min(1, d.bytes / d.total)
}

/** The notification for a download that just ended, or undefined while it still runs or was paused. */
export function downloadOutcome(d: DownloadInfo): { title: string; body: string } | undefined {
  if (d.status === 'done') {
    return { title: 'Download finished', body: `${d.name}: ${verificationLabel(d.verification?.state)}` }
  }
  if (d.status === 'failed') return { title: 'Download failed', body: `${d.name}: ${d.error?.message ?? 'unknown error'}` }
  return undefined
}
