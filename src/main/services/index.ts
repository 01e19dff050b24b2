import type { Contract } from '../../shared/contract'
import type { Handlers } from './handlers'
import type { ServiceContext } from './context'

/**
 * Each capability's handlers load on the first call of one of its methods, so `hsc inspect`
 * never parses the D-Bus, pty, openpgp or download code. A capability adds one line here.
 */
const loaders = {
  app: () => import('./app/handlers').then((m) => m.appHandlers),
  inspect: () => import('./inspect/handlers').then((m) => m.inspectHandlers),
  settings: () => import('./settings/handlers').then((m) => m.settingsHandlers),
  repos: () => import('./repos/handlers').then((m) => m.reposHandlers),
  terminal: () => import('./terminal/handlers').then((m) => m.terminalHandlers),
  oomd: () => import('./oomd/handlers').then((m) => m.oomdHandlers),
  drives: () => import('./drives/handlers').then((m) => m.drivesHandlers),
  spins: () => import('./spins/handlers').then((m) => m.spinsHandlers),
  fleet: () => import('./fleet/handlers').then((m) => m.fleetHandlers),
  files: () => import('./files/handlers').then((m) => m.filesHandlers),
  customise: () => import('./customise/handlers').then((m) => m.customiseHandlers)
}

type Capability = keyof typeof loaders

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never
type Implemented = keyof UnionToIntersection<{ [K in Capability]: ReturnType<Awaited<ReturnType<(typeof loaders)[K]>>> }[Capability]>
/** Compile-time: every contract method is implemented by some capability's factory. */
const complete: Exclude<keyof Contract, Implemented> extends never ? true : Exclude<keyof Contract, Implemented> = true
void complete

function capabilityOf(method: string): Capability {
  const cap = method.slice(0, method.indexOf('.'))
  if (!(cap in loaders)) throw new Error(`contract method ${method} has no capability loader in services/index.ts`)
  return cap as Capability
}

/** Every contract method bound to its service; a capability's code loads on its first call. */
export function createHandlers(ctx: ServiceContext): Handlers {
  const loaded = new Map<Capability, Promise<Partial<Handlers>>>()
  const group = (cap: Capability): Promise<Partial<Handlers>> => {
    let p = loaded.get(cap)
    if (!p) {
      p = loaders[cap]().then((factory) => factory(ctx))
      // A failed import (a broken install) is retried on the next call instead of cached.
      p.catch(() => loaded.delete(cap))
      loaded.set(cap, p)
    }
    return p
  }
  // A subscription loads its capability, so producers (pressure, hotplug) exist before any call.
  ctx.events.onSubscribe((event) => {
    const cap = event.slice(0, event.indexOf('.'))
    if (cap in loaders) void group(cap as Capability).catch(() => undefined)
  })
  // Looked up by name on each call rather than listed from the contract, so binding the
  // handlers builds no schema (the router validates against the called capability only).
  const bound = new Map<string, (input: unknown) => Promise<unknown>>()
  const handlers = new Proxy({} as Record<string, unknown>, {
    get(own, method) {
      // A handler set on the object (a test's stand-in, a transport's own) wins.
      if (typeof method === 'string' && Object.prototype.hasOwnProperty.call(own, method)) return own[method]
      if (typeof method !== 'string' || !method.includes('.')) return undefined
      let fn = bound.get(method)
      if (!fn) {
        fn = async (input) => {
          const cap = capabilityOf(method)
          const impl = (await group(cap))[method as keyof Contract] as ((input: unknown) => unknown) | undefined
          if (!impl) throw new Error(`capability ${cap} does not implement ${method}`)
          return impl(input)
        }
        bound.set(method, fn)
      }
      return fn
    }
  })
  return handlers as unknown as Handlers
}
