import { describe, expect, it } from 'vitest'
import { methodSpec } from '../../src/shared/contract/capabilities'
import { lightInput, lightInputMethods } from '../../src/shared/contract/light-inputs'

// The zod-free check must accept only what the method's own schema accepts, and give the same
// data; anything it is unsure of goes to the schema. Inputs as they arrive over IPC, the
// WebSocket or from the CLI, hostile ones included.
function samples(): Array<[string, unknown]> {
  const getter = {}
  Object.defineProperty(getter, 'root', { enumerable: true, get: () => '/' })
  const withSymbol = { [Symbol('x')]: 1 }
  const nullProto = Object.create(null) as Record<string, unknown>
  const nullProtoRoot = Object.create(null) as Record<string, unknown>
  nullProtoRoot.root = '/srv/tree'
  return [
    ['undefined', undefined],
    ['{}', {}],
    ['null-prototype {}', nullProto],
    ['null-prototype {root}', nullProtoRoot],
    ['root /', { root: '/' }],
    ['root path', { root: '/tmp/some tree' }],
    ['root relative', { root: 'relative/dir' }],
    ['root with NUL', { root: '/a\u0000b' }],
    ['root 4096', { root: 'x'.repeat(4096) }],
    ['root 4097', { root: 'x'.repeat(4097) }],
    ['root empty', { root: '' }],
    ['root undefined', { root: undefined }],
    ['root null', { root: null }],
    ['root number', { root: 5 }],
    ['root String object', { root: new String('/') }],
    ['root array', { root: ['/'] }],
    ['extra key', { extra: 1 }],
    ['root and extra', { root: '/', extra: 1 }],
    ['own __proto__', JSON.parse('{"__proto__": {"root": "/"}}')],
    ['inherited root', Object.create({ root: '/' })],
    ['getter root', getter],
    ['symbol key', withSymbol],
    ['array', []],
    ['string', 'a string'],
    ['null', null],
    ['number', 42],
    ['boolean', true],
    ['date', new Date(0)],
    ['map', new Map([['root', '/']])]
  ]
}

describe('light inputs (checked without zod)', () => {
  it.each(lightInputMethods())('%s: accepts exactly what its schema accepts, with the same data', async (method) => {
    const spec = await methodSpec(method)
    expect(spec, `${method} is a contract method`).toBeDefined()
    let accepted = 0
    for (const [label, input] of samples()) {
      const light = lightInput(method, input)
      const zod = spec!.input.safeParse(input === undefined ? {} : input)
      if (light) {
        accepted++
        expect(zod.success, `${method} ${label}: accepted without the schema, but the schema refuses it`).toBe(true)
        expect(light.data, `${method} ${label}`).toEqual(zod.data)
      }
    }
    // The fast path is live: the plain inputs a client sends are taken by it.
    expect(lightInput(method, {}), `${method} {}`).toEqual({ data: {} })
    expect(accepted).toBeGreaterThanOrEqual(3)
  })

  it('takes root only for methods whose schema has it, and nothing for other methods', async () => {
    expect(lightInput('inspect.report', { root: '/srv' })).toEqual({ data: { root: '/srv' } })
    expect(lightInput('repos.list', { root: '/srv' })).toBeUndefined()
    expect(lightInput('repos.plan', {})).toBeUndefined()
    expect(lightInput('no.such.method', {})).toBeUndefined()
    expect(lightInput('__proto__', {})).toBeUndefined()
    expect(lightInput(42, {})).toBeUndefined()
  })
})
