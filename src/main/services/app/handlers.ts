import type { appMethods } from '../../../shared/contract/app'
import type { HandlerFactory } from '../handlers'
import { APP_NAME, APP_VERSION } from '../../../shared/version'

export const appHandlers: HandlerFactory<typeof appMethods> = (ctx) => ({
  'app.info': () => ({
    name: APP_NAME,
    version: APP_VERSION,
    transport: ctx.transport,
    platform: `${process.platform}-${process.arch}`,
    root: typeof process.getuid === 'function' && process.getuid() === 0
  })
})
