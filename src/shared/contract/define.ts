import type { z } from 'zod'

/** A contract method: a runtime schema for its input and a phantom type for its output. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly input: I
  readonly output?: O
}

/** `method<Output>()(inputSchema)`: the output type is given once, the input type is inferred. */
export function method<O>() {
  return <I extends z.ZodType>(input: I): MethodSpec<I, O> => ({ input })
}

/** An event pushed from the services to every connected client. */
export interface EventSpec<P = unknown> {
  readonly payload?: P
}

export function event<P>(): EventSpec<P> {
  return {}
}
