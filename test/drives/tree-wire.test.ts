// tree-wire.ts reads UDisks2's GetManagedObjects reply straight into the plain tree. It must
// give exactly what dbus-next as published and plain() give, or hand the message back
// (undefined). Both decode the same bytes here: marshalled trees with every type UDisks2
// sends, hostile bodies, random damage, and the real udisksd's reply on the system bus. The
// bundled dbus-next must route these replies to it and nothing else.
import { createRequire } from 'node:module'
import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { isPlainTree, plain, toObjectTree } from '../../src/main/services/drives/udisks/tree'
import { decodeObjectTreeBody, OBJECT_TREE_SIGNATURE } from '../../src/main/services/drives/udisks/tree-wire'
import { connectFdBus } from '../../src/main/services/drives/udisks/bus'
import { DrivesService } from '../../src/main/services/drives/service'
import { createRootFs } from '../../src/main/services/system/rootfs'
import type { Message, MessageBus } from 'dbus-next'
import { requireBundled } from '../support/dbus-bundled'
import { PROJECT_ROOT } from '../support/paths'
import { rawMethodReply } from '../support/raw-dbus'
import { loopDelete, loopSetup, makeIso, tmpDir, udisksSkipReason } from './support'

const require = createRequire(path.join(PROJECT_ROOT, 'package.json'))
interface DBusBufferLike {
  pos: number
  read(signature: string): unknown[]
}
const DBusBuffer = require('dbus-next/lib/dbus-buffer') as new (b: Buffer, start: number, endian: number) => DBusBufferLike
const marshall = require('dbus-next/lib/marshall') as (signature: string, data: unknown[]) => Buffer
const { messageToJsFmt } = require('dbus-next/lib/marshall-compat') as { messageToJsFmt(m: { signature: string; body: unknown[] }): { body: unknown[] } }
const wireMessage = require('dbus-next/lib/message') as { marshall(m: Record<string, unknown>): [Buffer, number[]] }

const LE = 0x6c
const SIG = OBJECT_TREE_SIGNATURE

/** What the drives service made of a reply before: dbus-next's reader, its conversion, plain(). */
function published(body: Buffer, start = 0): unknown {
  const reader = new DBusBuffer(body, 0, LE)
  reader.pos = start
  return plain(messageToJsFmt({ signature: SIG, body: reader.read(SIG) }).body[0])
}

function fast(body: Buffer, start = 0): unknown {
  return decodeObjectTreeBody(SIG, body, start)?.[0]
}

type Marshalled = [string, unknown]
const v = (signature: string, value: unknown): Marshalled => [signature, value]
const objects = (entries: Array<[string, Array<[string, Array<[string, Marshalled]>]>]>): Buffer => marshall(SIG, [entries])

