import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OOMD_SERVICE, OOMD_SOCKET } from '../../src/shared/contract/oomd-keys'
import { fileAnswerCache } from '../../src/main/services/system/facts/answer-cache'
import { keptUnitFileStates, SETTLED_MS } from '../../src/main/services/systemd/kept-unit-file-states'
import { systemctlIsEnabledAll } from '../../src/main/services/systemd/systemctl'
import { runCommand } from '../../src/main/services/system/command'
import { runHsc } from '../support/hsc'
import { addToTree, makeTree } from './tree'

// `systemctl is-enabled` without a running manager reads only files, and starting it was most of
// `hsc oomd status` on such a machine (issue 15): its answer is kept with a record of the unit
// directories and believed only while that record holds. The oracle throughout is the real
// systemctl over the same tree (--root): after every change, the kept answer must be its answer.
const hasSystemctl = existsSync('/usr/bin/systemctl') && spawnSync('/usr/bin/systemctl', ['--version']).status === 0
const UNITS = [OOMD_SERVICE, OOMD_SOCKET]
/** The clock a minute on: the tree's files, made just now, have settled by then. */
const aMinuteOn = () => Date.now() + 60_000

const SERVICE = `[Unit]
Description=Userspace Out-Of-Memory (OOM) Killer

[Service]
ExecStart=/usr/lib/systemd/systemd-oomd

[Install]
WantedBy=multi-user.target
Alias=dbus-org.freedesktop.oom1.service
Also=systemd-oomd.socket
`
const SOCKET = `[Socket]
ListenStream=/run/systemd/oom/io.systemd.ManagedOOM

[Install]
WantedBy=sockets.target
`

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.()
})

/**
 * A tree with both unit files. Its files are changed just now (a change time cannot be set
 * back), so a test asks "a minute later" (`aMinuteOn`) when an answer about it may be kept.
 */
function tree(): string {
  const t = makeTree({ 'usr/lib/systemd/system/systemd-oomd.service': SERVICE, 'usr/lib/systemd/system/systemd-oomd.socket': SOCKET })
  mkdirSync(path.join(t.root, 'etc/systemd/system'), { recursive: true })
  cleanups.push(t.cleanup)
  return t.root
}

/** systemctl's own answer for the tree, one state per unit. */
function oracle(root: string): string[] {
  const r = spawnSync('/usr/bin/systemctl', [`--root=${root}`, 'is-enabled', ...UNITS], { encoding: 'utf8' })
  return r.stdout.trim().split('\n')
}

