import { describe, expect, it } from 'vitest'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import { methodNames } from '../../src/shared/contract'

function makeRouter() {
  const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()) })
  return createRouter(createHandlers(ctx))
}

describe('router', () => {
  it('has a handler for every contract method', () => {
    const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()) })
    const handlers = createHandlers(ctx) as Record<string, unknown>
    for (const m of methodNames) expect(typeof handlers[m], m).toBe('function')
  })

  it('dispatches a valid call', async () => {
    const r = await makeRouter().call('app.info', {})
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.value).toMatchObject({ name: 'Hyperscale Companion', transport: 'cli' })
  })

  it('rejects unknown methods, wrong types, extra keys and prototype keys with ValidationError', async () => {
    const router = makeRouter()
    const bad: Array<[unknown, unknown]> = [
      ['no.such.method', {}],
      ['__proto__', {}],
      ['constructor', {}],
      [42, {}],
      [null, null],
      ['inspect.report', { root: 42 }],
      ['inspect.report', { root: '' }],
      ['inspect.report', { root: 'x'.repeat(100_000) }],
      ['inspect.report', { extra: 1 }],
      ['inspect.report', JSON.parse('{"__proto__": {"polluted": true}}')],
      ['inspect.report', 'a string'],
      ['inspect.report', [1, 2]],
      ['settings.update', { theme: 'neon' }],
      ['settings.update', { catalogueSources: ['not a url'] }]
    ]
    for (const [m, input] of bad) {
      const r = await router.call(m, input)
      expect(r.ok, JSON.stringify([m, input]).slice(0, 80)).toBe(false)
      if (!r.ok) {
        expect(r.error.name).toBe('ValidationError')
        expect(r.error.message.length).toBeLessThan(600)
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('turns a thrown error into a plain object, never a throw', async () => {
    const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()) })
    const handlers = createHandlers(ctx)
    handlers['app.info'] = () => {
      throw new Error('boom')
    }
    const r = await createRouter(handlers).call('app.info', {})
    expect(r).toEqual({ ok: false, error: { name: 'InternalError', message: 'boom' } })
  })
})
