import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { OOMD_SERVICE, OOMD_SOCKET, OOMD_THRESHOLDS_FILE } from '../../src/shared/contract/oomd'
import { createRootFs, type RootFs } from '../../src/main/services/system/rootfs'
import { runCommand, type CommandRunner } from '../../src/main/services/system/command'
import { connectBus } from '../../src/main/services/systemd/connect'
import { ALLOW_INTERACTIVE_AUTHORIZATION, SystemdClient } from '../../src/main/services/systemd/client'
import { parseSystemctlShow } from '../../src/main/services/systemd/systemctl'
import { disableOomd, enableOomd } from '../../src/main/services/oomd/toggle'
import { readOomdState } from '../../src/main/services/oomd/state'
import { setThresholds } from '../../src/main/services/oomd/thresholds'
import { directFiles } from './direct-files'
import { hasDbusDaemon, startPrivateDbus, type PrivateBus } from '../support/private-dbus'
import { SystemdStandIn } from './systemd-stand-in'
import { makeTree } from './tree'

const PSI = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'
const PRIVILEGED = ['EnableUnitFiles', 'DisableUnitFiles', 'Reload', 'StartUnit', 'StopUnit', 'RestartUnit']

let bus: PrivateBus
let emptyBus: PrivateBus
let standIn: SystemdStandIn
let machine: { root: string; cleanup(): void }
let fs: RootFs

/**
 * A tree where every oomd requirement holds, presented as the live system so the D-Bus
 * code paths run (the real machine has a hybrid hierarchy and would be refused first).
 */
function goodMachine(): { root: string; cleanup(): void } {
  return makeTree({
    '/proc/self/mountinfo': '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n',
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
    '/proc/pressure/memory': PSI,
    '/proc/pressure/cpu': PSI,
    '/proc/pressure/io': PSI,
    '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t8388604\t\t0\t\t100\n',
    '/usr/lib/systemd/system/systemd-oomd.service': '[Unit]\nDescription=Userspace Out-Of-Memory (OOM) Killer\n',
    '/usr/lib/systemd/system/systemd-oomd.socket': '[Socket]\nListenStream=/run/systemd/oom/io.systemd.ManagedOOM\n'
  })
}

function privileged(): Array<{ member: string; flags: number }> {
  return standIn.calls.filter((c) => PRIVILEGED.includes(c.member)).map((c) => ({ member: c.member, flags: c.flags }))
}

const connect = () => connectBus({ address: bus.address })
const fast = { jobTimeoutMs: 2000 }

