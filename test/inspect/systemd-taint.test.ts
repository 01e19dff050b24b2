import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand } from '../../src/main/services/system/command'
import { connectBus } from '../../src/main/services/systemd/connect'
import { Facts } from '../../src/main/services/inspect/facts'
import { systemdTaintChecks } from '../../src/main/services/inspect/checks/systemd-taint'
import { hasDbusDaemon, startPrivateDbus, type PrivateBus } from '../support/private-dbus'
import { SystemdStandIn } from '../oomd/systemd-stand-in'
import { makeRoot } from './fixture-root'

/**
 * systemd.taint reads Manager.Tainted over D-Bus. No systemd runs as PID 1 here, so the
 * manager is the STAND-IN from test/oomd on a private dbus-daemon (a real bus, a stand-in
 * manager); the live run is in live-operator.test.ts.
 */
describe.skipIf(!hasDbusDaemon)('systemd taint flags over D-Bus (STAND-IN manager on a private dbus-daemon)', () => {
  let bus: PrivateBus
  let empty: PrivateBus
  let standIn: SystemdStandIn
  beforeAll(async () => {
    bus = await startPrivateDbus()
    empty = await startPrivateDbus()
    standIn = await SystemdStandIn.start(bus.address)
  })
  afterAll(async () => {
    standIn?.stop()
    await bus?.stop()
    await empty?.stop()
  })
  // A root where sd_booted() holds (/run/systemd/system exists), read as if it were the live one.
  const booted = makeRoot({ '/run/systemd/system/.keep': '' })
  afterAll(() => booted.cleanup())
  let connects = 0
  const facts = (address: string, root = booted.root) =>
    new Facts({
      fs: { ...createRootFs(root), isLive: true },
      run: runCommand,
      connect: () => {
        connects++
        return connectBus({ address, timeoutMs: 1000 })
      }
    })

  it('flags become a warning that explains each one', async () => {
    standIn.controls.tainted = 'cgroupsv1:unmerged-usr:local-hwclock'
    const [c] = await systemdTaintChecks(facts(bus.address))
    expect(c).toMatchObject({ id: 'systemd.taint', status: 'warn', details: { flags: ['cgroupsv1', 'unmerged-usr', 'local-hwclock'] } })
    expect(c.value).toMatch(/cgroupsv1 \(booted with cgroup v1/)
    expect(c.remedy?.text).toMatch(/unified hierarchy/)
  })

  it('an empty property is "not tainted"', async () => {
    standIn.controls.tainted = ''
    const [c] = await systemdTaintChecks(facts(bus.address))
    expect(c).toMatchObject({ status: 'ok', value: 'not tainted', details: { flags: [] } })
  })

  it('not booted with systemd (no /run/systemd/system): unknown with the reason, without touching the bus', async () => {
    const bare = makeRoot({ '/etc/hostname': 'x\n' })
    try {
      const before = connects
      const [c] = await systemdTaintChecks(facts(bus.address, bare.root))
      expect(c).toMatchObject({ status: 'unknown', value: 'no systemd manager reachable: not booted with systemd (no /run/systemd/system)' })
      expect(connects).toBe(before)
    } finally {
      bare.cleanup()
    }
  })

  it('a bus without a manager is unknown with the reason', async () => {
    const [c] = await systemdTaintChecks(facts(empty.address))
    expect(c.status).toBe('unknown')
    expect(c.value).toMatch(/no systemd manager reachable: .*org\.freedesktop\.systemd1 has no owner/)
  })
})
