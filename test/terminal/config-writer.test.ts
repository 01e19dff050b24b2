import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { renderThresholdsFile } from '../../src/main/services/oomd/thresholds'
import { EventHub } from '../../src/main/services/system/events'
import { createConfigWriter } from '../../src/main/services/terminal/config-writer'
import { panelRunner } from '../../src/main/services/terminal/privileged'
import { TerminalService } from '../../src/main/services/terminal/runner'
import { isRoot, PROJECT_ROOT } from '../support/paths'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-config-writer-'))
const terminals: TerminalService[] = []
afterAll(async () => {
  await Promise.all(terminals.map((t) => t.close()))
  rmSync(tmp, { recursive: true, force: true })
})

const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin'
const HELPER = path.join(PROJECT_ROOT, 'libexec/hsc-root-helper')

function writer(root: string, opts: ConstructorParameters<typeof TerminalService>[0] = {}) {
  const terminal = new TerminalService({ events: new EventHub(), elevation: 'direct', ...opts })
  terminals.push(terminal)
  return { terminal, w: createConfigWriter({ runner: panelRunner(async () => terminal, terminal.elevation), root }) }
}

/** A directory holding a stand-in `pkexec` (no polkit daemon here), found both through the runner's search path and PATH. */
function standIn(body: string): { bin: string; opts: ConstructorParameters<typeof TerminalService>[0] } {
  const bin = mkdtempSync(path.join(tmp, 'stand-in-'))
  writeFileSync(path.join(bin, 'pkexec'), body.replaceAll('$BIN', bin))
  chmodSync(path.join(bin, 'pkexec'), 0o755)
  return {
    bin,
    opts: { elevation: 'pkexec', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, searchPath: `${bin}:${SYSTEM_PATH}` } as ConstructorParameters<
      typeof TerminalService
    >[0]
  }
}

async function waitFor(file: string): Promise<void> {
  for (let i = 0; i < 1000 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20))
  if (!existsSync(file)) throw new Error(`${file} never appeared`)
}

const DROP_IN = '/etc/systemd/oomd.conf.d/80-hyperscale-companion.conf'
const CONTENT = renderThresholdsFile({ DefaultMemoryPressureLimit: '50%', DefaultMemoryPressureDurationSec: '20s' })

const needsRoot = isRoot ? describe : describe.skip
const why = isRoot ? '' : ' (skipped: needs root to run the root helper directly)'

