/**
 * UDisks2's object tree as plain JSON (what GetManagedObjects returns, with variants
 * unwrapped, 64-bit numbers as numbers and byte strings as text). The drive model works on
 * this shape only, so unit tests run it over recorded trees (test/fixtures/udisks).
 */
export type Props = Record<string, unknown>
export type ObjectTree = Record<string, Record<string, Props>>

export const UDISKS = 'org.freedesktop.UDisks2'
export const IFACE = {
  block: 'org.freedesktop.UDisks2.Block',
  drive: 'org.freedesktop.UDisks2.Drive',
  partition: 'org.freedesktop.UDisks2.Partition',
  partitionTable: 'org.freedesktop.UDisks2.PartitionTable',
  filesystem: 'org.freedesktop.UDisks2.Filesystem',
  loop: 'org.freedesktop.UDisks2.Loop',
  swapspace: 'org.freedesktop.UDisks2.Swapspace',
  encrypted: 'org.freedesktop.UDisks2.Encrypted',
  manager: 'org.freedesktop.UDisks2.Manager'
} as const

/** Properties UDisks2 sends as NUL-terminated byte strings (`ay` / `aay`). */
const BYTE_STRINGS = new Set(['Device', 'PreferredDevice', 'Symlinks', 'MountPoints', 'BackingFile'])

/** Bytes start..end of b as the plain tree holds them: for those keys the text before the first NUL, else numbers. */
export function plainBytes(b: Buffer, start: number, end: number, key: string): string | number[] {
  if (!BYTE_STRINGS.has(key)) return Array.from(b.subarray(start, end))
  const nul = b.indexOf(0, start)
  return b.toString('utf8', start, nul >= 0 && nul < end ? nul : end)
}

function isVariant(v: unknown): v is { signature: string; value: unknown } {
  return typeof v === 'object' && v !== null && 'signature' in v && 'value' in v && Object.keys(v).length === 2
}

/** Unwraps dbus-next values (Variant, BigInt, Buffer) into JSON-safe ones. */
export function plain(value: unknown, key = ''): unknown {
  if (isVariant(value)) return plain(value.value, key)
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Uint8Array) {
    const b = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    return plainBytes(b, 0, b.length, key)
  }
  if (Array.isArray(value)) return value.map((v) => plain(v, key))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = plain(v, k)
    return out
  }
  return value
}

/** Trees made in this shape already (tree-wire.ts reads them so from the reply's bytes). */
const plainTrees = new WeakSet<object>()

/** Marks a tree made in this shape, which toObjectTree then keeps as it is. */
export function keepPlain(tree: ObjectTree): ObjectTree {
  plainTrees.add(tree)
  return tree
}

export function isPlainTree(value: unknown): value is ObjectTree {
  return typeof value === 'object' && value !== null && plainTrees.has(value)
}

export function toObjectTree(raw: unknown): ObjectTree {
  return isPlainTree(raw) ? raw : (plain(raw) as ObjectTree)
}

export const str = (p: Props | undefined, k: string): string => (typeof p?.[k] === 'string' ? (p[k] as string) : '')
export const num = (p: Props | undefined, k: string): number => (typeof p?.[k] === 'number' ? (p[k] as number) : 0)
export const bool = (p: Props | undefined, k: string): boolean => p?.[k] === true
export const strs = (p: Props | undefined, k: string): string[] =>
  Array.isArray(p?.[k]) ? (p[k] as unknown[]).filter((x): x is string => typeof x === 'string' && x.length > 0) : []

/** Linux dev_t as glibc's makedev encodes it (UDisks2 Block.DeviceNumber). */
export function makedev(major: number, minor: number): number {
  const big = (BigInt(major & 0xfffff000) << 32n) | (BigInt(major & 0xfff) << 8n) | (BigInt(minor & 0xffffff00) << 12n) | BigInt(minor & 0xff)
  return Number(big)
}

export function parseMajorMinor(text: string): number | undefined {
  const m = /^(\d+):(\d+)$/.exec(text.trim())
  return m ? makedev(Number(m[1]), Number(m[2])) : undefined
}
