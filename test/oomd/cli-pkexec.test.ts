// `hsc oomd set` as an unprivileged user, through the real pkexec and the real polkitd on the
// system bus: the CLI's privileged runner is the user's own terminal, so pkexec's prompt and
// output appear there, and without a terminal (SSH without a polkit agent) the command fails
// at once with a sentence instead of waiting for a password nobody can type.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HSC, isRoot, PROJECT_ROOT } from '../support/paths'

const OWN_FILE = '/etc/systemd/oomd.conf.d/60-hyperscale-companion.conf'
const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const pkexec = existsSync('/usr/bin/pkexec')
const script = existsSync('/usr/bin/script')
// A checkout under a private folder (mktemp -d is 0700) cannot be read by nobody at all.
const nobodyReads = () =>
  spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', path.join(PROJECT_ROOT, 'out/cli/hsc.cjs')]).status === 0
const why = !isRoot
  ? 'needs root to start the CLI as the unprivileged user nobody'
  : !pkexec
    ? 'needs pkexec (apt-get install pkexec)'
    : !built
      ? 'run npm run build first'
      : !nobodyReads()
        ? `the user nobody cannot read ${PROJECT_ROOT} (a folder above it is private): clone it where others may read`
        : ''

const dirs: string[] = []
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true })
})

function scratch(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'hsc-pkexec-'))
  chmodSync(d, 0o777)
  dirs.push(d)
  return d
}

/** The CLI as uid/gid 65534 (nobody): elevation is pkexec, as for a person at a workstation. */
function asNobody(args: string[], home: string): string[] {
  return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'env', `HOME=${home}`, `HSC_SETTINGS_FILE=${home}/settings.json`, 'NO_COLOR=1'].concat(
    [process.execPath, HSC, ...args]
  )
}

interface Ended {
  code: number | null
  output: string
}

/**
 * Runs argv; `onOutput` sees the output as it grows (to answer a prompt once it is shown). A run
 * that has not ended after `limitMs` is killed, so a hang fails with what was printed so far.
 */
function run(argv: string[], onOutput?: (all: string, write: (s: string) => void) => void, limitMs = 40_000): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    // A retyped answer may arrive after the child ended: that is not the test's failure.
    child.stdin.on('error', () => undefined)
    const grow = (d: Buffer): void => {
      output += d.toString('utf8')
      onOutput?.(output, (s) => child.stdin.write(s))
    }
    const killer = setTimeout(() => {
      output += `\n[test: killed after ${limitMs} ms without ending]`
      child.kill('SIGKILL')
    }, limitMs)
    child.stdout.on('data', grow)
    child.stderr.on('data', grow)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({ code, output })
    })
  })
}

const fileNow = (): string | null => (existsSync(OWN_FILE) ? readFileSync(OWN_FILE, 'utf8') : null)

describe.skipIf(why !== '')(`hsc oomd set through real pkexec${why ? ` (skipped: ${why})` : ''}`, () => {
  it('without a terminal and without a polkit agent: pkexec says so on stderr, hsc exits 1 with a sentence, nothing is written', async () => {
    const before = fileNow()
    // setsid: no controlling terminal, as over `ssh host hsc ...` or from cron.
    const r = await run(['setsid', '-w', ...asNobody(['oomd', 'set', 'SwapUsedLimit=80%'], scratch())])
    expect(r.code).toBe(1)
    // The step and pkexec's own words reach the user's stderr (inherited, not a hidden pty).
    expect(r.output).toMatch(/\$ \/usr\/bin\/pkexec \S*hsc-root-helper write-oomd-dropin 60-hyperscale-companion\.conf/)
    expect(r.output).toMatch(/SwapUsedLimit=80%/)
    expect(r.output).toMatch(/textual authentication agent|No authentication agent|Not authorized/i)
    expect(r.output).toMatch(/Could not write \/etc\/systemd\/oomd\.conf\.d\/60-hyperscale-companion\.conf: administrator rights were not granted\./)
    expect(r.output).toMatch(/pkexec exit 12[67]/)
    expect(fileNow()).toBe(before)
  })

  it.skipIf(!script)("on a terminal: pkexec's password prompt appears on the user's terminal; a wrong password fails with a sentence", async () => {
    const before = fileNow()
    const cmd = asNobody(['oomd', 'set', 'DefaultMemoryPressureLimit=55%'], scratch())
    let answered = false
    let typing: NodeJS.Timeout | undefined
    // polkit's text agent prints "Password:" and only then turns echo off with TCSAFLUSH, which
    // throws away a line typed in between (it was echoed, so the echo proves nothing). A person
    // retypes; so does this test: the answer is sent again every 300 ms until the agent reports
    // the outcome. Lines typed after that are echoed and read by nobody.
    const r = await run(['script', '-qec', cmd.map((a) => `'${a}'`).join(' '), '/dev/null'], (all, write) => {
      if (/AUTHENTICATION (FAILED|COMPLETE)/.test(all)) clearInterval(typing)
      else if (!answered && /Password:/.test(all)) {
        answered = true
        write('not-the-password\n')
        typing = setInterval(() => write('not-the-password\n'), 300)
      }
    })
    clearInterval(typing)
    expect(answered, r.output).toBe(true)
    expect(r.output).toMatch(/AUTHENTICATING FOR org\.freedesktop\.policykit\.exec/)
    expect(r.output).toMatch(/Could not write \/etc\/systemd\/oomd\.conf\.d\/60-hyperscale-companion\.conf: administrator rights were not granted\./)
    expect(r.code).toBe(1)
    expect(fileNow()).toBe(before)
  })
})
