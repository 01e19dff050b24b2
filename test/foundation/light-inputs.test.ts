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
    ['map', new Map([['root', '/']])],
    ...drivesSamples()
  ]
}

/** The drives inputs a write sends, and each of them bent one way or another. */
function drivesSamples(): Array<[string, unknown]> {
  const target = { device: '/dev/sdb', token: 'tok-1' }
  const write = { image: '/home/u/hs.iso', targets: [target], verify: false, expectedSha256: 'aB'.repeat(32), allowUnverified: true, after: 'eject' }
  const getterTarget = { device: '/dev/sdb' }
  Object.defineProperty(getterTarget, 'token', { enumerable: true, get: () => 'tok' })
  const sparse: unknown[] = []
  sparse[1] = target
  const hidden = { path: '/x' }
  Object.defineProperty(hidden, 'extra', { enumerable: false, value: 1 })
  const values: Array<[string, unknown]> = [
    ['absent', undefined],
    ['null', null],
    ['empty string', ''],
    ['string', '/dev/sdc'],
    ['long string', 'x'.repeat(4097)],
    ['number', 3],
    ['negative', -1],
    ['-0', -0],
    ['fraction', 1.5],
    ['NaN', NaN],
    ['2^53', 2 ** 53],
    ['huge', 2 ** 60],
    ['true', true],
    ['false', false],
    ['array', []],
    ['object', {}],
    ['poweroff', 'poweroff'],
    ['reboot', 'reboot'],
    ['sha lower', 'ab'.repeat(32)],
    ['sha short', 'ab'.repeat(31)],
    ['sha not hex', 'zz'.repeat(32)],
    ['String object', new String('/x')]
  ]
  const out: Array<[string, unknown]> = [
    ['write', write],
    ['write minimal', { image: '/i.iso', targets: [target] }],
    ['write 8 targets', { image: '/i.iso', targets: Array(8).fill(target) }],
    ['write 9 targets', { image: '/i.iso', targets: Array(9).fill(target) }],
    ['write target extra key', { image: '/i.iso', targets: [{ ...target, x: 1 }] }],
    ['write target getter', { image: '/i.iso', targets: [getterTarget] }],
    ['write sparse targets', { image: '/i.iso', targets: sparse }],
    ['write targets not an array', { image: '/i.iso', targets: { 0: target, length: 1 } }],
    ['image path', { path: '/home/u/hs.iso' }],
    ['image path and extra', { path: '/x', extra: 1 }],
    ['image path and hidden extra', hidden],
    ['imageSize', { imageSize: 2_000_000_000 }],
    ['jobId', { jobId: 'a'.repeat(64) }],
    ['jobId too long', { jobId: 'a'.repeat(65) }]
  ]
  for (const key of ['image', 'path', 'imageSize', 'jobId', 'verify', 'expectedSha256', 'allowUnverified', 'after', 'targets', 'device', 'token']) {
    for (const [label, v] of values) {
      if (['device', 'token'].includes(key)) out.push([`write target ${key} ${label}`, { ...write, targets: [{ ...target, [key]: v }] }])
      else if (key in write) out.push([`write ${key} ${label}`, { ...write, [key]: v }])
      else out.push([`${key} ${label}`, { [key]: v }])
    }
  }
  return out
}

/** For the methods whose schema needs fields: a plain input and the data it gives. */
const PLAIN_INPUTS: Record<string, [unknown, unknown]> = {
  'drives.image': [{ path: '/i.iso' }, { path: '/i.iso' }],
  'drives.write': [
    { image: '/i.iso', targets: [{ device: '/dev/sdb', token: 't' }] },
    { image: '/i.iso', targets: [{ device: '/dev/sdb', token: 't' }], verify: true, allowUnverified: false, after: 'none' }
  ],
  'drives.cancel': [{ jobId: 'j' }, { jobId: 'j' }]
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
    const plain = PLAIN_INPUTS[method] ?? [{}, {}]
    expect(lightInput(method, plain[0]), `${method} ${JSON.stringify(plain[0])}`).toEqual({ data: plain[1] })
    expect(accepted).toBeGreaterThanOrEqual(3)
  })

  it('a write as hsc sends it is checked without zod, defaults as the schema gives them', () => {
    const targets = [{ device: '/dev/sdb', token: 't' }]
    expect(lightInput('drives.write', { image: '/i.iso', targets, verify: true, expectedSha256: undefined, allowUnverified: false, after: 'none' })).toEqual({
      data: { image: '/i.iso', targets, verify: true, allowUnverified: false, after: 'none' }
    })
    // Fresh objects: the caller's input is never handed on.
    const input = { image: '/i.iso', targets }
    const data = lightInput('drives.write', input)?.data as { targets: unknown[] }
    expect(data).not.toBe(input)
    expect(data.targets).not.toBe(targets)
    expect(data.targets[0]).not.toBe(targets[0])
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
