import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OOMD_THRESHOLDS_FILE, type OomdPressureSample } from '../../src/shared/contract'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { createSettingsService } from '../../src/main/services/settings/service'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createOomdHandlers } from '../../src/main/services/oomd/handlers'
import { fixture, makeTree } from './tree'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.()
})

function context(root: string) {
  const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()), root })
  cleanups.push(() => ctx.events.close())
  return ctx
}

function tree() {
  const t = makeTree({
    '/etc/systemd/oomd.conf': fixture('oomd.conf'),
    '/usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf': fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf')
  })
  cleanups.push(t.cleanup)
  return t.root
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

describe('oomd through the router (same path as IPC, WebSocket and CLI)', () => {
  it('validates inputs before any handler runs', async () => {
    const router = createRouter(createHandlers(context(tree())))
    const unknownKey = await router.call('oomd.setThresholds', { values: { ManagedOOMSwap: 'kill' } })
    expect(unknownKey.ok).toBe(false)
    if (!unknownKey.ok) expect(unknownKey.error.name).toBe('ValidationError')
    const rootOnWrite = await router.call('oomd.enable', { root: '/tmp' })
    expect(rootOnWrite.ok).toBe(false)
    const tooLong = await router.call('oomd.setThresholds', { values: { SwapUsedLimit: '9'.repeat(65) + '%' } })
    expect(tooLong.ok).toBe(false)
  })

  it('a bad value comes back as InvalidThreshold and nothing reaches the privileged runner', async () => {
    const root = tree()
    const router = createRouter(createHandlers(context(root)))
    const r = await router.call('oomd.setThresholds', { values: { SwapUsedLimit: '150%', DefaultMemoryPressureDurationSec: '-1s' } })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.name).toBe('InvalidThreshold')
      expect(r.error.message).toMatch(/SwapUsedLimit.*above 100%.*DefaultMemoryPressureDurationSec/)
      expect(r.error.hint).toBe('Nothing was written.')
    }
    expect(existsSync(path.join(root, OOMD_THRESHOLDS_FILE))).toBe(false)
  })

  it.skipIf(!isRoot)('set and reset go through the real privileged runner (install / rm; direct because we run as root)', async () => {
    const root = tree()
    const router = createRouter(createHandlers(context(root)))
    const set = await router.call('oomd.setThresholds', { values: { DefaultMemoryPressureLimit: '55.25%', DefaultMemoryPressureDurationSec: '2min' } })
    expect(set.ok).toBe(true)
    const file = path.join(root, OOMD_THRESHOLDS_FILE)
    expect(readFileSync(file, 'utf8')).toBe(set.ok ? set.value.content : '')
    expect(readFileSync(file, 'utf8')).toMatch(/^\[OOM\]\nDefaultMemoryPressureLimit=55\.25%\nDefaultMemoryPressureDurationSec=2min\n/m)
    const status = await router.call('oomd.status', { root })
    expect(status.ok && status.value.thresholdsFile).toEqual({
      path: OOMD_THRESHOLDS_FILE,
      exists: true,
      values: { DefaultMemoryPressureLimit: '55.25%', DefaultMemoryPressureDurationSec: '2min' }
    })
    expect(status.ok && status.value.config.settings.DefaultMemoryPressureDurationSec.source).toBe(OOMD_THRESHOLDS_FILE)

    const reset = await router.call('oomd.reset', {})
    expect(reset.ok).toBe(true)
    expect(existsSync(file)).toBe(false)
    expect(reset.ok && reset.value.config.settings.DefaultMemoryPressureDurationSec.source).toBe('/usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf')
  })

  it('oomd.pressure samples only while a client is subscribed', async () => {
    const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()), root: '/' })
    cleanups.push(() => ctx.events.close())
    createOomdHandlers({ pressureIntervalMs: 40 })(ctx)
    const got: OomdPressureSample[] = []
    let third: () => void = () => undefined
    const threeSamples = new Promise<void>((resolve) => (third = resolve))
    const client = ctx.events.addClient((event, payload) => {
      if (event !== 'oomd.pressure') return
      got.push(payload as OomdPressureSample)
      if (got.length >= 3) third()
    })
    await new Promise((r) => setTimeout(r, 150))
    expect(got).toEqual([])
    ctx.events.subscribe(client, 'oomd.pressure')
    await threeSamples
    ctx.events.unsubscribe(client, 'oomd.pressure')
    const n = got.length
    expect(n).toBeGreaterThanOrEqual(3)
    expect(got.every((s) => s.error !== undefined || typeof s.some?.avg10 === 'number')).toBe(true)
    await new Promise((r) => setTimeout(r, 200))
    expect(got.length).toBe(n)
  })
})
