import { DBusError, interface as dbusInterface, sessionBus, type Message, type MessageBus } from 'dbus-next'

/*
 * A STAND-IN for org.freedesktop.systemd1 (no systemd runs as PID 1 on the test machines).
 * It exports the Manager methods the app calls on a private bus, records every call with
 * the header flags as they arrived through dbus-daemon, queues "jobs" that finish with a
 * JobRemoved signal, and can be told to fail a method with a given D-Bus error.
 */

const MANAGER = 'org.freedesktop.systemd1.Manager'

export interface RecordedCall {
  member: string
  body: unknown[]
  flags: number
}

interface UnitRecord {
  LoadState: string
  ActiveState: string
  SubState: string
  UnitFileState: string
}

export interface StandInControls {
  /** member → D-Bus error name to reply with (text is systemd's usual wording). */
  failWith: Map<string, string>
  /** unit → JobRemoved result for its next jobs ("done" when unset). */
  jobResult: Map<string, string>
  /** Emit JobRemoved before the method reply (a job that finishes instantly). */
  signalBeforeReply: boolean
  /** Delay between the reply and JobRemoved. */
  jobDelayMs: number
  /** When false, a started unit stays inactive (a failed start condition). */
  startMakesActive: boolean
  /** The manager's Tainted property (colon-separated flags, as systemd's taint.c joins them). */
  tainted: string
}

class StandInUnit extends dbusInterface.Interface {
  constructor(private readonly rec: UnitRecord) {
    super('org.freedesktop.systemd1.Unit')
  }
  get LoadState(): string {
    return this.rec.LoadState
  }
  get ActiveState(): string {
    return this.rec.ActiveState
  }
  get SubState(): string {
    return this.rec.SubState
  }
  get UnitFileState(): string {
    return this.rec.UnitFileState
  }
}
StandInUnit.configureMembers({
  properties: {
    LoadState: { signature: 's', access: 'read' },
    ActiveState: { signature: 's', access: 'read' },
    SubState: { signature: 's', access: 'read' },
    UnitFileState: { signature: 's', access: 'read' }
  }
})

