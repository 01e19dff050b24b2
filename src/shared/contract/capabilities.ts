import type { MethodSpec } from './define'

/**
 * Each capability's method schemas, loaded on the first call of one of its methods: a command
 * builds only the zod schemas it calls (and `hsc inspect` none of the other capabilities').
 * Method names are "capability.verb"; the capability is the part before the first dot.
 */
export const capabilityMethods = {
  app: () => import('./app').then((m) => m.appMethods),
  inspect: () => import('./inspect').then((m) => m.inspectMethods),
  settings: () => import('./settings').then((m) => m.settingsMethods),
  repos: () => import('./repos').then((m) => m.reposMethods),
  terminal: () => import('./terminal').then((m) => m.terminalMethods),
  oomd: () => import('./oomd').then((m) => m.oomdMethods),
  drives: () => import('./drives').then((m) => m.drivesMethods),
  spins: () => import('./spins').then((m) => m.spinsMethods),
  fleet: () => import('./fleet').then((m) => m.fleetMethods),
  files: () => import('./files').then((m) => m.filesMethods),
  customise: () => import('./customise').then((m) => m.customiseMethods)
} satisfies Record<string, () => Promise<Record<string, MethodSpec>>>

export type Capability = keyof typeof capabilityMethods

/** The capability a method name belongs to, or undefined for a name no capability has. */
export function capabilityOf(method: string): Capability | undefined {
  const cap = method.slice(0, Math.max(0, method.indexOf('.')))
  return Object.prototype.hasOwnProperty.call(capabilityMethods, cap) ? (cap as Capability) : undefined
}

/** The method's spec (its input schema), loading its capability's schemas; undefined for an unknown method. */
export async function methodSpec(method: unknown): Promise<MethodSpec | undefined> {
  if (typeof method !== 'string') return undefined
  const cap = capabilityOf(method)
  if (!cap) return undefined
  const methods: Record<string, MethodSpec> = await capabilityMethods[cap]()
  return Object.prototype.hasOwnProperty.call(methods, method) ? methods[method] : undefined
}
