import path from 'node:path'
import type { inspectMethods } from '../../../shared/contract/inspect'
import type { HandlerFactory } from '../handlers'
import { runInspection } from './report'
import { reportToMarkdown } from './markdown'
import { reflinkTest } from './reflink'
import { systemBusConnector } from '../systemd/connect'
import { fileAnswerCache } from '../system/facts/answer-cache'

export const inspectHandlers: HandlerFactory<typeof inspectMethods> = (ctx) => {
  const connect = systemBusConnector(ctx.env)
  const answers = fileAnswerCache(path.join(ctx.stateDir, 'program-answers.json'))
  return {
    'inspect.report': ({ root }) => runInspection({ fs: ctx.rootFs(root), run: ctx.run, connect, answers }),
    'inspect.exportMarkdown': async ({ root }) => reportToMarkdown(await runInspection({ fs: ctx.rootFs(root), run: ctx.run, connect, answers })),
    'inspect.reflinkTest': ({ path }) => reflinkTest(path)
  }
}
