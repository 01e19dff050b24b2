import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createRootFs } from '../../src/main/services/system/rootfs'

// The live root takes a system path as the host path, normalising it only when it needs it
// (a block-device scan resolves ~200 paths; path.normalize on each was most of its time).
// These are the answers path.posix.normalize gives, and the checks that stay.
const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-rootfs-live-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the live root', () => {
  const fs = createRootFs('/')

  it('resolves paths as path.posix.normalize does, and refuses relative ones', async () => {
    for (const p of ['/etc/hostname', '/a//b', '/a/./b', '/a/b/..', '/a/../../b', '/a/...', '/a/.hidden', '/a/b/', '/', '//', '/a/.'])
      expect(await fs.chase(p), p).toEqual({ system: path.posix.normalize(p), host: path.posix.normalize(p) })
    expect(fs.resolve('/x/../y')).toBe('/y')
    expect(() => fs.resolve('etc/hostname')).toThrow(/not an absolute system path/)
    await expect(fs.chase('relative')).rejects.toThrow(/not an absolute system path/)
  })

  it('exists: true for a file, false for a missing one or one under a file, through ".." too', async () => {
    const file = path.join(dir, 'present')
    writeFileSync(file, 'x')
    expect(await fs.exists(file)).toBe(true)
    expect(await fs.exists(`${dir}/sub/../present`)).toBe(true)
    expect(await fs.exists(path.join(dir, 'missing'))).toBe(false)
    expect(await fs.exists(path.join(file, 'below-a-file'))).toBe(false)
    expect(await fs.exists('not/absolute')).toBe(false)
  })

  it('a missing file reads as missing in every form: read, tryReadText, tryReadTextsIn, stat, list', async () => {
    const file = path.join(dir, 'here.conf')
    writeFileSync(file, 'text')
    const fifo = path.join(dir, 'pipe')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'))
    for (const [p, why] of [
      [path.join(dir, 'missing'), 'missing'],
      [path.join(file, 'below-a-file'), 'missing'],
      [path.join(dir, 'dangling'), 'missing'],
      [fifo, 'not-regular']
    ] as const) {
      const r = await fs.read(p)
      expect(r, p).toMatchObject({ ok: false, why, path: p })
      if (why === 'missing') expect(r).toMatchObject({ reason: `${p} is missing`, code: expect.stringMatching(/^ENO(ENT|TDIR)$/) })
      expect(await fs.tryReadText(p)).toBeUndefined()
      if (why === 'missing') expect(await fs.stat(p)).toBeUndefined()
    }
    expect(await fs.read(file)).toMatchObject({ ok: true, path: file })
    expect(await fs.tryReadTextsIn(dir, ['here.conf', 'missing', 'dangling', 'pipe'])).toEqual(['text', undefined, undefined, undefined])
    expect(await fs.list(path.join(dir, 'no-such-folder'))).toEqual([])
    expect(await fs.list(path.join(file, 'x'))).toEqual([])
  })
})

describe('a root tree', () => {
  it('a missing file, a missing folder on the way and a link to nothing read as missing; a link out of the tree stays inside', async () => {
    const root = path.join(dir, 'tree')
    mkdirSync(path.join(root, 'etc'), { recursive: true })
    writeFileSync(path.join(root, 'etc/present'), 'inside')
    symlinkSync('/etc/no-such-file-here', path.join(root, 'etc/dangling'))
    // Absolute inside the tree: /etc/present of the tree, never the host's.
    symlinkSync('/etc/present', path.join(root, 'etc/link'))
    const tree = createRootFs(root)
    for (const p of ['/etc/missing', '/nowhere/at/all', '/etc/dangling', '/etc/present/below'])
      expect(await tree.read(p), p).toMatchObject({ ok: false, why: 'missing', reason: `${p} is missing`, path: p })
    expect((await tree.read('/etc/link')) as { data?: Buffer }).toMatchObject({ ok: true })
    expect(await tree.readText('/etc/link')).toBe('inside')
    expect(await tree.tryReadTextsIn('/etc', ['present', 'missing', 'dangling', 'link'])).toEqual(['inside', undefined, undefined, 'inside'])
    expect(await tree.stat('/nowhere/at/all')).toBeUndefined()
    expect(await tree.list('/nowhere')).toEqual([])
    await expect(tree.readText('/etc/missing')).rejects.toThrow('/etc/missing is missing')
  })
})
