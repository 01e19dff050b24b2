import type { Api, CallResult } from '../../../shared/contract'
import { AppError, fromErrorInfo } from '../../../shared/contract/errors'

/** The contract over the preload bridge (Electron). */
export function electronApi(bridge: HscBridge): Api {
  return {
    async call(method, input) {
      const fn = bridge.methods[method]
      if (!fn) throw new AppError('ValidationError', `unknown method ${method}`)
      const r = (await fn(input)) as CallResult<never>
      if (!r.ok) throw fromErrorInfo(r.error)
      return r.value
    },
    on(event, listener) {
      return bridge.on(event, listener as (p: unknown) => void)
    }
  }
}
