import { execFileSync } from 'node:child_process'
import {
  constants as fsConstants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRoot } from '../support/paths'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand } from '../../src/main/services/system/command'
import { runInspection } from '../../src/main/services/inspect/report'
import { reflinkTest } from '../../src/main/services/inspect/reflink'

const which = (t: string) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${t}`))
const missing = ['mkfs.btrfs', 'losetup', 'btrfs', 'mount', 'umount'].filter((t) => !which(t))
const skipReason = !isRoot
  ? 'needs root (loop devices and mount)'
  : missing.length
    ? `needs ${missing.join(', ')} (apt-get install btrfs-progs)`
    : !existsSync('/dev/loop-control')
      ? 'no /dev/loop-control (loop devices unavailable)'
      : !/\bbtrfs\b/.test(execFileSync('cat', ['/proc/filesystems'], { encoding: 'utf8' })) && !existsSync('/sys/module/btrfs')
        ? 'kernel without btrfs'
        : ''

const run = (...argv: string[]) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

describe.skipIf(skipReason !== '')(`real btrfs on a loop device${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let work = ''
  let loop = ''
  const mounted: string[] = []
  let top = ''
  let sub = ''
  let tmpfsDir = ''

  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), 'hsc-btrfs-'))
    const img = path.join(work, 'fs.img')
    writeFileSync(img, '')
    truncateSync(img, 256 * 1024 * 1024)
    run('mkfs.btrfs', '-q', '-f', img)
    loop = run('losetup', '-f', '--show', img).trim()
    top = path.join(work, 'top')
    sub = path.join(work, 'sub')
    tmpfsDir = path.join(work, 'tmpfs')
    for (const d of [top, sub, tmpfsDir]) mkdirSync(d)
    run('mount', loop, top)
    run('btrfs', 'subvolume', 'create', path.join(top, 'data'))
    // Mount options like compress= belong to the superblock: a second mount of an already
    // mounted btrfs silently keeps the first mount's options. So the subvolume is mounted
    // first with compression, and the top level afterwards (it then shows the same options).
    run('umount', top)
    run('mount', '-o', 'subvol=data,compress=zstd:3', loop, sub)
    mounted.push(sub)
    run('mount', '-o', 'subvolid=5', loop, top)
    mounted.push(top)
    run('mount', '-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', tmpfsDir)
    mounted.push(tmpfsDir)
  })

  afterAll(() => {
    for (const m of mounted.reverse()) {
      try {
        run('umount', m)
      } catch (err) {
        console.error(`umount ${m}: ${(err as Error).message}`)
      }
    }
    if (loop) {
      try {
        run('losetup', '-d', loop)
      } catch (err) {
        console.error(`losetup -d ${loop}: ${(err as Error).message}`)
      }
    }
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('the live report lists the subvolume mount with subvol and compression', async () => {
    const report = await runInspection({ fs: createRootFs('/'), run: runCommand })
    const check = report.checks.find((c) => c.id === 'btrfs.mounts')!
    const mounts = check.details?.mounts as Array<{ mountPoint: string; subvol: string; compression: string | null; source: string }>
    const subMount = mounts.find((m) => m.mountPoint === sub)
    expect(subMount).toMatchObject({ subvol: '/data', compression: 'zstd:3', source: loop })
    const topMount = mounts.find((m) => m.mountPoint === top)
    expect(topMount).toMatchObject({ subvol: '/', compression: 'zstd:3' })
    expect(check.value).toContain(`${sub} (subvol=/data, compress=zstd:3)`)
    expect(report.checks.find((c) => c.id === 'btrfs.kernel')?.status).toBe('ok')
  })

  it('btrfs.options reads the real superblock options of the loop filesystem (compare findmnt and the loop queue)', async () => {
    const report = await runInspection({ fs: createRootFs('/'), run: runCommand })
    const check = report.checks.find((c) => c.id === 'btrfs.options')!
    const fsList = check.details?.filesystems as Array<{
      source: string
      ssd: boolean | null
      compression: string | null
      spaceCache: string | null
      discard: string | null
    }>
    const mine = fsList.find((f) => f.source === loop)
    const opts = execFileSync('findmnt', ['-n', '-o', 'OPTIONS', sub], { encoding: 'utf8' }).trim().split(',')
    const rot = readFileSync(`/sys/block/${path.basename(loop)}/queue/rotational`, 'utf8').trim()
    expect(mine).toMatchObject({ compression: 'zstd:3', ssd: rot === '0' })
    expect(mine?.spaceCache).toBe(opts.find((o) => o.startsWith('space_cache'))?.split('=')[1] ?? (opts.includes('space_cache') ? 'v1' : null))
    expect(mine?.discard ?? null).toBe(opts.find((o) => o.startsWith('discard'))?.split('=')[1] ?? (opts.includes('discard') ? 'sync' : null))
  })

  it('reflink copy succeeds on the btrfs subvolume', async () => {
    const r = await reflinkTest(sub)
    expect(r).toMatchObject({ path: sub, supported: true, filesystem: 'btrfs' })
  })

  it('tmpfs, which has no clone in Linux, is answered without a copy: a sentence naming the filesystem and what to use', async () => {
    const r = await reflinkTest(tmpfsDir)
    expect(r.supported).toBe(false)
    expect(r.filesystem).toBe('tmpfs')
    expect(r.message).toBe('This filesystem (tmpfs) cannot clone files: use btrfs, or XFS with reflink.')
    expect(r.message).not.toMatch(/E[A-Z]{4,}/)
    expect(r.detail).toBe('tmpfs has no clone (FICLONE) in Linux, so no copy was tried')
    // The answer the copy itself gives there: the same, with the errno.
    const probe = path.join(tmpfsDir, 'probe-src')
    writeFileSync(probe, 'x')
    const err = (() => {
      try {
        copyFileSync(probe, path.join(tmpfsDir, 'probe-dst'), fsConstants.COPYFILE_FICLONE_FORCE)
      } catch (e) {
        return (e as NodeJS.ErrnoException).code
      }
    })()
    expect(err).toMatch(/^E(NOTSUP|OPNOTSUPP)$/)
    // Nothing is left behind in the folder tested.
    expect(readdirSync(tmpfsDir).filter((f) => f.startsWith('.hsc-reflink-'))).toEqual([])
  })
})

describe('reflink test input errors', () => {
  it('rejects relative paths and files with a clear message', async () => {
    await expect(reflinkTest('relative/dir')).rejects.toThrow(/absolute path/)
    await expect(reflinkTest('/proc/cmdline')).rejects.toThrow(/not a directory/)
    await expect(reflinkTest('/nonexistent-hsc-dir')).rejects.toMatchObject({ name: 'ReflinkError' })
  })
})
