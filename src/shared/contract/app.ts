import { z } from 'zod'
import { method } from './define'

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