describe.skipIf(!hasDbusDaemon)('systemd1 D-Bus client against a STAND-IN org.freedesktop.systemd1 on a private dbus-daemon', () => {
  beforeAll(async () => {
    bus = await startPrivateDbus()
    emptyBus = await startPrivateDbus()
    standIn = await SystemdStandIn.start(bus.address)
    machine = goodMachine()
    fs = { ...createRootFs(machine.root), isLive: true }
  })
  afterAll(async () => {
    standIn?.stop()
    await bus?.stop()
    await emptyBus?.stop()
    machine?.cleanup()
  })
  beforeEach(() => {
    standIn.reset()
    standIn.unit(OOMD_SERVICE).ActiveState = 'inactive'
    standIn.unit(OOMD_SERVICE).UnitFileState = 'disabled'
  })

  it('enable: EnableUnitFiles([socket, service], false, true) → Reload → StartUnit, all with the interactive flag, reads back via D-Bus', async () => {
    standIn.controls.jobDelayMs = 300
    const r = await enableOomd({ fs, run: runCommand, connect, clientOptions: fast })
    expect(r.steps).toEqual([`EnableUnitFiles(${OOMD_SOCKET}, ${OOMD_SERVICE})`, 'Reload', `StartUnit(${OOMD_SERVICE})`])
    expect(privileged()).toEqual([
      { member: 'EnableUnitFiles', flags: ALLOW_INTERACTIVE_AUTHORIZATION },
      { member: 'Reload', flags: ALLOW_INTERACTIVE_AUTHORIZATION },
      { member: 'StartUnit', flags: ALLOW_INTERACTIVE_AUTHORIZATION }
    ])
    expect(standIn.calls.find((c) => c.member === 'EnableUnitFiles')?.body).toEqual([[OOMD_SOCKET, OOMD_SERVICE], false, true])
    expect(standIn.calls.find((c) => c.member === 'StartUnit')?.body).toEqual([OOMD_SERVICE, 'replace'])
    // Reads carry no interactive flag: only state changes may prompt.
    expect(standIn.calls.filter((c) => c.member === 'LoadUnit').every((c) => (c.flags & ALLOW_INTERACTIVE_AUTHORIZATION) === 0)).toBe(true)
    expect(standIn.subscribed).toBe(true)
    // The stand-in turns the unit active only when the job ends (300 ms after the reply):
    // an "active" state here means enable waited for JobRemoved.
    expect(r.state).toMatchObject({ source: 'dbus', enabled: true, active: true, service: { activeState: 'active', subState: 'running' } })
  })

  it('disable: StopUnit(service) → StopUnit(socket) → DisableUnitFiles → Reload', async () => {
    standIn.unit(OOMD_SERVICE).ActiveState = 'active'
    standIn.unit(OOMD_SERVICE).UnitFileState = 'enabled'
    const r = await disableOomd({ fs, run: runCommand, connect, clientOptions: fast })
    expect(privileged().map((c) => c.member)).toEqual(['StopUnit', 'StopUnit', 'DisableUnitFiles', 'Reload'])
    expect(privileged().every((c) => c.flags === ALLOW_INTERACTIVE_AUTHORIZATION)).toBe(true)
    expect(standIn.calls.filter((c) => c.member === 'StopUnit').map((c) => c.body[0])).toEqual([OOMD_SERVICE, OOMD_SOCKET])
    expect(r.state).toMatchObject({ source: 'dbus', enabled: false, active: false })
  })

  it('job waiting: a JobRemoved sent before the StartUnit reply is not missed', async () => {
    standIn.controls.signalBeforeReply = true
    const b = await connect()
    const c = new SystemdClient(b, { jobTimeoutMs: 1000 })
    try {
      const job = await c.startUnit(OOMD_SERVICE)
      expect(job).toMatchObject({ unit: OOMD_SERVICE, result: 'done' })
      expect(job.job).toMatch(/^\/org\/freedesktop\/systemd1\/job\/\d+$/)
    } finally {
      c.close()
      b.disconnect()
    }
  })

  it('job waiting: a failed job and a job that never ends become clear errors', async () => {
    const b = await connect()
    const c = new SystemdClient(b, { jobTimeoutMs: 400 })
    try {
      standIn.controls.jobResult.set(OOMD_SERVICE, 'failed')
      const failed = await c.startUnit(OOMD_SERVICE).catch((e: unknown) => e)
      expect(failed).toBeInstanceOf(AppError)
      expect((failed as AppError).name).toBe('JobFailed')
      expect((failed as AppError).message).toMatch(/start systemd-oomd.service.*"failed"/)
      expect((failed as AppError).hint).toMatch(/journalctl -u systemd-oomd.service/)

      standIn.controls.jobResult.clear()
      standIn.controls.jobDelayMs = 3000
      const slow = await c.restartUnit(OOMD_SERVICE).catch((e: unknown) => e)
      expect((slow as AppError).name).toBe('JobTimeout')
    } finally {
      c.close()
      b.disconnect()
    }
  })

  const declined: Array<[string, string, 'enable' | 'disable', RegExp]> = [
    ['EnableUnitFiles', 'org.freedesktop.DBus.Error.AccessDenied', 'enable', /Authorization declined: not allowed to enable/],
    ['EnableUnitFiles', 'org.freedesktop.systemd1.NotAuthorized', 'enable', /Authorization declined/],
    ['StartUnit', 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired', 'enable', /no authentication agent/],
    ['StopUnit', 'org.freedesktop.DBus.Error.AccessDenied', 'disable', /not allowed to stop systemd-oomd.service/]
  ]
  for (const [member, errorName, action, message] of declined) {
    it(`${action}: ${errorName.split('.').pop()} on ${member} → AuthorizationDeclined, later steps not called`, async () => {
      standIn.controls.failWith.set(member, errorName)
      const run = action === 'enable' ? enableOomd : disableOomd
      const err = await run({ fs, run: runCommand, connect, clientOptions: fast }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AppError)
      expect((err as AppError).name).toBe('AuthorizationDeclined')
      expect((err as AppError).message).toMatch(message)
      expect((err as AppError).stage).toBe(member)
      const members = privileged().map((c) => c.member)
      expect(members[members.length - 1]).toBe(member)
    })
  }

  it('enable reports a unit whose start job ends but that does not become active', async () => {
    standIn.controls.startMakesActive = false
    const err = await enableOomd({ fs, run: runCommand, connect, clientOptions: fast }).catch((e: unknown) => e)
    expect((err as AppError).name).toBe('NotRunning')
  })

  it('thresholds: a running service is restarted (with the flag), a stopped one is left alone', async () => {
    const deps = { fs, files: directFiles(fs), connect, clientOptions: fast }
    standIn.unit(OOMD_SERVICE).ActiveState = 'active'
    const r = await setThresholds(deps, { DefaultMemoryPressureLimit: '55%' })
    expect(r.restart).toBe('restarted')
    expect(privileged()).toEqual([{ member: 'RestartUnit', flags: ALLOW_INTERACTIVE_AUTHORIZATION }])

    standIn.reset()
    standIn.unit(OOMD_SERVICE).ActiveState = 'inactive'
    expect((await setThresholds(deps, { SwapUsedLimit: '80%' })).restart).toBe('not-running')
    expect(privileged()).toEqual([])

    standIn.unit(OOMD_SERVICE).ActiveState = 'active'
    standIn.controls.failWith.set('RestartUnit', 'org.freedesktop.DBus.Error.AccessDenied')
    const err = await setThresholds(deps, { SwapUsedLimit: '81%' }).catch((e: unknown) => e)
    expect((err as AppError).name).toBe('AuthorizationDeclined')
    expect((err as AppError).message).toContain(`written to ${OOMD_THRESHOLDS_FILE}, but systemd-oomd was not restarted`)
  })

  it('a bus without systemd: state falls back to systemctl, enable says systemd is unavailable', async () => {
    const argvs: string[] = []
    const run: CommandRunner = (argv, opts) => {
      argvs.push(argv.join(' '))
      return runCommand(argv, opts)
    }
    const noManager = () => connectBus({ address: emptyBus.address })
    const st = await readOomdState({ fs, run, connect: noManager })
    expect(argvs[0]).toBe(`systemctl show -p Id,LoadState,ActiveState,SubState,UnitFileState ${OOMD_SERVICE} ${OOMD_SOCKET}`)
    expect(['systemctl', 'unit-files', 'unavailable']).toContain(st.source)
    expect(st.note).toMatch(/org\.freedesktop\.systemd1 has no owner/)

    const err = await enableOomd({ fs, run, connect: noManager }).catch((e: unknown) => e)
    expect((err as AppError).name).toBe('SystemdUnavailable')
    const gone = await enableOomd({ fs, run, connect: () => connectBus({ address: 'unix:path=/nonexistent/bus', timeoutMs: 500 }) }).catch((e: unknown) => e)
    expect((gone as AppError).name).toBe('SystemdUnavailable')
  })
})

describe('systemctl show parsing', () => {
  it('splits blocks per unit and keeps values with "=" intact', () => {
    const blocks = parseSystemctlShow('Id=a.service\nLoadState=loaded\nExecStart=x=y\n\nId=b.socket\nActiveState=active\n')
    expect(blocks).toEqual([
      { Id: 'a.service', LoadState: 'loaded', ExecStart: 'x=y' },
      { Id: 'b.socket', ActiveState: 'active' }
    ])
  })
})
