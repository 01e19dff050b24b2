import { Message, type MessageBus } from 'dbus-next'
import { AppError } from '../../../../shared/contract/errors'
import { withAnswerTimeout } from '../../system/deadline'
import { udisksMissing } from './bus'
import { toObjectTree, UDISKS, IFACE, plain, type ObjectTree } from './tree'

const MANAGER = '/org/freedesktop/UDisks2/Manager'
const ROOT = '/org/freedesktop/UDisks2'
/** D-Bus header flag: the callee may ask the user (polkit prompt) before answering. */
const ALLOW_INTERACTIVE_AUTHORIZATION = 0x4
const SIGNAL = 4

const UNREACHABLE = new Set([
  'org.freedesktop.DBus.Error.ServiceUnknown',
  'org.freedesktop.DBus.Error.NameHasNoOwner',
  'org.freedesktop.DBus.Error.NoServer',
  'org.freedesktop.DBus.Error.Spawn.ServiceNotFound',
  'org.freedesktop.DBus.Error.Spawn.ExecFailed'
])

export interface CallOptions {
  /** Undefined = no timeout (OpenDevice: the polkit prompt may wait minutes for the user). */
  timeoutMs?: number
}

/** dbus-next's DBusError, checked by shape (it is not always the same class instance). */
export interface DBusFailure {
  type: string
  text: string
}

export function asDBusFailure(err: unknown): DBusFailure | undefined {
  if (err && typeof err === 'object' && typeof (err as { type?: unknown }).type === 'string') {
    const e = err as { type: string; text?: unknown; message?: unknown }
    return { type: e.type, text: typeof e.text === 'string' ? e.text : String(e.message ?? '') }
  }
  return undefined
}

export type TreeChange = { kind: 'added' | 'removed' | 'changed'; path: string; interfaces: string[] }

/** Thin UDisks2 client over one system-bus connection: raw messages, no introspection. */
export class UDisksClient {
  private matches = 0
  /** The bus's answer to the match rules of the current watch. */
  private subscribed: Promise<void> = Promise.resolve()
  private readonly listeners = new Set<(c: TreeChange) => void>()
  private readonly onMessage = (msg: Message): void => this.dispatch(msg)

  constructor(readonly bus: MessageBus) {}

  async call(path: string, iface: string, member: string, signature = '', body: unknown[] = [], opts: CallOptions = { timeoutMs: 30_000 }): Promise<unknown[]> {
    const msg = new Message({
      destination: UDISKS,
      path,
      interface: iface,
      member,
      signature,
      body,
      flags: ALLOW_INTERACTIVE_AUTHORIZATION as unknown as Message['flags']
    })
    const reply = this.bus.call(msg)
    const result = opts.timeoutMs === undefined ? reply : withTimeout(reply, opts.timeoutMs, `${iface.split('.').pop()}.${member}`)
    try {
      const r = await result
      return r?.body ?? []
    } catch (err) {
      const f = asDBusFailure(err)
      if (f && UNREACHABLE.has(f.type)) throw udisksMissing(f.text || f.type)
      throw err
    }
  }

  async getManagedObjects(): Promise<ObjectTree> {
    const [objects] = await this.call(ROOT, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects')
    return toObjectTree(objects)
  }

  async version(): Promise<string> {
    const [v] = await this.call(MANAGER, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [IFACE.manager, 'Version'])
    return String(plain(v))
  }

  async getProperties(path: string, iface: string): Promise<Record<string, unknown>> {
    const [props] = await this.call(path, 'org.freedesktop.DBus.Properties', 'GetAll', 's', [iface])
    return plain(props) as Record<string, unknown>
  }

  /** Object added/removed and property changes of UDisks2 objects, for live lists and removal detection. */
  async watch(listener: (c: TreeChange) => void): Promise<() => Promise<void>> {
    this.listeners.add(listener)
    if (this.matches++ === 0) {
      this.bus.on('message', this.onMessage)
      this.subscribed = Promise.all(this.rules().map((r) => this.busCall('AddMatch', r))).then(() => undefined)
    }
    // Every watcher, not only the first, returns once the bus has the rules in place.
    try {
      await this.subscribed
    } catch (err) {
      this.listeners.delete(listener)
      if (--this.matches === 0) this.bus.removeListener('message', this.onMessage)
      throw err
    }
    return async () => {
      if (!this.listeners.delete(listener)) return
      if (--this.matches === 0) {
        this.bus.removeListener('message', this.onMessage)
        // Not awaited: nothing depends on the bus having dropped the rules.
        for (const r of this.rules()) void this.busCall('RemoveMatch', r).catch(() => undefined)
      }
    }
  }

  private rules(): string[] {
    return [
      `type='signal',sender='${UDISKS}',interface='org.freedesktop.DBus.ObjectManager'`,
      `type='signal',sender='${UDISKS}',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'`
    ]
  }

  private async busCall(member: string, rule: string): Promise<void> {
    const msg = new Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member,
      signature: 's',
      body: [rule]
    })
    await withTimeout(this.bus.call(msg), 10_000, member)
  }

  private dispatch(msg: Message): void {
    if ((msg.type as unknown as number) !== SIGNAL) return
    let change: TreeChange | undefined
    if (msg.interface === 'org.freedesktop.DBus.ObjectManager' && msg.path === ROOT) {
      const path = typeof msg.body?.[0] === 'string' ? (msg.body[0] as string) : ''
      const second = msg.body?.[1]
      const interfaces = Array.isArray(second) ? second.map(String) : second && typeof second === 'object' ? Object.keys(second) : []
      if (msg.member === 'InterfacesAdded') change = { kind: 'added', path, interfaces }
      if (msg.member === 'InterfacesRemoved') change = { kind: 'removed', path, interfaces }
    } else if (msg.interface === 'org.freedesktop.DBus.Properties' && msg.member === 'PropertiesChanged' && msg.path?.startsWith(ROOT + '/')) {
      change = { kind: 'changed', path: msg.path, interfaces: typeof msg.body?.[0] === 'string' ? [msg.body[0] as string] : [] }
    }
    if (!change) return
    for (const l of this.listeners) l(change)
  }
}

/**
 * A guard, not work: an awaited call keeps the process alive through its (ref'd) bus socket,
 * and a fire-and-forget RemoveMatch on a bus the CLI already closed must not hold `hsc` open for 10 s.
 */
const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  withAnswerTimeout(p, ms, () => new AppError('UDisksTimeout', `UDisks2 did not answer ${what} within ${Math.round(ms / 1000)} s.`, { stage: what }), {
    unref: true
  })
