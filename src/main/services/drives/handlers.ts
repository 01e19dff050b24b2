import type { MessageBus } from 'dbus-next'
import type { drivesMethods } from '../../../shared/contract/drives'
import type { HandlerFactory } from '../handlers'
import type { ServiceContext } from '../context'
import path from 'node:path'
import { JobJournal } from './journal'
import { DrivesService } from './service'

export interface DrivesHandlerOptions {
  /** The system bus with fd passing by default ($DBUS_SYSTEM_BUS_ADDRESS from the context env). */
  connect?: () => Promise<MessageBus>
}

/** One service per context: it owns the bus connection and the running write jobs. */
const services = new WeakMap<ServiceContext, DrivesService>()

export function drivesServiceFor(ctx: ServiceContext, opts: DrivesHandlerOptions = {}): DrivesService {
  let s = services.get(ctx)
  if (!s) {
    s = new DrivesService({
      fs: ctx.fs,
      env: ctx.env,
      allowLoop: ctx.test.allowLoopDevices,
      connect: opts.connect,
      // An idle connection is unref'd (it never holds a process open), so the CLI too keeps it
      // between its calls: `hsc write` lists the drives and then writes over one connection.
      idleMs: ctx.transport === 'cli' ? 5_000 : 30_000,
      onProgress: (job) => ctx.events.emit('drives.progress', job),
      journal: new JobJournal(path.join(ctx.stateDir, 'write-jobs')),
      digests: ctx.digests
    })
    services.set(ctx, s)
  }
  return s
}

export function createDrivesHandlers(opts: DrivesHandlerOptions = {}): HandlerFactory<typeof drivesMethods> {
  return (ctx) => {
    const service = drivesServiceFor(ctx, opts)
    // Watches UDisks2 only while some client listens to drives.changed.
    ctx.events.produce('drives.changed', () =>
      service.watch(
        (list) => ctx.events.emit('drives.changed', list),
        () => undefined
      )
    )
    return {
      'drives.list': ({ imageSize }) => service.list(imageSize),
      'drives.image': ({ path }) => service.image(path),
      'drives.write': (input) => service.write(input),
      'drives.jobs': () => service.jobs(),
      'drives.cancel': ({ jobId }) => service.cancel(jobId),
      'drives.eject': ({ device, token, powerOff }) => service.eject(device, powerOff, token),
      'drives.restore': ({ device, token, label }) => service.restore(device, token, label),
      'drives.verify': (input) => service.verifyDrive(input),
      'drives.backup': (input) => service.backup(input)
    }
  }
}

export const drivesHandlers = createDrivesHandlers()
