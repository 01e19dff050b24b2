import os from 'node:os'
import type { filesMethods } from '../../../shared/contract/files'
import type { HandlerFactory } from '../handlers'
import type { ServiceContext } from '../context'
import { defaultDownloadDir } from '../spins/paths'
import { spinsServiceFor } from '../spins/handlers'
import { listFolder } from './listing'
import { listPlaces, type PlacesSource } from './places'
import { resolveFile } from './resolve'

/** The live places: the service process's own home, settings and mounts. */
export function placesFor(ctx: ServiceContext): PlacesSource {
  return {
    home: ctx.env.HOME || os.homedir(),
    downloadDir: async () => (await ctx.settings.get()).settings.downloadDir || defaultDownloadDir(ctx.env),
    mountinfo: () => ctx.fs.tryReadText('/proc/self/mountinfo'),
    recent: async () =>
      (await spinsServiceFor(ctx).downloads())
        .filter((d) => d.status === 'done')
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
        .map((d) => d.path)
  }
}

export const filesHandlers: HandlerFactory<typeof filesMethods> = (ctx) => {
  const src = placesFor(ctx)
  return {
    'files.places': ({ kind }) => listPlaces(src, kind),
    'files.list': (input) => listFolder(src, input),
    'files.resolve': ({ path }) => resolveFile(path, src.home),
    // Only Electron has a native dialog; its main process replaces this handler.
    'files.choose': () => ({ path: null, native: false })
  }
}
