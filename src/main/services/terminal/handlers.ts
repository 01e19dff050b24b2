import type { terminalMethods } from '../../../shared/contract/terminal'
import type { HandlerFactory } from '../handlers'
import { terminalFor } from './index'

export const terminalHandlers: HandlerFactory<typeof terminalMethods> = (ctx) => {
  const t = terminalFor(ctx)
  return {
    'terminal.ack': ({ id, chars }) => t.ack(id, chars),
    'terminal.resize': ({ id, cols, rows }) => t.resize(id, cols, rows),
    'terminal.input': ({ id, data }) => t.input(id, data),
    'terminal.kill': ({ id }) => t.kill(id),
    'terminal.sessions': () => t.list()
  }
}
