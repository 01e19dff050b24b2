import { Message, MessageType, type MessageBus, type MessageFlag } from 'dbus-next'
import { mapSystemdError } from './errors'
import { JobWatcher, type JobResult } from './jobs'
import { withAnswerTimeout } from '../system/deadline'

export const SYSTEMD_BUS_NAME = 'org.freedesktop.systemd1'
export const SYSTEMD_PATH = '/org/freedesktop/systemd1'
export const MANAGER_IFACE = 'org.freedesktop.systemd1.Manager'
const UNIT_IFACE = 'org.freedesktop.systemd1.Unit'
const PROPS_IFACE = 'org.freedesktop.DBus.Properties'

/**
 * D-Bus header flag ALLOW_INTERACTIVE_AUTHORIZATION: tells systemd it may hold the call
 * while polkit asks the user, instead of failing with InteractiveAuthorizationRequired.
 */
export const ALLOW_INTERACTIVE_AUTHORIZATION = 0x4

export interface UnitRuntimeState {
  unit: string
  loadState: string
  activeState: string
  subState: string
  unitFileState: string
}

/** One entry of the a(sss) change list: (type, symlink file, destination). */
export interface UnitFileChange {
  type: string
  file: string
  destination: string
}

export interface SystemdClientOptions {
  /** Set the interactive-authorization flag on state-changing calls (default true). */
  interactive?: boolean
  /** How long to wait for a queued job to finish (default 90 s, systemd's default start timeout). */
  jobTimeoutMs?: number
  /** How long one call may take; long because a polkit prompt waits for a person (default 5 min). */
  callTimeoutMs?: number
}

export type JobMode = 'replace' | 'fail' | 'isolate' | 'ignore-dependencies' | 'ignore-requirements'

/** A small client for org.freedesktop.systemd1.Manager over an already connected bus. */
export class SystemdClient {
  private readonly interactive: boolean
  private readonly jobTimeoutMs: number
  private readonly callTimeoutMs: number
  private readonly jobs: JobWatcher

  constructor(
    private readonly bus: MessageBus,
    opts: SystemdClientOptions = {}
  ) {
    this.interactive = opts.interactive ?? true
    this.jobTimeoutMs = opts.jobTimeoutMs ?? 90_000
    this.callTimeoutMs = opts.callTimeoutMs ?? 300_000
    this.jobs = new JobWatcher(bus)
  }