// Every type UDisks2 sends, in the places it sends them, and the edges of each.
const rich = objects([
  [
    '/org/freedesktop/UDisks2/block_devices/sdb1',
    [
      [
        'org.freedesktop.UDisks2.Block',
        [
          ['Device', v('ay', Buffer.from('/dev/sdb1\0'))],
          ['PreferredDevice', v('ay', Buffer.from('/dev/sdb1'))],
          ['Symlinks', v('aay', [Buffer.from('/dev/disk/by-id/usb-Stick ✓\0'), Buffer.from('/dev/disk/by-label/A\0junk')])],
          ['Id', v('ay', Buffer.from([0, 1, 255]))],
          ['Size', v('t', 31_914_983_424n)],
          ['Huge', v('t', 2n ** 64n - 1n)],
          ['Unsafe', v('t', 2n ** 53n + 1n)],
          ['Signed', v('x', -(2n ** 63n) + 1n)],
          ['MinusOne', v('x', -1n)],
          ['DeviceNumber', v('t', 2065n)],
          ['ReadOnly', v('b', false)],
          ['HintSystem', v('b', true)],
          ['IdLabel', v('s', 'HYPERSCALE ✓ €')],
          ['IdUUID', v('s', '')],
          ['Drive', v('o', '/org/freedesktop/UDisks2/drives/Stick')],
          ['Sig', v('g', 'a{sv}')],
          [
            'Configuration',
            v('a(sa{sv})', [
              [
                'fstab',
                [
                  ['dir', v('ay', Buffer.from('/mnt\0'))],
                  ['passno', v('i', -2)]
                ]
              ]
            ])
          ],
          ['Empty', v('a(sa{sv})', [])],
          ['MediaCompatibility', v('as', ['thumb', 'flash'])],
          ['Slaves', v('ao', [])],
          ['Pair', v('(tt)', [1n, 2n])],
          ['Deep', v('v', v('v', v('au', [1, 4294967295])))],
          ['Small', v('(ynq)', [255, -32768, 65535])],
          ['Ratio', v('d', -0.25)],
          [
            'Dict',
            v('a{ss}', [
              ['a', 'b'],
              ['a', 'c']
            ])
          ],
          ['NoKeys', v('a{sv}', [])]
        ]
      ],
      ['org.freedesktop.UDisks2.Filesystem', [['MountPoints', v('aay', [Buffer.from('/run/media/u/A\0')])]]],
      ['org.freedesktop.UDisks2.Loop', [['BackingFile', v('ay', Buffer.from('/var/tmp/stick.img\0'))]]]
    ]
  ],
  ['/org/freedesktop/UDisks2/Manager', [['org.freedesktop.UDisks2.Manager', [['Version', v('s', '2.9.4')]]]]]
])

