import type { inspectMethods } from '../../../shared/contract/inspect'
import type { HandlerFactory } from '../handlers'
import { runInspection } from './report'
import { reportToMarkdown } from './markdown'
import { reflinkTest } from './reflink'
import { systemBusConnector } from '../systemd/connect'

export const inspectHandlers: HandlerFactory<typeof inspectMethods> = (ctx) => {
  const connect = systemBusConnector(ctx.env)
  return {
    'inspect.report': ({ root }) => runInspection({ fs: ctx.rootFs(root), run: ctx.run, connect }),
    'inspect.exportMarkdown': async ({ root }) => reportToMarkdown(await runInspection({ fs: ctx.rootFs(root), run: ctx.run, connect })),
    'inspect.reflinkTest': ({ path }) => reflinkTest(path)
  }
}
