import type { ServiceContext } from './context'
import { drivesServiceFor } from './drives/handlers'
import { spinsServiceFor } from './spins/handlers'
import { terminalFor } from './terminal'

/** Writes still running: quitting now would leave those drives unbootable. */
export async function runningWrites(ctx: ServiceContext): Promise<number> {
  const jobs = await drivesServiceFor(ctx).jobs()
  return jobs.filter((j) => !['done', 'failed', 'cancelled'].includes(j.stage)).length
}

/**
 * Stops long work cleanly before the process exits: downloads pause (their .part resumes
 * next time), privileged commands are stopped, producers end.
 */
export async function shutdownServices(ctx: ServiceContext): Promise<void> {
  await Promise.allSettled([spinsServiceFor(ctx).close(), terminalFor(ctx).close()])
  ctx.events.close()
}
