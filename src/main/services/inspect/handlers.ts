import type { inspectMethods } from '../../../shared/contract/inspect'
import type { HandlerFactory } from '../handlers'
import { runInspection } from './report'
import { reportToMarkdown } from './markdown'
import { reflinkTest } from './reflink'

export const inspectHandlers: HandlerFactory<typeof inspectMethods> = (ctx) => ({
  'inspect.report': ({ root }) => runInspection({ fs: ctx.rootFs(root), run: ctx.run }),
  'inspect.exportMarkdown': async ({ root }) => reportToMarkdown(await runInspection({ fs: ctx.rootFs(root), run: ctx.run })),
  'inspect.reflinkTest': ({ path }) => reflinkTest(path)
})