/** A small deterministic PRNG: the damage is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return s / 2 ** 32
  }
}

describe('tree-wire reads what dbus-next and plain() read', () => {
  it('every type UDisks2 sends, with the edges of each', () => {
    const got = fast(rich)
    expect(got).toBeDefined()
    expect(isPlainTree(got)).toBe(true)
    expect(got).toEqual(published(rich))
    expect(toObjectTree(got)).toBe(got)
    // Spelled out, so two equal mistakes could not pass.
    const block = (got as Record<string, Record<string, Record<string, unknown>>>)['/org/freedesktop/UDisks2/block_devices/sdb1'][
      'org.freedesktop.UDisks2.Block'
    ]
    expect(block.Device).toBe('/dev/sdb1')
    expect(block.Symlinks).toEqual(['/dev/disk/by-id/usb-Stick ✓', '/dev/disk/by-label/A'])
    expect(block.Id).toEqual([0, 1, 255])
    expect(block.Huge).toBe(2 ** 64)
    expect(block.Signed).toBe(-(2 ** 63))
    expect(block.MinusOne).toBe(-1)
    expect(block.Small).toEqual([255, -32768, 65535])
    expect(block.Configuration).toEqual([['fstab', { dir: [47, 109, 110, 116, 0], passno: -2 }]])
    expect(block.Dict).toEqual({ a: 'c' })
  })

  it('a body that starts after the header fields, 8-aligned from the buffer start', () => {
    const framed = Buffer.concat([Buffer.alloc(24, 0xee), rich])
    expect(fast(framed, 24)).toEqual(published(rich))
  })

  it('hands back what an object or plain() would read differently, or what it does not take', () => {
    const hostile: Record<string, Buffer> = {
      'a __proto__ key': objects([['/o', [['i', [['__proto__', v('a{sv}', [['polluted', v('b', true)]])]]]]]]),
      'a dict plain() takes for a variant': objects([
        [
          '/o',
          [
            [
              'i',
              [
                [
                  'x',
                  v('a{sv}', [
                    ['signature', v('s', 's')],
                    ['value', v('s', 'y')]
                  ])
                ]
              ]
            ]
          ]
        ]
      ]),
      'integer dict keys': objects([['/o', [['i', [['x', v('a{is}', [[1, 'one']])]]]]]]),
      'variants 65 deep': objects([['/o', [['i', [['x', Array.from({ length: 64 }).reduce<Marshalled>((inner) => v('v', inner), v('s', 'deep'))]]]]]])
    }
    for (const [name, body] of Object.entries(hostile)) {
      expect(published(body), name).toBeDefined()
      expect(fast(body), name).toBeUndefined()
    }
    // 64 variants deep is still read here.
    const deep = objects([['/o', [['i', [['x', Array.from({ length: 63 }).reduce<Marshalled>((inner) => v('v', inner), v('s', 'deep'))]]]]]])
    expect(fast(deep)).toEqual(published(deep))
    // Variant signatures dbus-next would read otherwise (or loop on), and file descriptors:
    // the same body with its one variant's signature 'u' rewritten.
    const one = objects([['/o', [['i', [['x', v('u', 7)]]]]]])
    const at = one.indexOf(Buffer.from([1, 0x75, 0]))
    for (const sig of ['h', '(', 'a', ')', '{']) {
      const bent = Buffer.from(one)
      bent[at + 1] = sig.charCodeAt(0)
      expect(fast(bent), sig).toBeUndefined()
    }
    expect(decodeObjectTreeBody('a{sv}', one, 0)).toBeUndefined()
  })

  it('every truncation is handed back', () => {
    for (let n = 0; n < rich.length; n++) expect(fast(rich.subarray(0, n)), `cut at ${n}`).toBeUndefined()
  })

  it('random damage: whatever it reads, dbus-next and plain() read the same', () => {
    const random = prng(15)
    let read = 0
    const trials = 3000
    for (let i = 0; i < trials; i++) {
      const bent = Buffer.from(rich)
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) bent[Math.floor(random() * bent.length)] = Math.floor(random() * 256)
      const got = fast(bent)
      if (got === undefined) continue
      read++
      expect(got, `trial ${i}`).toEqual(published(bent))
    }
    // Most damage lands in strings and numbers, which it reads: the comparison is not empty.
    expect(read).toBeGreaterThan(trials / 4)
  })
})

describe('the bundled dbus-next hands GetManagedObjects replies to tree-wire', () => {
  interface Bundled {
    message: { unmarshalMessages(stream: PassThrough, onMessage: (m: Record<string, unknown>) => void, opts?: unknown): void }
    compat: { messageToJsFmt(m: Record<string, unknown>): { body: unknown[] } }
    tree: { isPlainTree(v: unknown): boolean }
  }
  function bundled(): Promise<Bundled> {
    const treePath = path.join(PROJECT_ROOT, 'src/main/services/drives/udisks/tree.ts')
    return requireBundled<Bundled>(
      `module.exports = { message: require('dbus-next/lib/message'), compat: require('dbus-next/lib/marshall-compat'), tree: require(${JSON.stringify(treePath)}) }`
    )
  }

  /** Messages as the bundled connection receives them: its stream parser, then its conversion. */
  async function receive(b: Bundled, messages: Buffer[]): Promise<Array<{ body: unknown[] }>> {
    const stream = new PassThrough()
    const got: Array<{ body: unknown[] }> = []
    b.message.unmarshalMessages(stream, (m) => got.push(b.compat.messageToJsFmt(m)))
    stream.end(Buffer.concat(messages))
    await new Promise((r) => stream.once('end', r).resume())
    return got
  }

  it('a method reply of that signature arrives plain; a signal of it and other replies stay dbus-next values', async () => {
    const b = await bundled()
    const frame = (type: number, signature: string, body: unknown[]): Buffer =>
      wireMessage.marshall({ type, serial: 9, replySerial: 2, destination: ':1.5', signature, body })[0]
    const raw = [[['/o', [['i', [['Size', v('t', 5n)]]]]]]]
    const [reply, signal, props] = await receive(b, [frame(2, SIG, raw), frame(4, SIG, raw), frame(2, 'a{sv}', [[['Size', v('t', 5n)]]])])
    expect(b.tree.isPlainTree(reply.body[0])).toBe(true)
    expect(reply.body[0]).toEqual({ '/o': { i: { Size: 5 } } })
    expect(b.tree.isPlainTree(signal.body[0])).toBe(false)
    expect(plain(signal.body[0])).toEqual({ '/o': { i: { Size: 5 } } })
    expect((props.body[0] as Record<string, { signature: string; value: unknown }>).Size).toMatchObject({ signature: 't', value: 5n })
  })

  it('a reply it hands back is decoded by dbus-next as before', async () => {
    const b = await bundled()
    const body = [
      [
        [
          '/o',
          [
            [
              'i',
              [
                ['__proto__', v('s', 'x')],
                ['Size', v('t', 5n)]
              ]
            ]
          ]
        ]
      ]
    ]
    const [reply] = await receive(b, [wireMessage.marshall({ type: 2, serial: 9, replySerial: 2, signature: SIG, body })[0]])
    expect(b.tree.isPlainTree(reply.body[0])).toBe(false)
    expect(plain(reply.body[0])).toEqual({ '/o': { i: { Size: 5 } } })
  })
})

