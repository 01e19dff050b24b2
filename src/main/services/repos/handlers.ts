import type { reposMethods } from '../../../shared/contract/repos'
import type { ServiceContext } from '../context'
import type { HandlerFactory } from '../handlers'
import { flavoursFile } from './flavours'
import { createReposService, type ReposServiceOptions } from './service'

/**
 * Which system the repos service works on: the context's root (the CLI's --root) or the
 * context's test switch (an installroot and its releasever). A client can never choose it:
 * an installroot reaches privileged dnf argv.
 */
export function reposOptionsFromContext(ctx: ServiceContext): ReposServiceOptions {
  const installroot = ctx.test.reposInstallroot || (ctx.fs.root !== '/' ? ctx.fs.root : undefined)
  const opts: ReposServiceOptions = { run: ctx.run, installroot, elevation: ctx.privileged.elevation }
  if (ctx.test.reposReleasever) opts.releasever = ctx.test.reposReleasever
  const flavours = flavoursFile(ctx.env)
  if (flavours) opts.flavoursFile = flavours
  return opts
}

export const reposHandlers: HandlerFactory<typeof reposMethods> = (ctx) => {
  const svc = createReposService(reposOptionsFromContext(ctx))
  return {
    'repos.list': () => svc.list(),
    'repos.prerequisites': () => svc.prerequisites(),
    'repos.packages': () => svc.packages(),
    'repos.kernel': () => svc.kernel(),
    'repos.flavours': () => svc.flavours(),
    'repos.plan': ({ action }) => svc.plan(action),
    'repos.run': ({ action, digest }) => svc.run(action, ctx.privileged, digest)
  }
}
