import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runInspection } from '../../src/main/services/inspect/report'
import { fileAnswerCache } from '../../src/main/services/system/facts/answer-cache'
import { runCommand, type CommandRunner } from '../../src/main/services/system/command'
import { createRootFs } from '../../src/main/services/system/rootfs'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-answers-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** A runner as a new process has: nothing cached in memory; it records what it starts. */
function freshRunner(): { run: CommandRunner; started: string[] } {
  const started: string[] = []
  return {
    started,
    run: (argv, opts) => {
      started.push(path.basename(argv[0]))
      return runCommand(argv, opts)
    }
  }
}
const tools = ['systemctl', 'btrfs', 'rpm'].filter((t) => ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => existsSync(`${d}/${t}`)))
// rpm's answer is kept only while a database file stamps it (Debian's rpm keeps it in ~/.rpmdb).
const rpmStamped = ['/usr/lib/sysimage/rpm/rpmdb.sqlite', '/var/lib/rpm/rpmdb.sqlite', '/var/lib/rpm/Packages', '/root/.rpmdb/rpmdb.sqlite'].some((f) =>
  existsSync(f)
)
// What the kept answers feed; pressure, memory and the like move between two live reports, and
// so do btrfs mounts (other test files mount btrfs loop devices while this one runs).
const FROM_PROGRAMS = /^(systemd\.|btrfs\.(kernel|features|progs)|rpm\.cow\.(packages|rpmdb)|system\.machine|cgroup\.mode)/
const view = (r: Awaited<ReturnType<typeof runInspection>>) => r.checks.filter((c) => FROM_PROGRAMS.test(c.id)).map((c) => [c.id, c.status, c.value])

describe.skipIf(tools.length === 0)('program answers kept between processes (live system)', () => {
  it('a second report in a new process starts none of the version programs, and says the same', async () => {
    const file = path.join(tmp, 'a', 'program-answers.json')
    const first = freshRunner()
    const a = await runInspection({ fs: createRootFs('/'), run: first.run, answers: fileAnswerCache(file) })
    for (const t of tools) expect(first.started).toContain(t)
    expect(view(a).length).toBeGreaterThan(3)
    expect(JSON.parse(readFileSync(file, 'utf8')).length).toBeGreaterThan(0)

    const second = freshRunner()
    const b = await runInspection({ fs: createRootFs('/'), run: second.run, answers: fileAnswerCache(file) })
    expect(second.started.filter((t) => t === 'systemctl' || t === 'btrfs')).toEqual([])
    expect(second.started.filter((t) => t === 'rpm')).toHaveLength(rpmStamped || !tools.includes('rpm') ? 0 : 1)
    expect(view(b)).toEqual(view(a))
  })

  it('a damaged, hostile or foreign answers file is ignored: the programs run and the report is the same', async () => {
    const reference = view(await runInspection({ fs: createRootFs('/'), run: runCommand }))
    const garbage = path.join(tmp, 'garbage.json')
    writeFileSync(garbage, '\u0000\u00ff{not json')
    const wrongShape = path.join(tmp, 'shape.json')
    writeFileSync(wrongShape, JSON.stringify([{ key: 1, code: 'x' }, null, 'text', { key: 'k', code: 0, stdout: 5, stderr: '' }]))
    const fifo = path.join(tmp, 'fifo.json')
    execFileSync('mkfifo', [fifo])
    const link = path.join(tmp, 'link.json')
    symlinkSync('/etc/passwd', link)
    for (const file of [garbage, wrongShape, fifo, link]) {
      const r = freshRunner()
      const report = await runInspection({ fs: createRootFs('/'), run: r.run, answers: fileAnswerCache(file) })
      for (const t of tools) expect(r.started, file).toContain(t)
      expect(view(report), file).toEqual(reference)
    }
    // The link was replaced by a file of ours, never written through.
    expect(readFileSync('/etc/passwd', 'utf8')).toMatch(/^root:/)
  })

  it('a program that failed is not remembered', async () => {
    const file = path.join(tmp, 'failed.json')
    const failing: CommandRunner = async () => ({ code: 1, stdout: '', stderr: 'boom' })
    await runInspection({ fs: createRootFs('/'), run: failing, answers: fileAnswerCache(file) })
    expect(existsSync(file)).toBe(false)
  })

  it("an earlier version's kept kernel-config text is dropped from the file the first time it is read", async () => {
    const file = path.join(tmp, 'obsolete.json')
    const old = { key: 'gunzip:H4sIAAAAAAAAA', code: 0, stdout: 'CONFIG_PSI=y\n'.repeat(1000), stderr: '' }
    const other = { key: '/usr/bin/true|1|2|3|--version', code: 0, stdout: 'true 1\n', stderr: '' }
    writeFileSync(file, JSON.stringify([old, other]))
    expect(await fileAnswerCache(file).get(other.key)).toEqual({ code: 0, stdout: 'true 1\n', stderr: '' })
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([other])
  })

  it("answers in a folder or file that is not this user's alone are neither believed nor written (a root run with a user's HOME)", async () => {
    const entry = { key: '/usr/bin/true|1|2|3|--version', code: 0, stdout: 'true 1\n', stderr: '' }
    // A folder others may write.
    const open = path.join(tmp, 'open-folder')
    mkdirSync(open, { mode: 0o700 })
    chmodSync(open, 0o777)
    const inOpen = path.join(open, 'program-answers.json')
    writeFileSync(inOpen, JSON.stringify([entry]), { mode: 0o600 })
    writeFileSync(path.join(open, 'kernel-config.kept'), 'hsc-kconfig 1\n', { mode: 0o600 })
    const cacheInOpen = fileAnswerCache(inOpen)
    expect(await cacheInOpen.get(entry.key)).toBeUndefined()
    expect(cacheInOpen.blob('kernel-config').read()).toBeUndefined()
    await cacheInOpen.set('other', { code: 0, stdout: 'x', stderr: '' })
    expect(cacheInOpen.blob('kernel-config').write(Buffer.from('new'))).toBe(false)
    expect(JSON.parse(readFileSync(inOpen, 'utf8'))).toEqual([entry])
    expect(readFileSync(path.join(open, 'kernel-config.kept'), 'utf8')).toBe('hsc-kconfig 1\n')
    // A private folder, but files of another user (the answers are read as the user `uid`).
    const mine = mkdtempSync(path.join(tmp, 'mine-'))
    const file = path.join(mine, 'program-answers.json')
    writeFileSync(file, JSON.stringify([entry]), { mode: 0o600 })
    writeFileSync(path.join(mine, 'kernel-config.kept'), 'hsc-kconfig 1\n', { mode: 0o600 })
    const uid = process.getuid!()
    expect(await fileAnswerCache(file, { uid }).get(entry.key)).toEqual({ code: 0, stdout: 'true 1\n', stderr: '' })
    expect(fileAnswerCache(file, { uid }).blob('kernel-config').read()?.toString()).toBe('hsc-kconfig 1\n')
    const someoneElse = fileAnswerCache(file, { uid: uid + 4242 })
    expect(await someoneElse.get(entry.key)).toBeUndefined()
    expect(someoneElse.blob('kernel-config').read()).toBeUndefined()
    // This user's folder, another user's file (root may hand a file over; others cannot).
    if (uid === 0) {
      chownSync(file, 65534, 65534)
      expect(await fileAnswerCache(file).get(entry.key)).toBeUndefined()
    }
  })
})