const SYSTEM_BUS = '/run/dbus/system_bus_socket'
const skip = existsSync(SYSTEM_BUS) ? await udisksSkipReason() : `no system bus at ${SYSTEM_BUS}`

describe.skipIf(!!skip)(`the real udisksd's reply${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('with a loop device holding an ISO 9660 filesystem: read the same both ways', async () => {
    const dir = tmpDir('tree-wire-')
    const dev = loopSetup(makeIso(dir, 1))
    try {
      const reply = await rawMethodReply(SYSTEM_BUS, {
        destination: 'org.freedesktop.UDisks2',
        path: '/org/freedesktop/UDisks2',
        interface: 'org.freedesktop.DBus.ObjectManager',
        member: 'GetManagedObjects'
      })
      expect(reply.signature).toBe(SIG)
      const got = fast(reply.message, reply.bodyStart) as Record<string, Record<string, Record<string, unknown>>>
      expect(got).toBeDefined()
      expect(got).toEqual(published(reply.message, reply.bodyStart))
      const block = got[`/org/freedesktop/UDisks2/block_devices/${path.basename(dev)}`]
      expect(block['org.freedesktop.UDisks2.Block'].Device).toBe(dev)
      expect(block['org.freedesktop.UDisks2.Loop'].BackingFile).toBe(path.join(dir, 'test.iso'))
      expect(block['org.freedesktop.UDisks2.Block'].IdLabel).toBe('HSC_TEST')
    } finally {
      loopDelete(dev)
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('the drives service reads /proc and /sys while the tree is on its way, never before asking for it', async () => {
    const dir = tmpDir('tree-wire-')
    const dev = loopSetup(makeIso(dir, 1))
    const events: string[] = []
    const live = createRootFs('/')
    const fs = { ...live, readText: (p: string, o?: Parameters<typeof live.readText>[1]) => (events.push(`read ${p}`), live.readText(p, o)) }
    const connect = async (): Promise<MessageBus> => {
      const bus = await connectFdBus({ env: process.env })
      const call = bus.call.bind(bus)
      bus.call = (m: Message) => {
        events.push(`call ${m.member}`)
        return call(m).then((r) => (events.push(`reply ${m.member}`), r))
      }
      return bus
    }
    const s = new DrivesService({ fs, env: process.env, allowLoop: true, idleMs: 0, connect })
    try {
      const { drives } = await s.list()
      expect(drives.map((d) => d.device)).toContain(dev)
      const asked = events.indexOf('call GetManagedObjects')
      const mounts = events.indexOf('read /proc/self/mountinfo')
      expect(asked).toBeGreaterThanOrEqual(0)
      expect(mounts).toBeGreaterThan(asked)
      // Read before the reply was handled: the two overlap.
      expect(mounts).toBeLessThan(events.indexOf('reply GetManagedObjects'))
    } finally {
      await s.close()
      loopDelete(dev)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