needsRoot(`privileged config-file writer (root helper, content on stdin)${why}`, () => {
  it('writes a drop-in with mode 0644 (creating the directory) and removes it again', async () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const { w, terminal } = writer(root)
    await w.write(DROP_IN, CONTENT)
    const file = path.join(root, DROP_IN)
    expect(readFileSync(file, 'utf8')).toBe(CONTENT)
    expect(statSync(file).mode & 0o777).toBe(0o644)
    // argv carries only the fixed helper, an allowlisted action and a file name: no source path
    const [session] = terminal.list()
    expect(session.steps[0]).toEqual([HELPER, 'write-oomd-dropin', '80-hyperscale-companion.conf', '--root', root])
    // what is changed is shown before the program (and so before its prompt) starts
    expect(session.tail.indexOf('Changing systemd-oomd settings')).toBeLessThan(session.tail.indexOf('$ '))
    expect(session.tail).toContain('DefaultMemoryPressureLimit=50%')
    await w.write(DROP_IN, CONTENT.replace('50%', '40%'))
    expect(readFileSync(file, 'utf8')).toContain('40%')
    expect(readdirSync(path.dirname(file))).toEqual(['80-hyperscale-companion.conf']) // no temp file left
    await w.remove(DROP_IN)
    expect(existsSync(file)).toBe(false)
    await w.remove(DROP_IN) // removing a missing file is fine
  })

  it('replaces a symlink planted at the destination instead of writing through it', async () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const victim = path.join(tmp, `victim-${path.basename(root)}`)
    writeFileSync(victim, 'do not touch\n')
    mkdirSync(path.join(root, path.dirname(DROP_IN)), { recursive: true })
    symlinkSync(victim, path.join(root, DROP_IN))
    await writer(root).w.write(DROP_IN, CONTENT)
    expect(lstatSync(path.join(root, DROP_IN)).isFile()).toBe(true)
    expect(readFileSync(victim, 'utf8')).toBe('do not touch\n')
    symlinkSync(victim, path.join(root, '/etc/systemd/oomd.conf.d/90-link.conf'))
    await writer(root).w.remove('/etc/systemd/oomd.conf.d/90-link.conf')
    expect(readFileSync(victim, 'utf8')).toBe('do not touch\n')
  })

  it('refuses a drop-in directory that is a symlink or that a user could change', async () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const elsewhere = mkdtempSync(path.join(tmp, 'elsewhere-'))
    mkdirSync(path.join(root, 'etc/systemd'), { recursive: true })
    symlinkSync(elsewhere, path.join(root, 'etc/systemd/oomd.conf.d'))
    await expect(writer(root).w.write(DROP_IN, CONTENT)).rejects.toMatchObject({ name: 'PrivilegedCommandFailed' })
    expect(readdirSync(elsewhere)).toEqual([])
    const root2 = mkdtempSync(path.join(tmp, 'root-'))
    mkdirSync(path.join(root2, 'etc/systemd/oomd.conf.d'), { recursive: true })
    chmodSync(path.join(root2, 'etc/systemd/oomd.conf.d'), 0o777)
    const { w, terminal } = writer(root2)
    await expect(w.write(DROP_IN, CONTENT)).rejects.toThrow(/exited with code 2/)
    expect(terminal.list()[0].tail).toMatch(/not a directory that only root can change/)
    expect(readdirSync(path.join(root2, 'etc/systemd/oomd.conf.d'))).toEqual([])
  })

  it('race: swapping any file named in the privileged argv for a symlink during the prompt copies nothing else (stand-in pkexec waits like a polkit dialog)', async () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const secret = path.join(tmp, 'root-only-secret')
    writeFileSync(secret, 'root-only secret\n', { mode: 0o600 })
    const { bin, opts } = standIn(
      `#!/bin/sh\nprintf '%s\\0' "$@" > '$BIN/argv'\n: > '$BIN/prompting'\nwhile [ ! -e '$BIN/go' ]; do sleep 0.02; done\nexec "$@"\n`
    )
    const { w } = writer(root, opts)
    const done = w.write(DROP_IN, CONTENT).then(
      () => 'ok',
      (err: Error) => err.message
    )
    await waitFor(path.join(bin, 'prompting'))
    // The attacker (same user as the app) replaces every file the root command was told to read.
    const args = readFileSync(path.join(bin, 'argv'), 'utf8').split('\0').filter(Boolean).slice(1)
    for (const a of args) {
      if (path.isAbsolute(a) && !a.startsWith(root) && existsSync(a) && lstatSync(a).isFile() && a !== args[0]) {
        rmSync(a)
        symlinkSync(secret, a)
      }
    }
    writeFileSync(path.join(bin, 'go'), '')
    expect(await done).toBe('ok')
    const written = readFileSync(path.join(root, DROP_IN), 'utf8')
    expect(written).not.toContain('secret')
    expect(written).toBe(CONTENT)
  })

  it('reports a declined polkit prompt (stand-in pkexec exits 126) and leaves the file as it was', async () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    mkdirSync(path.join(root, path.dirname(DROP_IN)), { recursive: true })
    writeFileSync(path.join(root, DROP_IN), 'old\n')
    const { opts } = standIn('#!/bin/sh\nexit 126\n')
    const { w } = writer(root, opts)
    await expect(w.write(DROP_IN, CONTENT)).rejects.toMatchObject({
      name: 'AuthorizationDeclined',
      message: expect.stringContaining('administrator rights were not granted')
    })
    await expect(w.remove(DROP_IN)).rejects.toMatchObject({ name: 'AuthorizationDeclined' })
    expect(readFileSync(path.join(root, DROP_IN), 'utf8')).toBe('old\n')
  })
})

