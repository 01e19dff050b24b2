import type { ServiceContext } from '../context'
import { createConfigWriter, type PrivilegedConfigWriter } from './config-writer'
import { TerminalService } from './runner'

export { TerminalService, type RunnablePlan, type TerminalServiceOptions } from './runner'
export { runInherited, type InheritOptions } from './inherit'
export { panelRunner, userTerminalRunner, type PrivilegedRunner } from './privileged'
export { createConfigWriter, assertWritableConfigPath, CONFIG_WRITE_DIRS, type PrivilegedConfigWriter } from './config-writer'
export { defaultElevation, PRIVILEGED_PROGRAMS, type Elevation } from './elevate'

const services = new WeakMap<ServiceContext, TerminalService>()

/** The one runner per service context, shared by every capability that needs root. */
export function terminalFor(ctx: ServiceContext): TerminalService {
  let t = services.get(ctx)
  if (!t) {
    t = new TerminalService({ events: ctx.events, env: ctx.env })
    services.set(ctx, t)
  }
  return t
}

/** Privileged writer for /etc/systemd/oomd.conf.d/*.conf under the context's root prefix, through the context's runner. */
export function configWriterFor(ctx: ServiceContext): PrivilegedConfigWriter {
  return createConfigWriter({ runner: ctx.privileged, root: ctx.fs.root })
}