  /** True when a systemd manager owns its name on this bus. */
  async isAvailable(): Promise<boolean> {
    const reply = await this.raw('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'NameHasOwner', 's', [SYSTEMD_BUS_NAME], false)
    return reply.body[0] === true
  }

  async getUnitFileState(file: string): Promise<string> {
    const reply = await this.manager('GetUnitFileState', 's', [file], false, `read the unit file state of ${file}`)
    return String(reply.body[0])
  }

  /** One property of the manager object itself (e.g. "Tainted", "Version"). */
  async getManagerProperty(name: string): Promise<unknown> {
    try {
      const reply = await this.raw(SYSTEMD_BUS_NAME, SYSTEMD_PATH, PROPS_IFACE, 'Get', 'ss', [MANAGER_IFACE, name], false)
      const v = reply.body[0] as { value: unknown } | undefined
      return v?.value
    } catch (err) {
      throw mapSystemdError(err, `read the manager property ${name}`, 'Properties.Get')
    }
  }

  /** LoadUnit + Properties.GetAll: works for units that are not loaded yet. */
  async getUnitState(unit: string): Promise<UnitRuntimeState> {
    const loaded = await this.manager('LoadUnit', 's', [unit], false, `load ${unit}`)
    const path = String(loaded.body[0])
    let props: Record<string, { value: unknown }>
    try {
      const reply = await this.raw(SYSTEMD_BUS_NAME, path, PROPS_IFACE, 'GetAll', 's', [UNIT_IFACE], false)
      props = reply.body[0] as Record<string, { value: unknown }>
    } catch (err) {
      throw mapSystemdError(err, `read the state of ${unit}`, 'Properties.GetAll')
    }
    const str = (k: string): string => (props[k] && typeof props[k].value === 'string' ? (props[k].value as string) : 'unknown')
    return { unit, loadState: str('LoadState'), activeState: str('ActiveState'), subState: str('SubState'), unitFileState: str('UnitFileState') }
  }

  async enableUnitFiles(files: string[], runtime = false, force = true): Promise<{ carriesInstallInfo: boolean; changes: UnitFileChange[] }> {
    const reply = await this.manager('EnableUnitFiles', 'asbb', [files, runtime, force], true, `enable ${files.join(', ')}`)
    return { carriesInstallInfo: reply.body[0] === true, changes: toChanges(reply.body[1]) }
  }

  async disableUnitFiles(files: string[], runtime = false): Promise<UnitFileChange[]> {
    const reply = await this.manager('DisableUnitFiles', 'asb', [files, runtime], true, `disable ${files.join(', ')}`)
    return toChanges(reply.body[0])
  }

  /** daemon-reload: makes the manager see changed unit files. */
  async reload(): Promise<void> {
    await this.manager('Reload', '', [], true, 'reload the systemd configuration')
  }

  startUnit(unit: string, mode: JobMode = 'replace'): Promise<JobResult> {
    return this.runJob('StartUnit', unit, mode, `start ${unit}`)
  }

  stopUnit(unit: string, mode: JobMode = 'replace'): Promise<JobResult> {
    return this.runJob('StopUnit', unit, mode, `stop ${unit}`)
  }

  restartUnit(unit: string, mode: JobMode = 'replace'): Promise<JobResult> {
    return this.runJob('RestartUnit', unit, mode, `restart ${unit}`)
  }

  /** Stops listening for job signals; the bus itself belongs to the caller. */
  close(): void {
    this.jobs.close()
  }

  /**
   * Queues a job and waits for its JobRemoved signal. The watcher listens before the call
   * is sent, so a job that finishes before the reply arrives is not missed.
   */
  private async runJob(member: 'StartUnit' | 'StopUnit' | 'RestartUnit', unit: string, mode: JobMode, what: string): Promise<JobResult> {
    await this.jobs.ready()
    const reply = await this.manager(member, 'ss', [unit, mode], true, what)
    const job = String(reply.body[0])
    const result = await this.jobs.waitFor(job, this.jobTimeoutMs, what)
    return result
  }

  private async manager(member: string, signature: string, body: unknown[], privileged: boolean, what: string): Promise<Message> {
    try {
      return await this.raw(SYSTEMD_BUS_NAME, SYSTEMD_PATH, MANAGER_IFACE, member, signature, body, privileged && this.interactive)
    } catch (err) {
      throw mapSystemdError(err, what, member)
    }
  }

  private raw(destination: string, path: string, iface: string, member: string, signature: string, body: unknown[], interactive: boolean): Promise<Message> {
    const msg = new Message({
      type: MessageType.METHOD_CALL,
      destination,
      path,
      interface: iface,
      member,
      signature: signature || undefined,
      body,
      // dbus-next's typings only list flags 1 and 2; the wire format takes any header flag.
      flags: (interactive ? ALLOW_INTERACTIVE_AUTHORIZATION : 0) as MessageFlag
    })
    return withAnswerTimeout(this.bus.call(msg), this.callTimeoutMs, () => {
      const err = Object.assign(new Error(`${member}: no reply within ${Math.round(this.callTimeoutMs / 1000)} s`), {
        type: 'org.freedesktop.DBus.Error.NoReply',
        text: `no reply within ${Math.round(this.callTimeoutMs / 1000)} s`
      })
      return err
    }).then((reply) => {
      if (!reply) throw new Error(`${member}: empty reply`)
      return reply
    })
  }
}

function toChanges(raw: unknown): UnitFileChange[] {
  if (!Array.isArray(raw)) return []
  return raw.map((c) => {
    const [type, file, destination] = Array.isArray(c) ? c : []
    return { type: String(type), file: String(file), destination: String(destination) }
  })
}
