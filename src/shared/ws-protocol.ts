import type { CallResult } from './contract/errors'

/** Browser-mode wire messages: the contract carried over one WebSocket. */
export type ClientMessage = { t: 'call'; id: number; method: string; input?: unknown } | { t: 'sub'; event: string; on: boolean }

export type ServerMessage =
  { t: 'result'; id: number; result: CallResult<unknown> } | { t: 'event'; event: string; payload: unknown } | { t: 'error'; message: string }

export const WS_PATH = '/api'
