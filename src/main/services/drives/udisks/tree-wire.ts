/**
 * UDisks2's object tree read straight from the bytes of a GetManagedObjects reply
 * (a{oa{sa{sv}}}) into the plain shape toObjectTree() makes of dbus-next's decode.
 *
 * dbus-next takes three generic passes over the reply: its reader, its variant conversion,
 * then plain(). The reply is ~40 KB and the tree is read twice per write. In a fresh process
 * those passes took ~20 ms, the largest D-Bus cost of `hsc write` (#15). The bundled
 * dbus-next hands these replies here (scripts/lib/dbus-decode-faster.mjs).
 *
 * Whatever this reader cannot take exactly as dbus-next and plain() would, it answers
 * undefined, and dbus-next decodes the message as before. That covers big-endian messages,
 * file descriptors, a bad signature, bytes out of range, and keys that an object or plain()
 * reads differently. The fallback keeps every odd case identical by construction.
 * test/drives/tree-wire.test.ts compares both on real UDisks2 replies and on hostile ones.
 */
import { keepPlain, plainBytes, type ObjectTree } from './tree'

export const OBJECT_TREE_SIGNATURE = 'a{oa{sa{sv}}}'

/** One complete D-Bus type: its code letter and, for a, ( and {, what it holds. */
interface WireType {
  code: string
  of: WireType[]
}

/** Thrown inside the reader only: "let dbus-next decode this one". */
const FALLBACK = Symbol('fallback')

/**
 * The plain body of a little-endian method reply whose body starts at `start` in `message`
 * (alignment counts from the buffer's first byte, as the message's fields start 8-aligned);
 * undefined when dbus-next should decode it.
 */
export function decodeObjectTreeBody(signature: string, message: Buffer, start: number): [ObjectTree] | undefined {
  if (signature !== OBJECT_TREE_SIGNATURE) return undefined
  buf = message
  pos = start
  variants = 0
  try {
    return [keepPlain(read(signatureType(signature), '') as ObjectTree)]
  } catch {
    // FALLBACK, or anything unforeseen (a RangeError, a deep recursion): dbus-next decodes it.
    return undefined
  } finally {
    buf = EMPTY
  }
}

const EMPTY = Buffer.alloc(0)
let buf: Buffer = EMPTY
let pos = 0
/** Variants within variants are the one nesting a peer sets without limit in the signature. */
let variants = 0
const MAX_VARIANTS = 64

/** Parsed signatures, bounded: a peer chooses its variants' signatures. */
const parsed = new Map<string, WireType>()

function signatureType(signature: string): WireType {
  const known = parsed.get(signature)
  if (known) return known
  sig = signature
  at = 0
  const type = parseType(0, 0)
  if (at !== sig.length) throw FALLBACK
  if (parsed.size < 512) parsed.set(signature, type)
  return type
}

let sig = ''
let at = 0
const LEAVES = 'ybnqiuxtdsogv'

/** One complete type; dict keys are strings or object paths, which an object keeps as they are. */
function parseType(arrays: number, structs: number): WireType {
  const code = sig[at++]
  if (code === undefined) throw FALLBACK
  if (LEAVES.includes(code)) return { code, of: [] }
  if (code === 'a') {
    if (arrays >= 32) throw FALLBACK
    if (sig[at] !== '{') return { code, of: [parseType(arrays + 1, structs)] }
    at++
    const key = parseType(arrays + 1, structs + 1)
    if (key.code !== 's' && key.code !== 'o') throw FALLBACK
    const value = parseType(arrays + 1, structs + 1)
    if (sig[at++] !== '}') throw FALLBACK
    return { code, of: [{ code: '{', of: [key, value] }] }
  }
  if (code === '(') {
    if (structs >= 32) throw FALLBACK
    const of: WireType[] = []
    while (sig[at] !== ')') of.push(parseType(arrays, structs + 1))
    at++
    if (of.length === 0) throw FALLBACK
    return { code, of }
  }
  throw FALLBACK
}

function align(n: number): void {
  pos = (pos + n - 1) & -n
}

function need(n: number): void {
  if (pos + n > buf.length) throw FALLBACK
}

function u32(): number {
  align(4)
  need(4)
  const v = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0
  pos += 4
  return v
}

/** A 64-bit integer as dbus-next's BigInt becomes through Number(): hi * 2^32 + lo rounds once, the same way. */
function u64(signed: boolean): number {
  align(8)
  const lo = u32()
  const hi = u32()
  return (signed ? hi | 0 : hi) * 4294967296 + lo
}

function text(length: number): string {
  need(length + 1)
  const s = length === 0 ? '' : buf.toString('utf8', pos, pos + length)
  pos += length + 1
  return s
}

function read(type: WireType, key: string): unknown {
  switch (type.code) {
    case 'y':
      need(1)
      return buf[pos++]
    case 'b':
      return u32() !== 0
    case 'n':
    case 'q': {
      align(2)
      need(2)
      const v = buf[pos] | (buf[pos + 1] << 8)
      pos += 2
      return type.code === 'n' ? (v << 16) >> 16 : v
    }
    case 'i':
      return u32() | 0
    case 'u':
      return u32()
    case 'x':
    case 't':
      return u64(type.code === 'x')
    case 'd': {
      align(8)
      need(8)
      const v = buf.readDoubleLE(pos)
      pos += 8
      return v
    }
    case 's':
    case 'o':
      return text(u32())
    case 'g':
      need(1)
      return text(buf[pos++])
    case 'v': {
      need(1)
      const inner = signatureType(text(buf[pos++]))
      if (++variants > MAX_VARIANTS) throw FALLBACK
      const v = read(inner, key)
      variants--
      return v
    }
    case '(': {
      align(8)
      return type.of.map((t) => read(t, key))
    }
    default:
      return readArray(type.of[0], key)
  }
}

function readArray(element: WireType, key: string): unknown {
  const length = u32()
  if (element.code === 'y') {
    need(length)
    pos += length
    // A byte string or a list of numbers, by its key, as plain() turns dbus-next's Buffer.
    return plainBytes(buf, pos - length, pos, key)
  }
  // dbus-next pads to 8 before the elements only for these, as the D-Bus spec does.
  if ('xtd{('.includes(element.code)) align(8)
  const end = pos + length
  if (end > buf.length) throw FALLBACK
  if (element.code === '{') return readDict(element, end)
  const items: unknown[] = []
  while (pos < end) items.push(read(element, key))
  if (pos !== end) throw FALLBACK
  return items
}

function readDict(entry: WireType, end: number): Record<string, unknown> {
  const [keyType, valueType] = entry.of
  const dict: Record<string, unknown> = {}
  let entries = 0
  while (pos < end) {
    align(8)
    const k = read(keyType, '') as string
    // An object takes __proto__ as its prototype, not as a key.
    if (k === '__proto__') throw FALLBACK
    dict[k] = read(valueType, k)
    entries++
  }
  if (pos !== end) throw FALLBACK
  // plain() takes an object of exactly these two keys for a variant and unwraps it.
  if (entries >= 2 && 'signature' in dict && 'value' in dict && Object.keys(dict).length === 2) throw FALLBACK
  return dict
}
