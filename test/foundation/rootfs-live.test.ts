import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
})
