import type { z } from 'zod'
import type { MethodSpec } from '../../shared/contract/define'
import type { Contract, MethodName } from '../../shared/contract'
import type { ServiceContext } from './context'

type Handler<S> = S extends MethodSpec<infer I, infer O> ? (input: z.output<I>) => Promise<O> | O : never

/** Implementations of a group of contract methods. */
export type HandlersOf<Methods extends Record<string, MethodSpec>> = { [K in keyof Methods]: Handler<Methods[K]> }

export type Handlers = HandlersOf<Contract>

export type HandlerFactory<Methods extends Record<string, MethodSpec>> = (ctx: ServiceContext) => HandlersOf<Methods>

export type { MethodName }
