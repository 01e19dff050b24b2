import { existsSync, statSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OOMD_SERVICE, OOMD_SOCKET } from '../../src/shared/contract/oomd-keys'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { readMonitored } from '../../src/main/services/oomd/oomctl'
import { readOomdState } from '../../src/main/services/oomd/state'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand, type CommandRunner } from '../../src/main/services/system/command'
import { systemdBooted } from '../../src/main/services/systemd/booted'

// sd_booted(3) decides whether a systemd manager can answer at all. Where it cannot, oomd's
// status asks neither the bus nor `systemctl show` nor oomctl: it reads the unit files at once
// and says why (issue 15: `hsc oomd status` on a machine or container without systemd as init).
describe('oomd status where systemd is not init', () => {
  const live = createRootFs('/')
  const hostBooted = existsSync('/run/systemd/system') && statSync('/run/systemd/system').isDirectory()

  it('systemdBooted is sd_booted on the live root, and false for any other root', async () => {
    expect(await systemdBooted(live)).toBe(hostBooted)
    expect(await systemdBooted(createRootFs('/tmp'))).toBe(false)
  })

  it('not booted: unit-file state with the reason; no bus connection and no systemctl show', async () => {
    const argvs: string[] = []
    const run: CommandRunner = (argv, opts) => {
      argvs.push(argv.join(' '))
      return runCommand(argv, opts)
    }
    let connected = 0
    const connect = () => {
      connected++
      return Promise.reject(new Error('the bus must not be asked'))
    }
    const st = await readOomdState({ fs: live, run, connect, managerMayAnswer: async () => false })
    expect(connected).toBe(0)
    expect(argvs.some((a) => a.startsWith('systemctl show'))).toBe(false)
    // Both units in one systemctl process (each has a unit file on this machine, or each is asked alone).
    expect(argvs.filter((a) => a.startsWith('systemctl is-enabled'))[0]).toBe(`systemctl is-enabled ${OOMD_SERVICE} ${OOMD_SOCKET}`)
    expect(st.note).toBe("systemd is not running as this system's init (no /run/systemd/system); showing unit-file state only")
    expect(['unit-files', 'unavailable']).toContain(st.source)

    const monitored = await readMonitored(run, true, async () => false)
    expect(monitored).toEqual({ available: false, reason: "systemd-oomd is not running: systemd is not this system's init (no /run/systemd/system)" })
    expect(argvs).not.toContain('oomctl')
  })

  it('booted (or a bus chosen by the caller): the manager is asked first, as before', async () => {
    let connected = 0
    const connect = () => {
      connected++
      return Promise.reject(new Error('no manager here'))
    }
    const st = await readOomdState({ fs: live, run: runCommand, connect, managerMayAnswer: async () => true })
    expect(connected).toBe(1)
    expect(st.note).toContain('no manager here')
  })

  it.skipIf(hostBooted)('through the handlers on this machine (not booted): the status says so', async () => {
    const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: undefined, HSC_STATE_DIR: '/nonexistent/hsc-state' }
    const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()), env })
    const status = await createHandlers(ctx)['oomd.status']({})
    expect(status.state.note).toMatch(/^systemd is not running as this system's init/)
    expect(status.monitored).toMatchObject({ available: false, reason: expect.stringContaining('no /run/systemd/system') })
  })
})
