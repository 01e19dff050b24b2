import type { customiseMethods } from '../../../shared/contract/customise'
import type { HandlerFactory } from '../handlers'
import { defaultDownloadDir } from '../spins/paths'
import { CustomiseService } from './service'

export const customiseHandlers: HandlerFactory<typeof customiseMethods> = (ctx) => {
  const service = new CustomiseService({
    run: ctx.run,
    downloadDir: async () => (await ctx.settings.get()).settings.downloadDir || defaultDownloadDir(ctx.env)
  })
  return {
    'customise.run': (input) => service.customise(input.image, input.sourceSha256, input.options),
    'customise.record': (input) => service.record(input.image)
  }
}
