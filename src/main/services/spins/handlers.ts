import type { spinsMethods } from '../../../shared/contract/spins'
import type { HandlerFactory } from '../handlers'
import type { ServiceContext } from '../context'
import { spinsCacheDir } from './paths'
import { deferredExtraCaFile, extraCaContext } from '../system/extra-ca'
import { proxiedFetch, transportFetch } from './proxied-fetch'
import { chooseProxy } from './proxy'
import { socketTransport } from './socket-transport'
import { createSpinsService, type SpinsService } from './service'

/** One service per context: it owns the running downloads and their records. */
const services = new WeakMap<ServiceContext, SpinsService>()

export function spinsServiceFor(ctx: ServiceContext): SpinsService {
  let s = services.get(ctx)
  if (!s) {
    // The proxy setting is read per request, so a change in Settings applies to the next one.
    const proxyFor = async (target: URL): Promise<URL | undefined> => chooseProxy(target, (await ctx.settings.get()).settings.proxy, ctx.env).proxy
    // With NODE_EXTRA_CA_CERTS deferred (system/extra-ca.ts), TLS connections take the
    // context that adds its certificates, read at the first one; Node's fetch has no way to be
    // given it, so its requests go through the same transport.
    const deferredCa = deferredExtraCaFile() !== undefined
    const get = socketTransport({ proxy: proxyFor, ...(deferredCa ? { tls: () => ({ secureContext: extraCaContext() }) } : {}) })
    s = createSpinsService({
      fetch: proxiedFetch(deferredCa ? transportFetch(get) : (url, init) => fetch(url, init), get, proxyFor),
      cacheDir: spinsCacheDir(ctx.env),
      digests: ctx.digests,
      settings: async () => (await ctx.settings.get()).settings,
      env: ctx.env,
      emit: (info) => ctx.events.emit('spins.progress', info),
      run: ctx.run,
      engine: { get, ...(ctx.test.spinsStallMs ? { stallMs: ctx.test.spinsStallMs } : {}) }
    })
    services.set(ctx, s)
  }
  return s
}

export const spinsHandlers: HandlerFactory<typeof spinsMethods> = (ctx) => {
  const service = spinsServiceFor(ctx)
  return {
    'spins.list': () => service.list(),
    'spins.refresh': () => service.refresh(),
    'spins.download.start': (input) => service.start(input),
    'spins.download.pause': ({ id }) => service.pause(id),
    'spins.download.resume': ({ id }) => service.resume(id),
    'spins.download.cancel': ({ id }) => service.cancel(id),
    'spins.download.list': () => service.downloads(),
    'spins.verify': (input) => service.verify(input)
  }
}
