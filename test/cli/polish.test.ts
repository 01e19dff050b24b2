import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runHsc } from '../support/hsc'
import { render } from '../../src/cli/commands/inspect'
import { makeStyle } from '../../src/cli/output'
import type { Check, InspectReport } from '../../src/shared/contract'
import { HSC, PROJECT_ROOT } from '../support/paths'

const built = existsSync(HSC)
const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-cli-polish-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(!built)(`hsc speaks in sentences${built ? '' : ' (skipped: run `npm run build` first)'}`, () => {
  it('a reader that closes the pipe early (hsc … | head) ends hsc quietly, not with an EPIPE stack', async () => {
    const child = spawn(process.execPath, [HSC, 'repos', 'list', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*\(node:/)
    expect(status).toBe(0)
  })

  it('a non-blocking, nearly full stdout pipe still gets the whole answer (the write waits for room)', () => {
    // hsc writes straight to fd 1; a descriptor left O_NONBLOCK by its parent answers EAGAIN
    // once the pipe is full, and the rest must go out through the stream. The parent here makes
    // a one-page pipe, and reads it only after hsc has surely filled it.
    const parent = [
      'import fcntl, os, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, 1031, 4096)', // F_SETPIPE_SZ
      'fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)',
      'pid = os.fork()',
      'if pid == 0:',
      '    os.dup2(w, 1)',
      '    os.execv(sys.argv[1], sys.argv[1:])',
      'os.close(w)',
      'time.sleep(1.5)',
      'out = b""',
      'while True:',
      '    chunk = os.read(r, 65536)',
      '    if not chunk: break',
      '    out += chunk',
      '_, status = os.waitpid(pid, 0)',
      'sys.stdout.buffer.write(out)',
      'sys.exit(os.waitstatus_to_exitcode(status))'
    ].join('\n')
    const r = spawnSync('python3', ['-c', parent, process.execPath, HSC, 'inspect', '--json'], { encoding: 'utf8', timeout: 30_000 })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout.length).toBeGreaterThan(4096 * 2)
    expect((JSON.parse(r.stdout) as InspectReport).checks.length).toBeGreaterThan(20)
  })

  it('bin/hsc.mjs, the former entry older fact scripts name, still runs hsc, and what it installs names bin/hsc.cjs', () => {
    const former = path.join(PROJECT_ROOT, 'bin/hsc.mjs')
    const version = spawnSync(process.execPath, [former, '--version'], { encoding: 'utf8' })
    expect(version.stdout).toMatch(/^hsc \d+\.\d+\.\d+/)
    const facts = path.join(dir, 'former-entry-facts')
    const r = spawnSync(process.execPath, [former, 'facts', 'install', '--dir', facts], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const script = readFileSync(path.join(facts, 'hyperscale.fact'), 'utf8')
    expect(script).toContain(`'${realpathSync(path.join(PROJECT_ROOT, 'bin/hsc.cjs'))}'`)
    expect(script).not.toContain('hsc.mjs')
  })

  it("spins list with no mirror answering says so in sentences, with the mirrors' own words under details", async () => {
    // A port nobody listens on: the connection is refused at once, like a machine offline.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port
        srv.close(() => resolve(p))
      })
    })
    const settings = path.join(dir, 'offline-settings.json')
    writeFileSync(settings, JSON.stringify({ catalogueSources: [`http://127.0.0.1:${port}/images/`], proxy: 'direct' }))
    const r = await runHsc(['spins', 'list'], { HSC_SETTINGS_FILE: settings, HSC_CACHE_DIR: path.join(dir, 'offline-cache') })
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/^No mirror answered: you seem to be offline\. The list of spins needs one answer from a mirror\.$/m)
    expect(r.stdout).toMatch(/^Try again when the network is back/m)
    expect(r.stdout).toMatch(new RegExp(`^  details: .*127\\.0\\.0\\.1:${port}`, 'm'))
  })

  it('a misspelled command gets "did you mean", exit 2', async () => {
    const r = await runHsc(['inpsect'])
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('hsc: unknown command "inpsect". Did you mean "hsc inspect"? (hsc --help lists the commands)\n')
  })

  it('a misspelled subcommand gets "did you mean" and the list, without empty entries', async () => {
    const r = await runHsc(['repos', 'lsit'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^hsc: unknown subcommand "repos lsit"\. Did you mean "hsc repos list"\? Subcommands: /)
    const list = r.stderr.split('Subcommands: ')[1].trim().split(', ')
    expect(list.every((x) => x.trim().length > 0)).toBe(true)
    // A group whose plain form is a command too (inspect) suggests its subcommands.
    const i = await runHsc(['inspect', 'reflnk'])
    expect(i.status).toBe(2)
    expect(i.stderr).toContain('Did you mean "hsc inspect reflink"?')
  })

  it('--output takes the format from the extension, or refuses', async () => {
    const bad = await runHsc(['inspect', '--output', path.join(dir, 'report.txt')])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('cannot tell the format from the name; end it in .md (Markdown) or .json (JSON)')
    expect(existsSync(path.join(dir, 'report.txt'))).toBe(false)
    const md = await runHsc(['inspect', '--output', path.join(dir, 'report.MD')])
    expect(md.status === 0 || md.status === 1).toBe(true)
    expect(readFileSync(path.join(dir, 'report.MD'), 'utf8')).toMatch(/^# Hyperscale Companion system report/)
    const json = await runHsc(['inspect', '--output', path.join(dir, 'report.json')])
    expect(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).schema).toBe(1)
    // The terminal output uses the app's words, and remedies are not dimmed (no ANSI at all with --no-color).
    expect(json.stdout).toMatch(/\d+ checks: \d+ OK, \d+ Attention, \d+ Missing, \d+ Unknown; \d+ to fix/)
  })

  it('remedies are printed plainly even with colour on; informational ones say so', () => {
    const check = (id: string, status: Check['status']): Check => ({
      id,
      group: 'system',
      title: id,
      status,
      value: 'v',
      evidence: [],
      remedy: { text: `fix ${id}.`, command: `do-${id}` }
    })
    const report: InspectReport = {
      schema: 1,
      generatedAt: '',
      root: '/',
      durationMs: 1,
      checks: [check('swap', 'warn'), check('os.release', 'warn'), check('psi', 'ok')],
      summary: { ok: 1, warn: 2, fail: 0, unknown: 0 }
    }
    const out = render(report, { style: makeStyle(true) })
    const remedies = out.split('\n').filter((l) => l.includes('→'))
    expect(remedies).toEqual(['    → swap: fix swap.', '    → for information: os.release: fix os.release.'])
    expect(out).toContain('\x1b[33mAttention')
    expect(out).toMatch(/3 checks: .*1 OK.*, .*2 Attention.*, .*0 Missing.*, 0 Unknown; 1 to fix/)
  })

  it('a port in use says to pick another one', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      const r = await runHsc(['gui', '--browser', '--port', String(port)], { HSC_SETTINGS_FILE: path.join(dir, 's.json') })
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(
        `hsc: Port ${port} is already in use by another program. (Pick another port with --port N, or leave --port out to get a free one.)`
      )
      expect(r.stderr.split('\n')[0]).not.toContain('EADDRINUSE')
    } finally {
      blocker.close()
    }
  })
})
