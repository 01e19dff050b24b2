import type { MethodInput, MethodName, MethodOutput } from '../shared/contract'
import { methodSpec } from '../shared/contract/capabilities'
import { toErrorInfo, type CallResult, type ErrorInfo } from '../shared/contract/errors'
import { lightInput } from '../shared/contract/light-inputs'
import type { Handlers } from './services/handlers'

export interface Router {
  /** Validates and dispatches one call. Never throws: every failure is a plain ErrorInfo. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<CallResult<MethodOutput<M>>>
  /** Transports pass whatever arrived on the wire; validation decides. */
  call(method: unknown, input: unknown): Promise<CallResult<unknown>>
}

const MAX_ISSUES = 5

function validationError(message: string): ErrorInfo {
  return { name: 'ValidationError', message, stage: 'validate input' }
}

export function createRouter(handlers: Handlers): Router {
  return {
    async call(method: unknown, input: unknown): Promise<CallResult<never>> {
      // A read's empty or root-only input is checked without zod (contract/light-inputs.ts).
      const light = lightInput(method, input)
      if (light) return dispatch(method as MethodName, light.data)
      // Only the called capability's schemas are built (see contract/capabilities.ts).
      let spec
      try {
        spec = await methodSpec(method)
      } catch (err) {
        return { ok: false, error: toErrorInfo(err) }
      }
      if (!spec) {
        const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 80)) : typeof method
        return { ok: false, error: validationError(`unknown method ${shown}`) }
      }
      const parsed = spec.input.safeParse(input === undefined ? {} : input)
      if (!parsed.success) {
        const issues = parsed.error.issues
          .slice(0, MAX_ISSUES)
          .map((i) => `${i.path.length ? i.path.map((p) => String(p).slice(0, 40)).join('.') : 'input'}: ${i.message.slice(0, 160)}`)
          .join('; ')
          .slice(0, 600)
        return { ok: false, error: validationError(`${method}: ${issues}`) }
      }
      return dispatch(method as MethodName, parsed.data)
    }
  }

  async function dispatch(method: MethodName, data: unknown): Promise<CallResult<never>> {
    try {
      const handler = handlers[method] as (input: unknown) => unknown
      return { ok: true, value: (await handler(data)) as never }
    } catch (err) {
      return { ok: false, error: toErrorInfo(err) }
    }
  }
}
