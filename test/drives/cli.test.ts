import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DriveList, WriteJob } from '../../src/shared/contract'
import { runHsc } from '../support/hsc'
import { PROJECT_ROOT } from '../support/paths'
import { cmpPrefix, loopDelete, loopSetup, makeIso, msUntilDigestKept, sha256File, sleepSync, tmpDir, udisksSkipReason } from './support'

const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const skip = !built ? 'run npm run build first (npm test does)' : await udisksSkipReason()
const MiB = 1024 * 1024

const hsc = runHsc

describe.skipIf(!!skip)(`hsc drives / write / restore (built CLI, real udisksd)${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const loops: string[] = []
  let dir = ''
  let iso = ''
  const on = { HSC_TEST_ALLOW_LOOP: '1' }
  beforeAll(() => {
    dir = tmpDir('hsc-cli-drives-')
    iso = makeIso(dir, 12)
  })
  afterAll(() => {
    loops.forEach(loopDelete)
    rmSync(dir, { recursive: true, force: true })
  })
  const loop = (name: string, bytes: number): string => {
    const d = loopSetup(path.join(dir, name), bytes)
    loops.push(d)
    return d
  }

  it('drives list --json: loop devices only with the test switch', async () => {
    const dev = loop('list.img', 32 * MiB)
    const off = await hsc(['drives', 'list', '--json'])
    expect(off.status, off.stderr).toBe(0)
    expect((JSON.parse(off.stdout) as DriveList).drives.map((d) => d.device)).not.toContain(dev)
    const onList = await hsc(['drives', 'list', '--json'], on)
    const d = (JSON.parse(onList.stdout) as DriveList).drives.find((x) => x.device === dev)
    expect(d?.offered).toBe(true)
    const text = await hsc(['drives', 'list', '--all'], on)
    expect(text.stdout).toContain(dev)
    expect(text.stdout).toMatch(/Test switch HSC_TEST_ALLOW_LOOP=1 is on/)
  })

  it('write asks unless --yes, refuses unverified images, and writes + verifies with --yes', async () => {
    const dev = loop('w.img', 32 * MiB)
    const unverified = await hsc(['write', iso, dev], on)
    expect(unverified.status).toBe(1)
    expect(unverified.stderr).toMatch(/no verified SHA-256.*--allow-unverified/s)
    const noYes = await hsc(['write', '--allow-unverified', iso, dev], on)
    expect(noYes.status).toBe(2)
    expect(noYes.stderr).toMatch(/Writing will ERASE everything on:\n\s+\/dev\/loop\d+\s+Loop device/)
    expect(noYes.stderr).toMatch(/refusing to erase a drive without --yes/)
    const ok = await hsc(['write', '--json', '--yes', '--sha256', sha256File(iso), iso, dev], on)
    expect(ok.status, ok.stderr).toBe(0)
    const job = JSON.parse(ok.stdout) as WriteJob
    expect(job.stage).toBe('done')
    expect(job.targets[0].verified).toBe(true)
    expect(cmpPrefix(iso, dev, statSync(iso).size).same).toBe(true)
    // Not offered without the switch, whatever the user types.
    const hidden = await hsc(['write', '--yes', '--allow-unverified', iso, dev])
    expect(hidden.status).toBe(2)
    expect(hidden.stderr).toMatch(/no drive \/dev\/loop\d+/)
  })

  it("a plain --no-verify write with --yes starts none of Node's built-ins it does not use (tls, child processes, threads, readline)", async () => {
    const dev = loop('lean.img', 32 * MiB)
    // Node's own record of the built-in modules the process loaded, written at exit.
    const list = path.join(dir, 'builtins.txt')
    const preload = path.join(dir, 'record-builtins.cjs')
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')))\n`)
    const r = await hsc(['write', '--json', '--yes', '--no-verify', '--allow-unverified', iso, dev], { ...on, NODE_OPTIONS: `--require ${preload}` })
    expect(r.status, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as WriteJob).stage).toBe('done')
    expect(cmpPrefix(iso, dev, statSync(iso).size).same).toBe(true)
    const loaded = readFileSync(list, 'utf8').split('\n')
    expect(loaded, 'the record lists built-ins').toContain('NativeModule fs')
    for (const m of ['tls', 'child_process', 'worker_threads', 'readline/promises']) expect(loaded, `${m} loaded`).not.toContain(`NativeModule ${m}`)
  })

  it('hsc verify keeps the image digest; hsc write of the unchanged image then reads it once, not twice, and says so', async () => {
    const dev = loop('digest.img', 32 * MiB)
    const env = { ...on, HSC_STATE_DIR: path.join(dir, 'state') }
    const sha = sha256File(iso)
    // Digests are kept only for files whose last change is older than the racy window.
    sleepSync(msUntilDigestKept(iso))
    const verified = await hsc(['verify', iso, '--sha256', sha], env)
    expect(verified.status, verified.stderr).toBe(0)
    expect(readFileSync(path.join(dir, 'state/image-digests.json'), 'utf8')).toContain(sha)
    const text = await hsc(['write', '--yes', '--sha256', sha, iso, dev], env)
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/written and verified/)
    expect(text.stdout).toMatch(new RegExp(`image SHA-256 ${sha}\\n\\s+taken \\S+ by an earlier verification or write; the file is unchanged since`))
    const json = JSON.parse((await hsc(['write', '--json', '--yes', '--sha256', sha, iso, dev], env)).stdout) as WriteJob
    expect(json).toMatchObject({ stage: 'done', sha256: sha, sha256TakenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
    expect(cmpPrefix(iso, dev, statSync(iso).size).same).toBe(true)
  })

  it('an image larger than the drive is refused before anything is written (exit 1)', async () => {
    const dev = loop('short.img', 8 * MiB)
    // 8 MiB is too small for the 12 MiB image: refused before anything is written.
    const r = await hsc(['write', '--yes', '--allow-unverified', iso, dev], on)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/smaller than the image/)
  })

  it('restore --yes writes a GPT (and reports a kernel that shows no partitions)', async () => {
    const dev = loop('r.img', 64 * MiB)
    const r = await hsc(['restore', '--yes', '--label', 'STICK', dev], on)
    if (r.status === 0) expect(r.stdout).toMatch(/GPT with one (exFAT|FAT32) partition \/dev\/loop\d+p1 labelled "STICK"/)
    else expect(r.stderr).toMatch(/GPT partition table was written .* kernel created no device/)
  })

  it('says how to install UDisks2 when it is not there', async () => {
    const r = await hsc(['drives', 'list'], { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/bus' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/UDisks2 is not available.*dnf install udisks2/s)
  })
})
