import type { Handlers } from './handlers'
import type { ServiceContext } from './context'
import { appHandlers } from './app/handlers'
import { inspectHandlers } from './inspect/handlers'
import { settingsHandlers } from './settings/handlers'
import { reposHandlers } from './repos/handlers'
import { terminalHandlers } from './terminal/handlers'
import { oomdHandlers } from './oomd/handlers'
import { drivesHandlers } from './drives/handlers'
import { spinsHandlers } from './spins/handlers'
import { filesHandlers } from './files/handlers'

/** Every contract method bound to its service. A capability adds one line here. */
export function createHandlers(ctx: ServiceContext): Handlers {
  return {
    ...appHandlers(ctx),
    ...inspectHandlers(ctx),
    ...settingsHandlers(ctx),
    ...reposHandlers(ctx),
    ...terminalHandlers(ctx),
    ...oomdHandlers(ctx),
    ...drivesHandlers(ctx),
    ...spinsHandlers(ctx),
    ...filesHandlers(ctx)
  }
}