function systemctl(root: string, ...args: string[]): void {
  const r = spawnSync('/usr/bin/systemctl', [`--root=${root}`, ...args], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
}

/** One `hsc oomd status` process's view: a fresh answers store over the same file, and how often systemctl ran. */
async function statesOnce(root: string, file: string, now?: () => number): Promise<{ states: Array<string | undefined>; asked: number }> {
  let asked = 0
  const ask = () => {
    asked++
    return systemctlIsEnabledAll(runCommand, UNITS, root)
  }
  const states = await keptUnitFileStates({ units: UNITS, answers: fileAnswerCache(file), unitRoot: root, ask, now })
  return { states: states.map((s) => s.state), asked }
}

describe.skipIf(!hasSystemctl)('unit-file states kept between processes (real systemctl --root as the oracle)', () => {
  it('a settled answer is kept: the next process starts no systemctl and says the same', async () => {
    const root = tree()
    const file = path.join(root, 'answers.json')
    const first = await statesOnce(root, file, aMinuteOn)
    expect(first).toEqual({ states: oracle(root), asked: 1 })
    expect(first.states).toEqual(['disabled', 'disabled'])
    expect(await statesOnce(root, file)).toEqual({ states: oracle(root), asked: 0 })
  })

  it('enable, mask, unmask, disable and an edited unit file: each is seen at once, and matches systemctl', async () => {
    const root = tree()
    const file = path.join(root, 'answers.json')
    await statesOnce(root, file, aMinuteOn)
    const changes: Array<[string, () => void, string[]]> = [
      ['enable', () => systemctl(root, 'enable', ...UNITS), ['enabled', 'enabled']],
      ['mask the socket', () => systemctl(root, 'mask', OOMD_SOCKET), ['enabled', 'masked']],
      ['unmask it', () => systemctl(root, 'unmask', OOMD_SOCKET), ['enabled', 'enabled']],
      ['disable', () => systemctl(root, 'disable', ...UNITS), ['disabled', 'disabled']],
      [
        'the service loses its [Install] section (only Also= left: indirect)',
        () => writeFileSync(path.join(root, 'usr/lib/systemd/system', OOMD_SERVICE), SERVICE.replace(/WantedBy=.*\n|Alias=.*\n/g, '')),
        ['indirect', 'disabled']
      ],
      [
        'a link folder of its own, made by hand',
        () => addToTree(root, { 'etc/systemd/system/sockets.target.wants/systemd-oomd.socket': { symlink: `/usr/lib/systemd/system/${OOMD_SOCKET}` } }),
        ['indirect', 'enabled']
      ],
      [
        'a link removed from that folder',
        () => unlinkSync(path.join(root, 'etc/systemd/system/sockets.target.wants/systemd-oomd.socket')),
        ['indirect', 'disabled']
      ]
    ]
    for (const [what, change, want] of changes) {
      change()
      // Asked again at once, a minute later, so this answer may be kept in its turn.
      const changed = await statesOnce(root, file, aMinuteOn)
      expect(changed, what).toEqual({ states: oracle(root), asked: 1 })
      expect(changed.states, what).toEqual(want)
      expect(await statesOnce(root, file), `${what}: kept`).toEqual({ states: want, asked: 0 })
    }
  })

  it('an answer about files changed within the last clock ticks is not kept', async () => {
    const root = tree()
    const file = path.join(root, 'answers.json')
    systemctl(root, 'enable', OOMD_SERVICE)
    // Just now: a change in the same tick could not be told apart from this state. (Also= enables the socket too.)
    expect(await statesOnce(root, file)).toEqual({ states: ['enabled', 'enabled'], asked: 1 })
    expect(await statesOnce(root, file)).toEqual({ states: oracle(root), asked: 1 })
    expect(SETTLED_MS).toBeGreaterThanOrEqual(1000)
  })

  it('files that change while systemctl reads them keep nothing', async () => {
    const root = tree()
    const file = path.join(root, 'answers.json')
    let asked = 0
    const ask = async () => {
      asked++
      const r = await systemctlIsEnabledAll(runCommand, UNITS, root)
      if (asked === 1) systemctl(root, 'enable', OOMD_SOCKET)
      return r
    }
    const answers = fileAnswerCache(file)
    expect((await keptUnitFileStates({ units: UNITS, answers, unitRoot: root, ask, now: aMinuteOn })).map((s) => s.state)).toEqual(['disabled', 'disabled'])
    expect((await keptUnitFileStates({ units: UNITS, answers: fileAnswerCache(file), unitRoot: root, ask, now: aMinuteOn })).map((s) => s.state)).toEqual(
      oracle(root)
    )
    expect(asked).toBe(2)
  })

  it('a kept record or answer that was tampered with is not believed', async () => {
    const root = tree()
    const file = path.join(root, 'answers.json')
    await statesOnce(root, file, aMinuteOn)
    const good = readFileSync(file, 'utf8')
    const [entry] = JSON.parse(good) as Array<{ key: string; stdout: string }>
    const [head, record] = [entry.key.slice(0, entry.key.indexOf('|[') + 1), entry.key.slice(entry.key.indexOf('|[') + 1)]
    const variants: Array<[string, { key: string; stdout: string }]> = [
      ['a state systemctl never prints', { ...entry, stdout: 'enabled\nrm -rf /' }],
      ['one state for two units', { ...entry, stdout: 'enabled' }],
      ['a record that is not JSON', { ...entry, key: `${head}[[` }],
      ['a record without the unit folders', { ...entry, key: head + JSON.stringify((JSON.parse(record) as unknown[]).slice(3)) }],
      ['a record naming a file outside them', { ...entry, key: head + JSON.stringify([...(JSON.parse(record) as unknown[]), ['/etc/shadow', '-']]) }],
      [
        'a record longer than any system needs (each entry would be a stat)',
        {
          ...entry,
          key: head + JSON.stringify([...(JSON.parse(record) as unknown[]), ...Array.from({ length: 5000 }, () => ['/etc/systemd/system/x.wants', '-'])])
        }
      ]
    ]
    for (const [what, tampered] of variants) {
      writeFileSync(file, JSON.stringify([tampered]))
      expect(await statesOnce(root, file), what).toEqual({ states: ['disabled', 'disabled'], asked: 1 })
    }
  })

  const booted = existsSync('/run/systemd/system') && statSync('/run/systemd/system').isDirectory()
  it.skipIf(booted)(
    'the live system without a manager (where systemd is init, the bus answers): the second `hsc oomd status` starts no program, and both say what systemctl says',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-kept-units-'))
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
      const list = path.join(dir, 'builtins.txt')
      const preload = path.join(dir, 'record-builtins.cjs')
      writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')))\n`)
      const env = { HSC_STATE_DIR: path.join(dir, 'state'), NODE_OPTIONS: `--require ${preload}` }
      const live = spawnSync('/usr/bin/systemctl', ['is-enabled', ...UNITS], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
      const states = (stdout: string) => {
        const s = (JSON.parse(stdout) as { state: { service: { unitFileState: string }; socket: { unitFileState: string } } }).state
        return [s.service.unitFileState, s.socket.unitFileState]
      }
      // Exit 1 says systemd-oomd cannot run here; the report itself is complete.
      const first = await runHsc(['oomd', 'status', '--json'], env)
      expect(first.status, first.stderr).not.toBe(2)
      expect(states(first.stdout)).toEqual(live)
      expect(readFileSync(list, 'utf8')).toContain('NativeModule child_process')
      const second = await runHsc(['oomd', 'status', '--json'], env)
      expect(states(second.stdout)).toEqual(live)
      expect(readFileSync(list, 'utf8'), 'the second status started a program').not.toContain('NativeModule child_process')
    }
  )
})
