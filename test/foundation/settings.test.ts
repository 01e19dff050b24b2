import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
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

  it('treats schema-invalid data like corruption (nothing silently kept)', async () => {
    const file = path.join(tmp(), 'settings.json')
    writeFileSync(file, JSON.stringify({ theme: 'neon' }))
    const state = await createSettingsService(fileBackend(file)).get()
    expect(state.settings.theme).toBe('system')
    expect(state.notice).toMatch(/did not match the schema \(theme/)
  })

  it('rejects an invalid update and keeps the stored settings', async () => {
    const file = path.join(tmp(), 'settings.json')
    const s = createSettingsService(fileBackend(file))
    await s.update({ theme: 'light' })
    await expect(s.update({ theme: 'neon' as 'light' })).rejects.toThrow()
    expect(JSON.parse(readFileSync(file, 'utf8')).theme).toBe('light')
  })
})
