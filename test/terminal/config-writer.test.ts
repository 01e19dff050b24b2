import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EventHub } from '../../src/main/services/system/events'
import { createConfigWriter } from '../../src/main/services/terminal/config-writer'
import { TerminalService } from '../../src/main/services/terminal/runner'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-config-writer-'))
const terminals: TerminalService[] = []
afterAll(async () => {
  await Promise.all(terminals.map((t) => t.close()))
  rmSync(tmp, { recursive: true, force: true })
})

function writer(root: string, opts: ConstructorParameters<typeof TerminalService>[0] = {}) {
  const terminal = new TerminalService({ events: new EventHub(), elevation: 'direct', ...opts })
  terminals.push(terminal)
  return { terminal, w: createConfigWriter({ terminal, root }) }
}

const DROP_IN = '/etc/systemd/oomd.conf.d/80-hyperscale-companion.conf'
const CONTENT = '# written by a test\n[OOM]\nDefaultMemoryPressureLimit=50%\nDefaultMemoryPressureDurationSec=20s\n'

describe('privileged config-file writer (install -D / rm -f, no shell)', () => {
  it('writes a drop-in with mode 0644 (creating the directory) and removes it again', async () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const { w, terminal } = writer(root)
    await w.write(DROP_IN, CONTENT)
    const file = path.join(root, DROP_IN)
    expect(readFileSync(file, 'utf8')).toBe(CONTENT)
    expect(statSync(file).mode & 0o777).toBe(0o644)
    // the exact commands are visible in the terminal session
    const steps = terminal.list().map((s) => s.steps[0])
    expect(steps[0]).toEqual([expect.stringMatching(/\/install$/), '-D', '-m', '0644', '--', expect.stringMatching(/hsc-config-/), file])
    // the private temp copy is gone
    expect(existsSync(steps[0][5])).toBe(false)
    await w.write(DROP_IN, CONTENT.replace('50%', '40%'))
    expect(readFileSync(file, 'utf8')).toContain('40%')
    await w.remove(DROP_IN)
    expect(existsSync(file)).toBe(false)
    await w.remove(DROP_IN) // removing a missing file is fine (rm -f)
  })

  it.each([
    '/etc/passwd',
    '/etc/systemd/oomd.conf',
    '/etc/systemd/oomd.conf.d/../../passwd.conf',
    '/etc/systemd/oomd.conf.d/sub/x.conf',
    '/etc/systemd/oomd.conf.d/-rf.conf',
    '/etc/systemd/oomd.conf.d/a b.conf',
    '/etc/systemd/oomd.conf.d/x.conf;id',
    'etc/systemd/oomd.conf.d/x.conf'
  ])('refuses %j and starts nothing', async (p) => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const { w, terminal } = writer(root)
    await expect(w.write(p, CONTENT)).rejects.toMatchObject({ name: 'ValidationError' })
    await expect(w.remove(p)).rejects.toMatchObject({ name: 'ValidationError' })
    expect(terminal.list()).toEqual([])
    expect(readdirSync(root)).toEqual([])
  })

  it('refuses NUL bytes and oversized content', async () => {
    const { w } = writer(mkdtempSync(path.join(tmp, 'root-')))
    await expect(w.write(DROP_IN, 'a\0b')).rejects.toMatchObject({ name: 'ValidationError' })
    await expect(w.write(DROP_IN, 'x'.repeat(70_000))).rejects.toMatchObject({ name: 'ValidationError' })
  })

  it('reports a declined polkit prompt (stand-in pkexec exits 126) and leaves the file as it was', async () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    mkdirSync(path.join(root, path.dirname(DROP_IN)), { recursive: true })
    writeFileSync(path.join(root, DROP_IN), 'old\n')
    const bin = mkdtempSync(path.join(tmp, 'stand-in-'))
    writeFileSync(path.join(bin, 'pkexec'), '#!/bin/sh\nexit 126\n')
    chmodSync(path.join(bin, 'pkexec'), 0o755)
    const { w } = writer(root, { elevation: 'pkexec', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } })
    await expect(w.write(DROP_IN, CONTENT)).rejects.toMatchObject({ name: 'AuthorizationDeclined', message: expect.stringContaining('authorization declined') })
    await expect(w.remove(DROP_IN)).rejects.toMatchObject({ name: 'AuthorizationDeclined' })
    expect(readFileSync(path.join(root, DROP_IN), 'utf8')).toBe('old\n')
  })
})
