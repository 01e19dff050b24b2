import path from 'node:path'
import { AppError } from '../../../shared/contract/errors'
import type { settingsMethods } from '../../../shared/contract/settings'
import type { HandlerFactory } from '../handlers'
import { resourcesDir } from '../spins/paths'
import { readKeyDir } from '../spins/verify'
import { describeKeys, parsePublicKey } from './keys'

export const settingsHandlers: HandlerFactory<typeof settingsMethods> = (ctx) => {
  const changed = async <T>(result: T): Promise<T> => {
    ctx.events.emit('settings.changed', await ctx.settings.get())
    return result
  }
  const bundled = async () => {
    const dir = resourcesDir(ctx.env)
    return dir ? describeKeys(await readKeyDir(path.join(dir, 'keys')), 'bundled') : []
  }
  const list = async () => [...(await bundled()), ...(await describeKeys((await ctx.settings.get()).settings.importedKeys, 'imported'))]

  return {
    'settings.get': () => ctx.settings.get(),
    'settings.update': async (patch) => changed(await ctx.settings.update(patch)),
    'settings.keys.list': list,
    'settings.keys.import': async ({ armored }) => {
      const key = await parsePublicKey(armored)
      if ((await list()).some((k) => k.fingerprint === key.fingerprint)) {
        throw new AppError('AlreadyTrusted', `key ${key.fingerprint} is already trusted`)
      }
      await ctx.settings.modify((current) => ({ importedKeys: [...current.importedKeys, armored.trim() + '\n'] }))
      return changed(key)
    },
    'settings.keys.remove': async ({ fingerprint }) => {
      const wanted = fingerprint.toUpperCase()
      await ctx.settings.modify(async (current) => {
        const described = await Promise.all(current.importedKeys.map(async (a) => ({ a, k: (await describeKeys([a], 'imported'))[0] })))
        const keep = described.filter((d) => d.k?.fingerprint !== wanted).map((d) => d.a)
        if (keep.length === current.importedKeys.length) {
          throw new AppError('NotFound', `no imported key has fingerprint ${wanted}`, { hint: 'Bundled keys cannot be removed.' })
        }
        return { importedKeys: keep }
      })
      return changed(await list())
    }
  }
}
