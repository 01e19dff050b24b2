import { describe, expect, it } from 'vitest'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'

const router = (transport: 'cli' | 'browser' | 'electron') =>
  createRouter(createHandlers(createServiceContext({ transport, settings: createSettingsService(memoryBackend()) })))

describe('fleet.fact through the router', () => {
  it('a renderer (browser mode, Electron) cannot aim it at another root: that root would reach dnf and rpm argv', async () => {
    for (const t of ['browser', 'electron'] as const) {
      const r = await router(t).call('fleet.fact', { root: '/tmp' })
      expect(r.ok).toBe(false)
      expect(!r.ok && r.error).toMatchObject({ name: 'Forbidden', message: /only possible from the command line/ })
    }
  })

  it('rejects unknown keys like every contract input', async () => {
    const r = await router('cli').call('fleet.fact', { root: '/tmp', extra: 1 })
    expect(!r.ok && r.error.name).toBe('ValidationError')
  })
})
