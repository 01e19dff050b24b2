import type { oomdMethods } from '../../../shared/contract/oomd'
import type { HandlerFactory } from '../handlers'
import { managerMayAnswer } from '../systemd/booted'
import { systemBusConnector, type BusConnector } from '../systemd/connect'
import { startPressureSampler } from './pressure'
import { oomdStatus } from './status'
import { resetThresholds, setThresholds, type PrivilegedFiles } from './thresholds'
import { disableOomd, enableOomd } from './toggle'

export interface OomdHandlerOptions {
  /** The system bus by default ($DBUS_SYSTEM_BUS_ADDRESS from the context env, else the standard socket). */
  connect?: BusConnector
  /** The privileged runner's config writer by default. */
  files?: PrivilegedFiles
  /** Sampling period of the oomd.pressure event. */
  pressureIntervalMs?: number
}

export function createOomdHandlers(opts: OomdHandlerOptions = {}): HandlerFactory<typeof oomdMethods> {
  return (ctx) => {
    const connect = opts.connect ?? systemBusConnector(ctx.env)
    const files: PrivilegedFiles = opts.files ?? {
      // The terminal service (runner, sessions, node-pty's loader) loads with the first change, not with a status read.
      writeConfigFile: async (p, c) => (await import('../terminal')).configWriterFor(ctx).write(p, c),
      removeFile: async (p) => (await import('../terminal')).configWriterFor(ctx).remove(p)
    }
    // Samples /proc/pressure/memory only while some client listens to oomd.pressure.
    ctx.events.produce('oomd.pressure', () => startPressureSampler(ctx.fs, (s) => ctx.events.emit('oomd.pressure', s), opts.pressureIntervalMs ?? 2000))
    // A connector given by the caller is always asked.
    const mayAnswer = opts.connect ? undefined : managerMayAnswer(ctx.env, ctx.fs)
    return {
      'oomd.status': ({ root }) => oomdStatus({ fs: ctx.rootFs(root), run: ctx.run, connect, answers: ctx.answers, env: ctx.env, managerMayAnswer: mayAnswer }),
      'oomd.enable': () => enableOomd({ fs: ctx.fs, run: ctx.run, connect }),
      'oomd.disable': () => disableOomd({ fs: ctx.fs, run: ctx.run, connect }),
      'oomd.setThresholds': ({ values }) => setThresholds({ fs: ctx.fs, files, connect }, values),
      'oomd.reset': () => resetThresholds({ fs: ctx.fs, files, connect })
    }
  }
}

export const oomdHandlers = createOomdHandlers()