needsRoot(`hsc-root-helper validates on its own (called directly)${why}`, () => {
  const run = (args: string[], input: string, env: Record<string, string> = {}) =>
    spawnSync(HELPER, args, { input, encoding: 'utf8', env: { ...process.env, ...env } })

  it.each([
    ['a foreign key', CONTENT.replace('[OOM]\n', '[OOM]\nExecStart=/bin/sh\n')],
    ['another section', CONTENT.replace('[OOM]', '[Service]')],
    ['a non-canonical value', CONTENT.replace('50%', '50.0%')],
    ['an out-of-range value', CONTENT.replace('50%', '150%')],
    ['no threshold at all', '[OOM]\n'],
    ['a NUL byte', CONTENT + '\0']
  ])('refuses content with %s and writes nothing', (_what, input) => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const r = run(['write-oomd-dropin', '60-x.conf', '--root', root], input)
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/nothing was changed/)
    expect(existsSync(path.join(root, 'etc'))).toBe(false)
  })

  it.each([
    [['install', '/tmp/x', '/etc/passwd']],
    [['write-oomd-dropin', '../../passwd']],
    [['write-oomd-dropin', 'x.conf', '--root']],
    [['write-oomd-dropin', 'x.conf', '--force']],
    [[]]
  ])('refuses argv %j', (args) => {
    const r = run(args, CONTENT)
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^hsc-root-helper: /)
  })

  it('refuses --root under pkexec: a caller that is not root cannot choose where root writes', () => {
    const root = mkdtempSync(path.join(tmp, 'root-'))
    const r = run(['write-oomd-dropin', '60-x.conf', '--root', root], CONTENT, { PKEXEC_UID: '1000' })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/only accepted from a caller that is already root/)
    expect(readdirSync(root)).toEqual([])
  })
})

describe('privileged config-file writer: checks before anything runs', () => {
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

  it('refuses NUL bytes, oversized and foreign content', async () => {
    const { w, terminal } = writer(mkdtempSync(path.join(tmp, 'root-')))
    await expect(w.write(DROP_IN, 'a\0b')).rejects.toMatchObject({ name: 'ValidationError' })
    await expect(w.write(DROP_IN, 'x'.repeat(70_000))).rejects.toMatchObject({ name: 'ValidationError' })
    await expect(w.write(DROP_IN, '[OOM]\nSwapUsedLimit=90%\n[Unit]\nX=1\n')).rejects.toMatchObject({ name: 'InvalidThreshold' })
    expect(terminal.list()).toEqual([])
  })

  it('the polkit actions for the helper are well-formed XML: one per helper action, each naming what changes', async () => {
    const file = path.join(PROJECT_ROOT, 'packaging/polkit/org.centos.hyperscale.companion.policy')
    const py = `import json,sys,xml.dom.minidom as m\nd=m.parse(sys.argv[1])\nt=lambda n:n.firstChild.data\nprint(json.dumps([{'id':a.getAttribute('id'),'message':t(a.getElementsByTagName('message')[0]),'annotate':{x.getAttribute('key'):t(x) for x in a.getElementsByTagName('annotate')}} for a in d.getElementsByTagName('action')]))`
    const r = spawnSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    const helper = '/usr/libexec/hyperscale-companion/hsc-root-helper'
    const path1 = (argv1: string) => ({ 'org.freedesktop.policykit.exec.path': helper, 'org.freedesktop.policykit.exec.argv1': argv1 })
    expect(JSON.parse(r.stdout)).toEqual([
      {
        id: 'org.centos.hyperscale.companion.write-config',
        message: 'Authentication is required to change systemd-oomd settings',
        annotate: path1('write-oomd-dropin')
      },
      {
        id: 'org.centos.hyperscale.companion.reset-config',
        message: 'Authentication is required to reset systemd-oomd settings to their defaults',
        annotate: path1('remove-oomd-dropin')
      },
      {
        id: 'org.centos.hyperscale.companion.enable-rpm-cow',
        message: 'Authentication is required to turn on RPM copy-on-write (the dnf reflink plugin)',
        annotate: path1('enable-dnf-reflink')
      }
    ])
    // Every action the helper accepts has its own prompt.
    const { ACTIONS } = await import('../../src/root-helper/actions')
    expect(
      JSON.parse(r.stdout)
        .map((a: { annotate: Record<string, string> }) => a.annotate['org.freedesktop.policykit.exec.argv1'])
        .sort()
    ).toEqual([...ACTIONS].sort())
    const broken = path.join(tmp, 'broken.policy')
    writeFileSync(broken, readFileSync(file, 'utf8').replace('</policyconfig>', ''))
    expect(spawnSync('/usr/bin/python3', ['-c', py, broken], { encoding: 'utf8' }).status).not.toBe(0)
  })
})
