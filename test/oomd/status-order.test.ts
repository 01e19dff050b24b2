import { afterAll, describe, expect, it } from 'vitest'
import { oomdStatus } from '../../src/main/services/oomd/status'
import { createRootFs, type RootFs } from '../../src/main/services/system/rootfs'
import type { CommandRunner } from '../../src/main/services/system/command'
import { fixture, makeTree } from './tree'

// `hsc oomd status` asks a program (systemctl) or the bus for the unit states, and reads and
// parses files for the rest. The file reads are synchronous, so the program has to be set going
// before them, or it starts only after all of them and the command waits for it at the end (#15).
const t = makeTree({ '/etc/systemd/oomd.conf': fixture('oomd.conf'), '/proc/cmdline': 'ro quiet\n' })
afterAll(() => t.cleanup())

describe('oomd status sets its program going before it reads files', () => {
  it('systemctl is started before the first file is read, and the answer still arrives', async () => {
    const events: string[] = []
    const fs = createRootFs(t.root)
    const recording = new Proxy(fs, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver) as unknown
        if (typeof v !== 'function' || !['read', 'readText', 'readBuffer', 'tryReadText', 'tryReadTextsIn', 'list'].includes(String(key))) return v
        return (...args: unknown[]) => {
          events.push(`${String(key)} ${String(args[0])}`)
          return (v as (...a: unknown[]) => unknown).apply(target, args)
        }
      }
    }) as RootFs
    // As runCommand does: the program starts once child_process has loaded, a few turns later.
    const run: CommandRunner = async (argv) => {
      await import('node:child_process')
      events.push(`run ${argv.join(' ')}`)
      await new Promise((r) => setTimeout(r, 20))
      return argv.includes('is-enabled') ? { code: 0, stdout: 'enabled\nstatic\n', stderr: '' } : { code: 1, stdout: '', stderr: 'not here' }
    }
    const status = await oomdStatus({ fs: recording, run, connect: () => Promise.reject(new Error('an offline root never needs the bus')) })
    const firstRun = events.findIndex((e) => e.startsWith('run systemctl'))
    const firstRead = events.findIndex((e) => !e.startsWith('run '))
    expect(firstRun, events.join('\n')).toBeGreaterThanOrEqual(0)
    expect(firstRun, events.slice(0, 5).join('\n')).toBeLessThan(firstRead)
    expect(status.state).toMatchObject({ source: 'offline-root', enabled: true, socket: { unitFileState: 'static' } })
    expect(status.config.settings.DefaultMemoryPressureLimit.value).not.toBe('')
  })
})