function escapeUnit(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

class StandInManager extends dbusInterface.Interface {
  private jobId = 0
  constructor(private readonly standIn: SystemdStandIn) {
    super(MANAGER)
  }
  get Tainted(): string {
    return this.standIn.controls.tainted
  }

  private guard(member: string): void {
    const err = this.standIn.controls.failWith.get(member)
    if (!err) return
    const text = err.endsWith('InteractiveAuthorizationRequired') ? 'Interactive authentication required.' : 'Access denied'
    throw new DBusError(err, text)
  }

  private job(unit: string, apply: (r: UnitRecord, ok: boolean) => void): string {
    const id = ++this.jobId
    const path = `/org/freedesktop/systemd1/job/${id}`
    const result = this.standIn.controls.jobResult.get(unit) ?? 'done'
    const finish = (): void => {
      const rec = this.standIn.unit(unit)
      apply(rec, result === 'done')
      this.JobRemoved(id, path, unit, result)
    }
    if (this.standIn.controls.signalBeforeReply) finish()
    else this.standIn.timers.add(setTimeout(finish, this.standIn.controls.jobDelayMs))
    return path
  }

  Subscribe(): void {
    this.standIn.subscribed = true
  }
  GetUnitFileState(file: string): string {
    this.guard('GetUnitFileState')
    return this.standIn.unit(file).UnitFileState
  }
  LoadUnit(name: string): string {
    this.guard('LoadUnit')
    this.standIn.unit(name)
    return `/org/freedesktop/systemd1/unit/${escapeUnit(name)}`
  }
  EnableUnitFiles(files: string[], _runtime: boolean, _force: boolean): [boolean, Array<[string, string, string]>] {
    this.guard('EnableUnitFiles')
    for (const f of files) this.standIn.unit(f).UnitFileState = 'enabled'
    return [true, files.map((f): [string, string, string] => ['symlink', `/etc/systemd/system/x.wants/${f}`, `/usr/lib/systemd/system/${f}`])]
  }
  DisableUnitFiles(files: string[], _runtime: boolean): Array<[string, string, string]> {
    this.guard('DisableUnitFiles')
    for (const f of files) this.standIn.unit(f).UnitFileState = 'disabled'
    return files.map((f): [string, string, string] => ['unlink', `/etc/systemd/system/x.wants/${f}`, ''])
  }
  Reload(): void {
    this.guard('Reload')
  }
  StartUnit(name: string, _mode: string): string {
    this.guard('StartUnit')
    return this.job(name, (r, ok) => {
      const active = ok && this.standIn.controls.startMakesActive
      r.ActiveState = active ? 'active' : ok ? 'inactive' : 'failed'
      r.SubState = active ? 'running' : ok ? 'dead' : 'failed'
    })
  }
  StopUnit(name: string, _mode: string): string {
    this.guard('StopUnit')
    return this.job(name, (r) => {
      r.ActiveState = 'inactive'
      r.SubState = 'dead'
    })
  }
  RestartUnit(name: string, _mode: string): string {
    this.guard('RestartUnit')
    return this.job(name, (r, ok) => {
      r.ActiveState = ok ? 'active' : 'failed'
      r.SubState = ok ? 'running' : 'failed'
    })
  }
  JobRemoved(id: number, job: string, unit: string, result: string): [number, string, string, string] {
    return [id, job, unit, result]
  }
}
StandInManager.configureMembers({
  methods: {
    Subscribe: {},
    GetUnitFileState: { inSignature: 's', outSignature: 's' },
    LoadUnit: { inSignature: 's', outSignature: 'o' },
    EnableUnitFiles: { inSignature: 'asbb', outSignature: 'ba(sss)' },
    DisableUnitFiles: { inSignature: 'asb', outSignature: 'a(sss)' },
    Reload: {},
    StartUnit: { inSignature: 'ss', outSignature: 'o' },
    StopUnit: { inSignature: 'ss', outSignature: 'o' },
    RestartUnit: { inSignature: 'ss', outSignature: 'o' }
  },
  signals: { JobRemoved: { signature: 'uoss' } },
  properties: { Tainted: { signature: 's', access: 'read' } }
})

export class SystemdStandIn {
  readonly calls: RecordedCall[] = []
  readonly controls: StandInControls = {
    failWith: new Map(),
    jobResult: new Map(),
    signalBeforeReply: false,
    jobDelayMs: 20,
    startMakesActive: true,
    tainted: ''
  }
  subscribed = false
  /** Pending job completions, cleared on stop so nothing is sent on a closed bus. */
  readonly timers = new Set<NodeJS.Timeout>()
  private readonly units = new Map<string, UnitRecord>()
  private constructor(readonly bus: MessageBus) {}

  static async start(address: string): Promise<SystemdStandIn> {
    const bus = sessionBus({ busAddress: address })
    const standIn = new SystemdStandIn(bus)
    bus.addMethodHandler((msg: Message) => {
      // Runs before the exported interface handles the call: sees the raw header flags.
      if (msg.interface === MANAGER) standIn.calls.push({ member: msg.member, body: msg.body, flags: msg.flags })
      return false
    })
    bus.export('/org/freedesktop/systemd1', new StandInManager(standIn))
    await bus.requestName('org.freedesktop.systemd1', 0)
    return standIn
  }

  /** The unit's record, created (and exported) on first use like a loaded unit. */
  unit(name: string): UnitRecord {
    let rec = this.units.get(name)
    if (!rec) {
      rec = { LoadState: 'loaded', ActiveState: 'inactive', SubState: 'dead', UnitFileState: 'disabled' }
      this.units.set(name, rec)
      this.bus.export(`/org/freedesktop/systemd1/unit/${escapeUnit(name)}`, new StandInUnit(rec))
    }
    return rec
  }

  members(): string[] {
    return this.calls.map((c) => c.member)
  }

  reset(): void {
    this.calls.length = 0
    this.controls.failWith.clear()
    this.controls.jobResult.clear()
    this.controls.signalBeforeReply = false
    this.controls.jobDelayMs = 20
    this.controls.startMakesActive = true
    this.controls.tainted = ''
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t)
    this.bus.on('error', () => undefined)
    this.bus.disconnect()
  }
}
