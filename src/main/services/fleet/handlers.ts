import os from 'node:os'
import { AppError } from '../../../shared/contract/errors'
import type { fleetMethods } from '../../../shared/contract/fleet'
import { APP_VERSION } from '../../../shared/version'
import type { HandlerFactory } from '../handlers'
import { runInspection } from '../inspect/report'
import { readOomdState } from '../oomd/state'
import { createReposService } from '../repos/service'
import { reposOptionsFromContext } from '../repos/handlers'
import { systemBusConnector } from '../systemd/connect'
import { managerMayAnswer } from '../systemd/booted'
import type { RootFs } from '../system/rootfs'
import { buildFact } from './fact'

async function hostnameOf(fs: RootFs): Promise<string | null> {
  const name = (await fs.tryReadText('/etc/hostname'))?.trim().split('\n')[0]?.trim()
  if (name) return name.slice(0, 253)
  return fs.isLive ? os.hostname() : null
}

export const fleetHandlers: HandlerFactory<typeof fleetMethods> = (ctx) => ({
  'fleet.fact': async ({ root }) => {
    // Another root becomes dnf's --installroot and rpm's --root; like the repos service, only
    // the command line may choose it, never a renderer.
    if (root !== undefined && ctx.transport !== 'cli') {
      throw new AppError('Forbidden', 'Reading the fact of another root is only possible from the command line (hsc facts show --root DIR).')
    }
    const fs = ctx.rootFs(root)
    // The repos service reads the same root the inspector reads (an installroot for a fixture tree).
    const repos = createReposService({ ...reposOptionsFromContext({ ...ctx, fs }), fs })
    return buildFact({
      inspect: () => runInspection({ fs, run: ctx.run, answers: ctx.answers }),
      repoList: () => repos.list(),
      installedBuilds: () => repos.installedBuilds(),
      oomdState: () => readOomdState({ fs, run: ctx.run, connect: systemBusConnector(ctx.env), managerMayAnswer: managerMayAnswer(ctx.env, fs) }),
      hostname: () => hostnameOf(fs),
      version: APP_VERSION
    })
  }
})
