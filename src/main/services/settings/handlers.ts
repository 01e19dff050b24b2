import type { settingsMethods } from '../../../shared/contract/settings'
import type { HandlerFactory } from '../handlers'

export const settingsHandlers: HandlerFactory<typeof settingsMethods> = (ctx) => ({
  'settings.get': () => ctx.settings.get(),
  'settings.update': (patch) => ctx.settings.update(patch)
})
