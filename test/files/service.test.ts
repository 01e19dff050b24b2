import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listFolder } from '../../src/main/services/files/listing'
import { listPlaces, type PlacesSource } from '../../src/main/services/files/places'
import { expandPath, resolveFile } from '../../src/main/services/files/resolve'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { createSettingsService } from '../../src/main/services/settings/service'
import { memoryBackend } from '../../src/main/services/settings/backend'

// A real home folder in a temp dir, with real links pointing in and out of it.
let base = ''
let home = ''
let media = ''
let outside = ''
let src: PlacesSource
const mntWritable = (() => {
  try {
    accessSync('/mnt', constants.W_OK)
    return true
  } catch {
    return false
  }
})()

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'hsc-files-'))
  home = path.join(base, 'home')
  media = path.join(base, 'media-stick')
  outside = path.join(base, 'secret')
  mkdirSync(path.join(home, 'Downloads/isos'), { recursive: true })
  mkdirSync(media)
  mkdirSync(outside)
  writeFileSync(path.join(home, 'Downloads/spin.iso'), Buffer.alloc(4096, 1))
  writeFileSync(path.join(home, 'Downloads/CHECKSUM'), 'SHA256 (spin.iso) = 00\n')
  writeFileSync(path.join(home, 'Downloads/notes.txt'), 'hello')
  writeFileSync(path.join(home, 'Downloads/empty.iso'), '')
  writeFileSync(path.join(home, '.hidden.iso'), 'x')
  writeFileSync(path.join(outside, 'key.pem'), 'secret')
  writeFileSync(path.join(media, 'on-stick.img'), 'y')
  symlinkSync(outside, path.join(home, 'Downloads/escape-dir'))
  symlinkSync(path.join(outside, 'key.pem'), path.join(home, 'Downloads/escape-file.iso'))
  symlinkSync(path.join(home, 'Downloads/spin.iso'), path.join(home, 'Downloads/isos/link.iso'))
  // A mount outside the media folders (here under the temp dir) is not a place.
  const mountinfo = `36 25 0:32 / / rw - ext4 /dev/sda1 rw\n90 36 8:17 / ${media} rw,nosuid - vfat /dev/sdb1 rw\n91 36 8:18 / /media/nobody-here rw - vfat /dev/sdc1 rw\n`
  src = {
    home,
    downloadDir: async () => path.join(home, 'Downloads'),
    mountinfo: async () => mountinfo,
    recent: async () => [path.join(home, 'Downloads/spin.iso'), path.join(home, 'Downloads/gone.iso')]
  }
})
afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('file chooser places', () => {
  it('offers home, Downloads and recent downloads that exist; mounts only under media folders', async () => {
    const p = await listPlaces(src, 'image')
    expect(p.roots.map((r) => [r.kind, r.path])).toEqual([
      ['home', home],
      ['downloads', path.join(home, 'Downloads')]
    ])
    // A download that was deleted is not offered.
    expect(p.recent.map((r) => r.name)).toEqual(['spin.iso'])
    expect(p.recent[0].matches).toBe(true)
  })

  it.skipIf(!mntWritable)(
    `lists mounted media under /run/media, /media or /mnt (and only those that exist)${mntWritable ? '' : ' (skipped: /mnt is not writable for this user)'}`,
    async () => {
      const dir = mkdtempSync('/mnt/hsc-files-media-')
      try {
        const deep = path.join(dir, 'a/b')
        mkdirSync(deep, { recursive: true })
        // mountinfo as the kernel writes it; /media/none does not exist; a deeper mount under /mnt is not media.
        const p = await listPlaces(
          {
            ...src,
            mountinfo: async () =>
              `90 36 8:17 / ${dir} rw - vfat /dev/sdb1 rw\n91 36 8:18 / /media/none rw - vfat /dev/sdc1 rw\n92 36 0:40 / ${deep} rw - squashfs /dev/loop9 ro\n`
          },
          'any'
        )
        expect(p.roots.filter((r) => r.kind === 'media').map((r) => r.path)).toEqual([dir])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  )
})

describe('file chooser listing', () => {
  it('lists folders first, marks images, hides dot files, and never follows a link out of the place', async () => {
    const l = await listFolder(src, { path: path.join(home, 'Downloads'), kind: 'image', hidden: false })
    expect(l.root.kind).toBe('downloads')
    // Downloads is inside Home, so Up leads there; Home itself has no way up.
    expect(l.parent).toBe(home)
    expect((await listFolder(src, { path: home, kind: 'image', hidden: false })).parent).toBeUndefined()
    const names = l.entries.map((e) => `${e.type}:${e.name}:${e.matches}`)
    expect(names).toEqual(['dir:isos:false', 'file:CHECKSUM:false', 'file:empty.iso:true', 'file:notes.txt:false', 'file:spin.iso:true'])
    // escape-dir and escape-file.iso point outside: left out and counted.
    expect(l.skipped).toBe(2)
    expect(JSON.stringify(l)).not.toContain('secret')
  })

  it('a link inside the place is shown with its real path', async () => {
    const l = await listFolder(src, { path: path.join(home, 'Downloads/isos'), kind: 'image', hidden: false })
    expect(l.entries).toMatchObject([{ name: 'link.iso', path: path.join(home, 'Downloads/spin.iso'), type: 'file' }])
    expect(l.parent).toBe(path.join(home, 'Downloads'))
  })

  it('refuses folders outside the places, by path, by .. and by a link', async () => {
    for (const p of ['/etc', outside, path.join(home, '../secret'), path.join(home, 'Downloads/escape-dir'), '/']) {
      await expect(listFolder(src, { path: p, kind: 'any', hidden: false }), p).rejects.toMatchObject({ name: 'OutsidePlaces' })
    }
  })

  it('a missing folder is a sentence, the errno only in the detail', async () => {
    const err = await listFolder(src, { path: path.join(home, 'nope'), kind: 'any', hidden: false }).catch((e) => e)
    expect(err.message).toBe('This folder does not exist.')
    expect(err.message).not.toMatch(/ENOENT/)
    expect(err.detail).toMatch(/ENOENT/)
  })
})

describe('typed paths', () => {
  it('expands ~ and refuses relative paths and other users', () => {
    expect(expandPath('~', home)).toBe(home)
    expect(expandPath(' ~/Downloads/spin.iso ', home)).toBe(path.join(home, 'Downloads/spin.iso'))
    expect(() => expandPath('Downloads/spin.iso', home)).toThrow(/is not a full path/)
    expect(() => expandPath('./spin.iso', home)).toThrow(/is not a full path/)
    expect(() => expandPath('~root/x', home)).toThrow(/another user's home/)
    expect(() => expandPath('', home)).toThrow(/No file was given/)
  })

  it('resolves a readable file; sentences for missing, folder and empty', async () => {
    await expect(resolveFile('~/Downloads/isos/link.iso', home)).resolves.toEqual({ path: path.join(home, 'Downloads/spin.iso'), name: 'spin.iso', size: 4096 })
    await expect(resolveFile('~/Downloads/nope.iso', home)).rejects.toMatchObject({
      message: '"nope.iso" does not exist.',
      hint: expect.stringMatching(/Browse/)
    })
    await expect(resolveFile('~/Downloads', home)).rejects.toMatchObject({ message: '"Downloads" is a folder, not a file.' })
    await expect(resolveFile('~/Downloads/empty.iso', home)).rejects.toMatchObject({ message: '"empty.iso" is empty.' })
    await expect(resolveFile('/dev/null', home)).rejects.toMatchObject({ message: expect.stringMatching(/not a regular file/) })
  })
})

describe('files.* through the router (what every transport gets)', () => {
  const ctx = createServiceContext({
    transport: 'browser',
    settings: createSettingsService(memoryBackend()),
    env: { HOME: '/nonexistent-home-for-test', HSC_CACHE_DIR: '/nonexistent-cache' }
  })
  const router = createRouter(createHandlers(ctx))

  it('validates input: relative and NUL paths for files.list are refused before any file is touched', async () => {
    for (const p of ['etc', '../x', '/tmp/\0x', '']) {
      const r = await router.call('files.list', { path: p })
      expect(r.ok, p).toBe(false)
      if (!r.ok) expect(r.error.name).toBe('ValidationError')
    }
    const r = await router.call('files.list', { path: '/etc' })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.name).toBe('OutsidePlaces')
  })

  it('files.resolve gives a sentence for a relative path, and files.choose has no native dialog outside Electron', async () => {
    const r = await router.call('files.resolve', { path: 'image.iso' })
    expect(r).toMatchObject({
      ok: false,
      error: { name: 'RelativePath', message: '"image.iso" is not a full path, so it is not clear which folder it is in.' }
    })
    expect(await router.call('files.choose', { kind: 'image' })).toEqual({ ok: true, value: { path: null, native: false } })
  })
})
