import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import { contract, methodNames } from '../../src/shared/contract'

// Deterministic PRNG so a failure reproduces.
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0
    return seed / 2 ** 32
  }
}

const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'zz_unknown', '', '\u0000', 'a'.repeat(5000)]

function garbage(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 10)
  switch (pick) {
    case 0:
      return null
    case 1:
      return r() * 1e12 - 5e11
    case 2:
      return 'x'.repeat(Math.floor(r() * 3) === 0 ? 2_000_000 : Math.floor(r() * 100))
    case 3:
      return r() > 0.5
    case 4:
      return depth > 3 ? [] : Array.from({ length: Math.floor(r() * 5) }, () => garbage(r, depth + 1))
    case 5:
      return NaN
    default: {
      // Objects always carry at least one key no strict schema accepts.
      const o: Record<string, unknown> = JSON.parse(`{${JSON.stringify(NASTY_KEYS[Math.floor(r() * NASTY_KEYS.length)] || 'zz_unknown')}: 1}`)
      if (Object.keys(o).length === 0 || Object.keys(o)[0] === '') o.zz_unknown = 1
      if (depth < 3) for (let i = 0; i < r() * 4; i++) o[`k${i}`] = garbage(r, depth + 1)
      return o
    }
  }
}

describe('IPC robustness: malformed calls through the router', () => {
  const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()) })
  const router = createRouter(createHandlers(ctx))

  it('every contract input is a strict object schema (so unknown keys can never slip through)', () => {
    for (const m of methodNames) {
      const schema = contract[m].input as z.ZodType
      expect(schema instanceof z.ZodObject, m).toBe(true)
      expect(schema.safeParse({ zz_unknown: 1 }).success, `${m} accepts unknown keys`).toBe(false)
    }
  })

  it('rejects 5000 malformed messages with ValidationError and stays healthy', async () => {
    const r = rng(0xc0ffee)
    const names: unknown[] = [
      ...methodNames,
      'no.such',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      '',
      'x'.repeat(100_000),
      42,
      null,
      {},
      ['inspect.report']
    ]
    const heapBefore = process.memoryUsage().heapUsed
    let rejected = 0
    for (let i = 0; i < 5000; i++) {
      const method = names[Math.floor(r() * names.length)]
      const input = garbage(r)
      // Plain JSON round trip: what any transport actually delivers.
      const wire = JSON.parse(JSON.stringify({ input }) ?? '{}').input as unknown
      const res = await router.call(method, wire)
      expect(res.ok, `${String(method).slice(0, 40)} accepted ${JSON.stringify(wire)?.slice(0, 120)}`).toBe(false)
      if (!res.ok) {
        expect(res.error.name).toBe('ValidationError')
        expect(res.error.message.length).toBeLessThan(1000)
        rejected++
      }
    }
    expect(rejected).toBe(5000)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'k0')).toBe(false)
    const ok = await router.call('app.info', {})
    expect(ok.ok).toBe(true)
    // No leak proportional to the garbage: well under the ~10 MB of 2 MB strings sent.
    global.gc?.()
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024)
    // Not a speed check: 5000 validations with 2 MB strings take ~40 s on a quiet 2-core machine.
  }, 240_000)
})
