import { AppError } from '../../../shared/contract/errors'
import type { WriteError } from '../../../shared/contract/drives'
import { asDBusFailure } from './udisks/client'

/** A failure of one target at a byte offset, kept with the AppError that describes it. */
export class DriveIoError extends AppError {
  constructor(
    name: string,
    message: string,
    readonly offset: number | undefined,
    opts: { stage: string; hint?: string; cause?: unknown }
  ) {
    super(name, message, opts)
  }
}

export const NOT_BOOTABLE =
  'The drive does not hold a bootable image now (its first MiB was wiped at the start). Write it again, or restore it to use it for files.'

const fmt = (n: number): string => `${n} (${(n / 1024 ** 2).toFixed(1)} MiB)`

const REMOVED_CODES = new Set(['ENODEV', 'ENXIO', 'ESHUTDOWN', 'ENOMEDIUM', 'EBADF'])

/** Maps an errno from reading or writing the drive to an error naming stage and offset. */
export function ioError(err: unknown, stage: 'write' | 'sync' | 'verify' | 'read', device: string, offset?: number): DriveIoError {
  if (err instanceof DriveIoError) return err
  const code = (err as NodeJS.ErrnoException)?.code ?? ''
  const at = offset === undefined ? '' : ` at byte ${fmt(offset)}`
  if (REMOVED_CODES.has(code)) {
    return new DriveIoError('DriveRemoved', `${device} went away during ${stage}${at} (${code}).`, offset, {
      stage,
      hint: NOT_BOOTABLE,
      cause: err
    })
  }
  if (code === 'ENOSPC') {
    return new DriveIoError('IOError', `${device}: no space left during ${stage}${at} (ENOSPC): the drive is smaller than it claims or failing.`, offset, {
      stage,
      hint: `${NOT_BOOTABLE} A drive that fails like this may be counterfeit (fake capacity).`,
      cause: err
    })
  }
  if (code === 'EINVAL') {
    return new DriveIoError('IOError', `${device}: the drive rejected the ${stage} request${at} (EINVAL: unaligned direct I/O).`, offset, { stage, cause: err })
  }
  const detail = code ? `${code}: ${(err as Error).message}` : String((err as Error)?.message ?? err)
  return new DriveIoError('IOError', `${device}: I/O error during ${stage}${at} (${detail}).`, offset, {
    stage,
    hint: `${NOT_BOOTABLE} Try another USB port or another drive.`,
    cause: err
  })
}

/** The image file is shorter than when the write started: a file changed under the job is never written as if whole. */
export function imageChanged(imagePath: string, endedAt: number): AppError {
  return new AppError(
    'ImageReadError',
    `The image ${imagePath} ended at byte ${endedAt}, before its size when the write started: it changed during the write.`,
    {
      stage: 'read image'
    }
  )
}

export function cancelled(stage: string, device: string, offset?: number): DriveIoError {
  const at = offset === undefined ? '' : ` at byte ${fmt(offset)}`
  return new DriveIoError('Cancelled', `Cancelled during ${stage}${at} on ${device}.`, offset, { stage, hint: NOT_BOOTABLE })
}

const DECLINED = new Set([
  'org.freedesktop.UDisks2.Error.NotAuthorized',
  'org.freedesktop.UDisks2.Error.NotAuthorizedCanObtain',
  'org.freedesktop.UDisks2.Error.NotAuthorizedDismissed',
  'org.freedesktop.DBus.Error.AccessDenied',
  'org.freedesktop.PolicyKit1.Error.NotAuthorized',
  'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'
])

/** Maps a failed UDisks2 call (OpenDevice, Unmount, Format, ...) to a named error. */
export function udisksError(err: unknown, what: string, stage: string, device: string): AppError {
  if (err instanceof AppError) return err
  const f = asDBusFailure(err)
  const text = f?.text || (err instanceof Error ? err.message : String(err))
  if (f && DECLINED.has(f.type)) {
    return new AppError('AuthorizationDeclined', `Authorization declined: not allowed to ${what} ${device}.`, {
      stage,
      hint: 'An administrator has to approve the authentication prompt. Nothing was written.',
      cause: err
    })
  }
  if (f?.type === 'org.freedesktop.UDisks2.Error.DeviceBusy' || /busy/i.test(text)) {
    return new AppError('DeviceBusy', `${device} is busy: cannot ${what} it (${text}).`, {
      stage,
      hint: 'Close programs using files on the drive (file manager, terminal in a mounted folder), then try again.',
      cause: err
    })
  }
  if (f?.type === 'org.freedesktop.DBus.Error.UnknownObject' || f?.type === 'org.freedesktop.DBus.Error.UnknownMethod') {
    return new AppError('DriveRemoved', `${device} is gone (${text}).`, { stage, cause: err })
  }
  if (f?.type === 'org.freedesktop.UDisks2.Error.Cancelled') {
    return new AppError('Cancelled', `Cancelled: ${what} ${device}.`, { stage, cause: err })
  }
  return new AppError('UDisksError', `Could not ${what} ${device}: ${text}${f ? ` (${f.type})` : ''}`, { stage, cause: err })
}

export function toWriteError(err: unknown): WriteError {
  const e = err as AppError & { offset?: number }
  const out: WriteError = { name: e instanceof AppError ? e.name : 'InternalError', message: e?.message ?? String(err) }
  if (e?.stage) out.stage = e.stage
  if (e?.hint) out.hint = e.hint
  if (typeof e?.offset === 'number') out.offset = e.offset
  return out
}
