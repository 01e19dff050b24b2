import { z } from 'zod'
import { event, method } from './define'

export interface AppInfo {
  name: string
  version: string
  /** Which transport the renderer is talking through. */
  transport: 'electron' | 'browser' | 'cli'
  platform: string
  /** True when this process runs as root (CI); the app itself is meant to run unprivileged. */
  root: boolean
}

export const appMethods = {
  'app.info': method<AppInfo>()(z.object({}).strict())
}

/**
 * The service process, as the desktop shell sees it. `restarted` follows a crash: jobs it was
 * running are reported by `drives.jobs` as interrupted.
 */
export interface BackendState {
  state: 'running' | 'stopped' | 'restarted'
  /** A sentence for people: what happened and what it means. */
  message: string
  /** Raw detail (exit code or signal), for the details fold. */
  detail?: string
}

export const appEvents = {
  'app.backend': event<BackendState>()
}
