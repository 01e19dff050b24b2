// scripts/lib/dbus-decode-faster.mjs edits dbus-next as it is bundled (64-bit integers read
// straight from the buffer, each signature parsed once). The bundles must decode exactly what
// dbus-next as published decodes: both decode the same marshalled bodies here, UDisks2's
// object-tree shape with 64-bit extremes among them.
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { requireBundled } from '../support/dbus-bundled'
import { PROJECT_ROOT } from '../support/paths'

interface DBusBufferCtor {
  new (buffer: Buffer, startPos: number, endian: number, fds?: unknown, options?: unknown): { read(signature: string): unknown[] }
}
interface DBusNext {
  DBusBuffer: DBusBufferCtor
  marshall(signature: string, data: unknown[]): Buffer
}

const require = createRequire(path.join(PROJECT_ROOT, 'package.json'))
const published: DBusNext = {
  DBusBuffer: require('dbus-next/lib/dbus-buffer') as DBusBufferCtor,
  marshall: require('dbus-next/lib/marshall') as DBusNext['marshall']
}

function bundled(): Promise<DBusNext> {
  return requireBundled<DBusNext>("module.exports = { DBusBuffer: require('dbus-next/lib/dbus-buffer'), marshall: require('dbus-next/lib/marshall') }")
}

/** What DBusBuffer.read gives for a{oa{sa{sv}}}: variants as [signature tree, [value]]. */
type Decoded = Array<[string, Array<[string, Array<[string, [unknown, unknown[]]]>]>]>

const LE = 'l'.charCodeAt(0)
const U64_MAX = 2n ** 64n - 1n
// dbus-next's marshaller refuses -2^63 itself (its own range check), so the lowest it writes.
const I64_LOW = -(2n ** 63n) + 1n

// UDisks2's GetManagedObjects shape: object path -> interface -> property -> variant.
const tree = [
  [
    [
      '/org/freedesktop/UDisks2/block_devices/sdb',
      [
        [
          'org.freedesktop.UDisks2.Block',
          [
            ['Size', ['t', 31_914_983_424n]],
            ['DeviceNumber', ['t', 2064n]],
            ['Huge', ['t', U64_MAX]],
            ['Unsafe', ['t', 2n ** 53n + 1n]],
            ['Zero', ['t', 0n]],
            ['Device', ['ay', Buffer.from('/dev/sdb\0')]],
            ['Symlinks', ['aay', [Buffer.from('/dev/disk/by-id/usb-X\0'), Buffer.from('/dev/disk/by-path/p\0')]]],
            ['ReadOnly', ['b', false]],
            ['IdLabel', ['s', 'HYPERSCALE ✓']],
            ['Drive', ['o', '/org/freedesktop/UDisks2/drives/X']]
          ]
        ],
        [
          'org.freedesktop.UDisks2.Partition',
          [
            ['Offset', ['t', 1_048_576n]],
            ['Signed', ['x', I64_LOW]],
            ['MinusOne', ['x', -1n]],
            ['Max', ['x', 2n ** 63n - 1n]],
            ['Number', ['u', 1]],
            ['Ratio', ['d', 0.25]]
          ]
        ]
      ]
    ]
  ]
]

describe('dbus-next as bundled decodes what dbus-next as published decodes', () => {
  it('UDisks2-shaped trees with 64-bit extremes, byte strings, nested arrays and variants', async () => {
    const fast = await bundled()
    const body = published.marshall('a{oa{sa{sv}}}', tree)
    const want = new published.DBusBuffer(body, 0, LE).read('a{oa{sa{sv}}}')
    const got = new fast.DBusBuffer(body, 0, LE).read('a{oa{sa{sv}}}')
    expect(got).toEqual(want)
    // The values the edit reads itself, spelled out: a wrong offset or sign could not pass.
    const objects = (got as [Decoded])[0]
    const props = new Map(objects[0][1].flatMap(([, p]) => p))
    expect(props.get('Huge')?.[1][0]).toBe(U64_MAX)
    expect(props.get('Unsafe')?.[1][0]).toBe(2n ** 53n + 1n)
    expect(props.get('Signed')?.[1][0]).toBe(I64_LOW)
    expect(props.get('MinusOne')?.[1][0]).toBe(-1n)
    expect(props.get('Number')?.[1][0]).toBe(1)
  })

  it('top-level 64-bit values and many messages reusing the same signatures', async () => {
    const fast = await bundled()
    for (let i = 0; i < 50; i++) {
      const data = [BigInt(i) * 1_000_000_007n, -BigInt(i) * 3n, [['k', ['t', BigInt(i)]]], 'x'.repeat(i)]
      const body = published.marshall('txa{sv}s', data)
      expect(new fast.DBusBuffer(body, 0, LE).read('txa{sv}s')).toEqual(new published.DBusBuffer(body, 0, LE).read('txa{sv}s'))
    }
  })
})
