/** The only error shape that crosses a transport. */
export interface ErrorInfo {
  name: string
  message: string
  /** Which step failed, e.g. "read /proc/config.gz", "write", "verify". */
  stage?: string
  /** What the user can do about it. */
  hint?: string
  /** The raw text behind the sentence (errno, D-Bus, HTTP), shown folded under "Details". */
  detail?: string
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo }

/** Thrown by services for failures the user should read; anything else becomes "InternalError". */
export class AppError extends Error {
  readonly stage?: string
  readonly hint?: string
  readonly detail?: string
  constructor(name: string, message: string, opts: { stage?: string; hint?: string; detail?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = name
    this.stage = opts.stage
    this.hint = opts.hint
    this.detail = opts.detail
  }
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof AppError) {
    const info: ErrorInfo = { name: err.name, message: err.message }
    if (err.stage) info.stage = err.stage
    if (err.hint) info.hint = err.hint
    if (err.detail) info.detail = err.detail
    return info
  }
  if (err instanceof Error) return { name: 'InternalError', message: err.message }
  return { name: 'InternalError', message: String(err) }
}

/** Rebuilds the error a transport carried, so clients throw what the service threw. */
export function fromErrorInfo(e: ErrorInfo): AppError {
  return new AppError(e.name, e.message, { stage: e.stage, hint: e.hint, detail: e.detail })
}

/** One line for people: "stage: message (hint)". */
export function describeError(e: Pick<ErrorInfo, 'message' | 'stage' | 'hint'>): string {
  return `${e.stage ? `${e.stage}: ` : ''}${e.message}${e.hint ? ` (${e.hint})` : ''}`
}
