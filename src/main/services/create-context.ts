import { runCommand, type CommandRunner } from './system/command'
import { EventHub } from './system/events'
import { createRootFs } from './system/rootfs'
import type { ServiceContext } from './context'
import type { SettingsService } from './settings/service'

export interface ContextOptions {
  transport: ServiceContext['transport']
  settings: SettingsService
  root?: string
  run?: CommandRunner
  env?: Record<string, string | undefined>
  events?: EventHub
}

export function createServiceContext(opts: ContextOptions): ServiceContext {
  const fs = createRootFs(opts.root ?? '/')
  return {
    fs,
    run: opts.run ?? runCommand,
    events: opts.events ?? new EventHub(),
    settings: opts.settings,
    env: opts.env ?? process.env,
    transport: opts.transport,
    rootFs: (root) => (root ? createRootFs(root) : fs)
  }
}
