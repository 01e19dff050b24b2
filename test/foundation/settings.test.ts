import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { settingsMethods } from '../../src/shared/contract/settings'
import { runHsc } from '../support/hsc'
import { isRoot } from '../support/paths'
import { fileBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'hsc-settings-'))

describe('settings service over a file', () => {
  it('starts from schema defaults and persists updates', async () => {
    const file = path.join(tmp(), 'sub', 'settings.json')
    const s = createSettingsService(fileBackend(file))
    const first = await s.get()
    expect(first.settings.theme).toBe('system')
    expect(first.notice).toBeUndefined()
    await s.update({ theme: 'dark', verifyAfterWrite: false })
    const again = await createSettingsService(fileBackend(file)).get()
    expect(again.settings).toMatchObject({ theme: 'dark', verifyAfterWrite: false })
    expect(JSON.parse(readFileSync(file, 'utf8')).theme).toBe('dark')
  })

  it('backs up a corrupted file, falls back to defaults and says so', async () => {
    const dir = tmp()
    const file = path.join(dir, 'settings.json')
    writeFileSync(file, '{"theme": "dark", oops')
    const state = await createSettingsService(fileBackend(file)).get()
    expect(state.settings.theme).toBe('system')
    expect(state.notice).toMatch(/could not be read/)
    const backup = readdirSync(dir).find((f) => f.startsWith('settings.json.corrupt-'))
    expect(backup).toBeDefined()
    expect(readFileSync(path.join(dir, backup!), 'utf8')).toBe('{"theme": "dark", oops')
    expect(JSON.parse(readFileSync(file, 'utf8')).theme).toBe('system')
  })

  it('drops one invalid field alone, keeps the others, says so and keeps the original', async () => {
    const dir = tmp()
    const file = path.join(dir, 'settings.json')
    const original = JSON.stringify({ theme: 'neon', downloadDir: '/data/isos', verifyAfterWrite: false, junk: 1 })
    writeFileSync(file, original)
    const state = await createSettingsService(fileBackend(file)).get()
    expect(state.settings).toMatchObject({ theme: 'system', downloadDir: '/data/isos', verifyAfterWrite: false })
    expect(state.notice).toMatch(/did not match the schema \(theme \(.*\); unknown setting "junk"\)/)
    expect(state.notice).toMatch(/other settings were kept/)
    const backup = readdirSync(dir).find((f) => f.startsWith('settings.json.corrupt-'))
    expect(readFileSync(path.join(dir, backup!), 'utf8')).toBe(original)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ downloadDir: '/data/isos', verifyAfterWrite: false })
  })

  it('keeps every change of concurrent writers in one process', async () => {
    const file = path.join(tmp(), 'settings.json')
    const a = createSettingsService(fileBackend(file))
    const b = createSettingsService(fileBackend(file))
    await Promise.all([
      a.update({ theme: 'dark' }),
      b.update({ verifyAfterWrite: false }),
      a.update({ downloadDir: '/x' }),
      b.update({ keepDownloadsAfterWrite: false })
    ])
    expect((await a.get()).settings).toMatchObject({ theme: 'dark', verifyAfterWrite: false, downloadDir: '/x', keepDownloadsAfterWrite: false })
  })

  it('rejects an invalid update and keeps the stored settings', async () => {
    const file = path.join(tmp(), 'settings.json')
    const s = createSettingsService(fileBackend(file))
    await s.update({ theme: 'light' })
    await expect(s.update({ theme: 'neon' as 'light' })).rejects.toThrow()
    expect(JSON.parse(readFileSync(file, 'utf8')).theme).toBe('light')
  })
})

describe('settings: trusted keys only through their own methods', () => {
  it('settings.update refuses importedKeys (settings.keys.import checks each key)', () => {
    expect(settingsMethods['settings.update'].input.safeParse({ importedKeys: ['-----BEGIN PGP PUBLIC KEY BLOCK-----'] }).success).toBe(false)
    // a patch names only what changes: the others are not filled in with defaults
    expect(settingsMethods['settings.update'].input.parse({ theme: 'dark' })).toEqual({ theme: 'dark' })
  })
})

describe('settings: faults', () => {
  it('four concurrent `hsc settings set` processes with different keys all keep their change', async () => {
    for (let round = 0; round < 2; round++) {
      const file = path.join(tmp(), 'settings.json')
      const env = { HSC_SETTINGS_FILE: file }
      const sets = ['theme=dark', 'verifyAfterWrite=false', 'keepDownloadsAfterWrite=false', 'downloadDir=/srv/isos']
      const results = await Promise.all(sets.map((kv) => runHsc(['settings', 'set', kv], env)))
      for (const r of results) expect(r.status, r.stderr).toBe(0)
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        theme: 'dark',
        verifyAfterWrite: false,
        keepDownloadsAfterWrite: false,
        downloadDir: '/srv/isos'
      })
    }
  })

  it.skipIf(!isRoot)(
    'a read-only settings folder gives a sentence, not a raw EROFS, and loses nothing (real read-only tmpfs; needs root to mount)',
    async () => {
      const dir = tmp()
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir])
      try {
        const file = path.join(dir, 'settings.json')
        await createSettingsService(fileBackend(file)).update({ theme: 'dark' })
        execFileSync('mount', ['-o', 'remount,ro', dir])
        const s = createSettingsService(fileBackend(file))
        const err = await s.update({ theme: 'light' }).catch((e: unknown) => e)
        expect(err).toMatchObject({
          name: 'SettingsNotSaved',
          message: `Settings could not be saved: ${dir} is on a read-only file system. Nothing was changed.`
        })
        expect((err as Error).message).not.toMatch(/EROFS/)
        expect((await s.get()).settings.theme).toBe('dark')
        const cli = await runHsc(['settings', 'set', 'theme=light'], { HSC_SETTINGS_FILE: file })
        expect(cli.status).not.toBe(0)
        expect(cli.stderr).toContain('read-only file system')
      } finally {
        execFileSync('umount', [dir])
      }
    }
  )
})
