// system/command.ts: the one way services start programs (argv, never a shell string).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCommand } from '../../src/main/services/system/command'

const home = mkdtempSync(path.join(os.tmpdir(), 'hsc-command-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('runCommand', () => {
  it('gives a program /dev/null as its input unless there is some: reading it ends at once', async () => {
    const kind = await runCommand([
      'sh',
      '-c',
      '[ -S /dev/stdin ] && echo socket; [ -p /dev/stdin ] && echo pipe; [ -c /dev/stdin ] && echo character device; true'
    ])
    expect(kind).toEqual({ code: 0, stdout: 'character device\n', stderr: '' })
    const started = Date.now()
    expect(await runCommand(['cat'], { timeoutMs: 20_000 })).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it("never makes bash run the user's ~/.bashrc (a socket as input makes bash believe sshd started it)", async () => {
    // Debian's rpm starts bash to expand %_dbpath; SHLVL=0 is what a desktop session or a
    // systemd unit gives it, with which bash reads ~/.bashrc when its input is a socket.
    const marker = path.join(home, 'bashrc-ran')
    writeFileSync(path.join(home, '.bashrc'), `touch ${JSON.stringify(marker)}\n`)
    const r = await runCommand(['bash', '-c', 'echo ran'], { env: { HOME: home, SHLVL: '0' } })
    expect(r).toMatchObject({ code: 0, stdout: 'ran\n' })
    expect(existsSync(marker)).toBe(false)
  })

  it('feeds `input` to the program', async () => {
    expect(await runCommand(['cat'], { input: 'line one\nline two\n' })).toEqual({ code: 0, stdout: 'line one\nline two\n', stderr: '' })
    // A program that exits without reading its input is no failure of ours.
    expect(await runCommand(['true'], { input: 'x'.repeat(1 << 20) })).toMatchObject({ code: 0 })
  })

  it('reports exit codes, both output streams, programs that cannot start and programs out of time', async () => {
    expect(await runCommand(['sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' })
    expect(await runCommand(['hsc-no-such-program-here'])).toMatchObject({ code: 127, spawnError: 'ENOENT' })
    const started = Date.now()
    expect(await runCommand(['sleep', '30'], { timeoutMs: 200 })).toMatchObject({ code: 1 })
    expect(Date.now() - started).toBeLessThan(10_000)
    // UTF-8 split across reads is decoded whole.
    expect((await runCommand(['sh', '-c', 'printf "\\303"; sleep 0.05; printf "\\251\\n"'])).stdout).toBe('\u00e9\n')
  })
})
