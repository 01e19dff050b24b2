import type { z } from 'zod'
import type { EventSpec, MethodSpec } from './define'
import { appEvents, appMethods } from './app'
import { inspectMethods } from './inspect'
import { settingsEvents, settingsMethods } from './settings'
import { reposMethods } from './repos'
import { terminalEvents, terminalMethods } from './terminal'
import { oomdEvents, oomdMethods } from './oomd'
import { drivesEvents, drivesMethods } from './drives'
import { spinsEvents, spinsMethods } from './spins'
import { fleetMethods } from './fleet'
import { filesMethods } from './files'
import { customiseMethods } from './customise'

export * from './errors'
export * from './app'
export * from './inspect'
export * from './settings'
export * from './repos'
export * from './terminal'
export * from './oomd'
export * from './drives'
export * from './spins'
export * from './fleet'
export * from './files'
export * from './customise'

/** Every method any transport may call. Adding a capability = spreading its methods here. */
export const contract = {
  ...appMethods,
  ...inspectMethods,
  ...settingsMethods,
  ...reposMethods,
  ...terminalMethods,
  ...oomdMethods,
  ...drivesMethods,
  ...spinsMethods,
  ...fleetMethods,
  ...filesMethods,
  ...customiseMethods
} satisfies Record<string, MethodSpec>

/** Every event the services push to clients. */
export const events = {
  ...appEvents,
  ...settingsEvents,
  ...terminalEvents,
  ...oomdEvents,
  ...drivesEvents,
  ...spinsEvents
} satisfies Record<string, EventSpec>

export type Contract = typeof contract
export type MethodName = keyof Contract
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>
export type ParsedInput<M extends MethodName> = z.output<Contract[M]['input']>
export type MethodOutput<M extends MethodName> = Contract[M] extends MethodSpec<z.ZodType, infer O> ? O : never
export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = Events[E] extends EventSpec<infer P> ? P : never

export const methodNames = Object.keys(contract) as MethodName[]
export const eventNames = Object.keys(events) as EventName[]

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name)
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name)
}

/** The client-side API shape, identical for Electron IPC and the browser-mode WebSocket. */
export interface Api {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}
