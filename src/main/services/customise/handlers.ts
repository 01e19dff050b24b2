import { AppError } from '../../../shared/contract/errors'
import type { customiseMethods, PersistResult } from '../../../shared/contract/customise'
import type { HandlerFactory } from '../handlers'
import { drivesServiceFor } from '../drives/handlers'
import { IFACE, str } from '../drives/udisks/tree'
import { defaultDownloadDir } from '../spins/paths'
import { planPersistence, udisksTarget } from './persistence'
import { readRecord } from './record'
import { CustomiseService } from './service'

export const customiseHandlers: HandlerFactory<typeof customiseMethods> = (ctx) => {
  const service = new CustomiseService({
    run: ctx.run,
    digests: ctx.digests,
    downloadDir: async () => (await ctx.settings.get()).settings.downloadDir || defaultDownloadDir(ctx.env)
  })
  return {
    'customise.run': (input) => service.customise(input.image, input.sourceSha256, input.options),
    'customise.record': (input) => service.record(input.image),
    'customise.persist': async (input): Promise<PersistResult> => {
      // The label and size come from the record the customiser wrote, not from the caller.
      const rec = await readRecord(input.image)
      if (!rec?.persist)
        throw new AppError('NoPersistence', `${input.image} was not customised with persistence.`, {
          stage: 'persist',
          hint: 'Customise the image with persistence first.'
        })
      const persist = rec.persist
      return drivesServiceFor(ctx).withDrive(input.device, input.token, 'persist', async (client, d, tree) => {
        const table = tree[d.id]?.[IFACE.partitionTable]
        if (!table)
          throw new AppError('NoPartitionTable', `The kernel shows no partition table on ${d.device}, so the persistence partition cannot be added.`, {
            stage: 'persist',
            hint: 'Unplug and replug the stick, then try again; the image itself is written.'
          })
        const plan = planPersistence(rec.size, d.size, persist.sizeBytes, persist.label)
        await udisksTarget(client, d.id, d.device, str(table, 'Type') === 'gpt').create(plan)
        return { device: d.device, label: plan.label, offset: plan.offset, size: plan.size }
      })
    }
  }
}
