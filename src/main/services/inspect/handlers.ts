import type { inspectMethods } from '../../../shared/contract/inspect'
import type { HandlerFactory } from '../handlers'
import { runInspection } from './report'
import { reportToMarkdown } from './markdown'
import { reflinkTest } from './reflink'
import { systemBusConnector } from '../systemd/connect'

export const inspectHandlers: HandlerFactory<typeof inspectMethods> = (ctx) => {
  const connect = systemBusConnector(ctx.env)
  const answers = ctx.answers
  return {
    'inspect.report': ({ root }) => runInspection({ fs: ctx.rootFs(root), run: ctx.run, connect, answers }),
    'inspect.exportMarkdown': async ({ root }) => reportToMarkdown(await runInspection({ fs: ctx.rootFs(root), run: ctx.run, connect, answers })),
    'inspect.reflinkTest': ({ path }) => reflinkTest(path)
  }
}
