import { AppError } from '../../../shared/contract/errors'
import { OOMD_SERVICE, OOMD_SOCKET } from '../../../shared/contract/oomd-keys'
import type { OomdState, OomdUnitState } from '../../../shared/contract/oomd'
import type { CommandRunner } from '../system/command'
import type { RootFs } from '../system/rootfs'
import type { AnswerCache } from '../system/facts/answer-cache'
import type { BusConnector } from '../systemd/connect'
import { withSystemd } from '../systemd/session'
import { keptUnitFileStates } from '../systemd/kept-unit-file-states'
import { systemctlIsEnabledAll, systemctlShow } from '../systemd/systemctl'

export interface StateDeps {
  fs: RootFs
  run: CommandRunner
  connect: BusConnector
  /** Kept program answers (systemctl --version), so a status starts no version program twice. */
  answers?: AnswerCache
  /**
   * Whether a systemd manager can answer at all (sd_booted). When it says no, the bus and
   * `systemctl show` are not asked. Absent: always ask (a chosen bus, tests' stand-ins).
   */
  managerMayAnswer?: () => Promise<boolean>
  /**
   * The environment systemctl runs with. Given with `answers`, unit-file states of the live
   * system (no manager running) are kept between processes; SYSTEMD_UNIT_PATH in it means
   * other unit directories, so nothing is kept then.
   */
  env?: Readonly<Record<string, string | undefined>>
}

const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias', 'linked', 'linked-runtime'])

function build(source: OomdState['source'], service: OomdUnitState, socket: OomdUnitState, note?: string): OomdState {
  const state: OomdState = {
    source,
    service,
    socket,
    enabled: ENABLED.has(service.unitFileState),
    active: service.activeState === 'active'
  }
  if (note) state.note = note
  return state
}

function fileOnly(unit: string, unitFileState: string, activeState: string): OomdUnitState {
  return { unit, loadState: unitFileState === 'not-found' ? 'not-found' : 'unknown', activeState, subState: activeState, unitFileState }
}

/** Unit-file states only, via systemctl's offline mode (works without a running manager). */
async function fromUnitFiles(deps: StateDeps, root: string | undefined, source: 'unit-files' | 'offline-root', note: string): Promise<OomdState> {
  const units = [OOMD_SERVICE, OOMD_SOCKET]
  const ask = () => systemctlIsEnabledAll(deps.run, units, root)
  const { answers, env } = deps
  const [svc, sock] =
    root === undefined && answers && env && env.SYSTEMD_UNIT_PATH === undefined ? await keptUnitFileStates({ units, answers, unitRoot: '/', ask }) : await ask()
  if (!svc.state || !sock.state) {
    const err = svc.error ?? sock.error ?? 'unknown error'
    const unknown = (u: string): OomdUnitState => fileOnly(u, 'unknown', 'unknown')
    return build('unavailable', unknown(OOMD_SERVICE), unknown(OOMD_SOCKET), `${note}; systemctl is-enabled failed: ${err}`)
  }
  const active = source === 'offline-root' ? 'n/a' : 'unknown'
  return build(source, fileOnly(OOMD_SERVICE, svc.state, active), fileOnly(OOMD_SOCKET, sock.state, active), note)
}

/**
 * Unit states of systemd-oomd: from systemd1 over D-Bus, else `systemctl show`, else the
 * unit files alone. On an offline root only the unit files mean anything.
 */
export async function readOomdState(deps: StateDeps): Promise<OomdState> {
  if (!deps.fs.isLive) return fromUnitFiles(deps, deps.fs.root, 'offline-root', 'offline root: enablement from the unit files, nothing is running')
  if (deps.managerMayAnswer && !(await deps.managerMayAnswer()))
    return fromUnitFiles(deps, undefined, 'unit-files', "systemd is not running as this system's init (no /run/systemd/system); showing unit-file state only")
  let busWhy: string
  try {
    return await withSystemd(deps.connect, async (client) => {
      const [service, socket] = await Promise.all([client.getUnitState(OOMD_SERVICE), client.getUnitState(OOMD_SOCKET)])
      return build('dbus', service, socket)
    })
  } catch (err) {
    busWhy = (err instanceof AppError || err instanceof Error ? err.message : String(err)).replace(/\.$/, '')
  }
  const shown = await systemctlShow(deps.run, [OOMD_SERVICE, OOMD_SOCKET])
  if (shown.states) {
    const [service, socket] = shown.states
    return build('systemctl', service, socket, `read with systemctl show (${busWhy})`)
  }
  return fromUnitFiles(
    deps,
    undefined,
    'unit-files',
    `no systemd manager answered (${busWhy}; systemctl show: ${shown.error ?? 'no output'}); showing unit-file state only`
  )
}
