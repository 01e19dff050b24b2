import { contract, isMethodName, toErrorInfo, type CallResult, type ErrorInfo, type MethodInput, type MethodName, type MethodOutput } from '../shared/contract'
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
      if (!isMethodName(method)) {
        const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 80)) : typeof method
        return { ok: false, error: validationError(`unknown method ${shown}`) }
      }
      const parsed = contract[method].input.safeParse(input === undefined ? {} : input)
      if (!parsed.success) {
        const issues = parsed.error.issues
          .slice(0, MAX_ISSUES)
          .map((i) => `${i.path.length ? i.path.map((p) => String(p).slice(0, 40)).join('.') : 'input'}: ${i.message.slice(0, 160)}`)
          .join('; ')
          .slice(0, 600)
        return { ok: false, error: validationError(`${method}: ${issues}`) }
      }
      try {
        const handler = handlers[method] as (input: unknown) => unknown
        return { ok: true, value: (await handler(parsed.data)) as never }
      } catch (err) {
        return { ok: false, error: toErrorInfo(err) }
      }
    }
  }
}
