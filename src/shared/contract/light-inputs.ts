// No zod here: the router checks these inputs before any schema module loads.

/**
 * Inputs checked without zod: the empty or root-only input of most reads, and the few
 * drives methods a `hsc write` calls. Building zod and a capability's schemas was most of a
 * read command's start-up, and 5-8 ms of the ~80 ms a write spends before its first byte
 * (issue 15). The router takes an input through here only when it is plainly one the method's
 * zod schema accepts, and builds exactly the data that schema gives (defaults included);
 * anything else, or anything unusual (getters, prototypes, symbols), goes to the schema, which
 * then also words the error. test/foundation/light-inputs proves both agree, input by input,
 * for every method listed.
 */

/** A field as the method's zod schema declares it (see shared/contract/<capability>.ts). */
type Field =
  | { kind: 'string'; min: number; max: number; pattern?: RegExp; optional?: true }
  | { kind: 'int'; min: number; max: number; optional?: true }
  | { kind: 'boolean'; default: boolean }
  | { kind: 'enum'; values: readonly string[]; default: string }
  | { kind: 'array'; of: Shape; min: number; max: number }

/** A strict object: these keys only. */
type Shape = Readonly<Record<string, Field>>

const EMPTY: Shape = {}
/** The schemas' root field: z.string().min(1).max(4096).optional(). */
const ROOT: Shape = { root: { kind: 'string', min: 1, max: 4096, optional: true } }
const PATH = { kind: 'string', min: 1, max: 4096 } as const
const TARGET: Shape = { device: { kind: 'string', min: 1, max: 256 }, token: { kind: 'string', min: 1, max: 512 } }

const LIGHT_INPUTS: Readonly<Record<string, Shape>> = {
  'app.info': EMPTY,
  'drives.jobs': EMPTY,
  // drives.ts: imageSize z.number().int().nonnegative().max(2 ** 53).optional()
  'drives.list': { imageSize: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, optional: true } },
  'drives.image': { path: PATH },
  'drives.write': {
    image: PATH,
    targets: { kind: 'array', of: TARGET, min: 1, max: 8 },
    verify: { kind: 'boolean', default: true },
    expectedSha256: { kind: 'string', min: 64, max: 64, pattern: /^[0-9a-fA-F]{64}$/, optional: true },
    allowUnverified: { kind: 'boolean', default: false },
    after: { kind: 'enum', values: ['none', 'eject', 'poweroff'], default: 'none' }
  },
  'drives.cancel': { jobId: { kind: 'string', min: 1, max: 64 } },
  'fleet.fact': ROOT,
  'inspect.report': ROOT,
  'inspect.exportMarkdown': ROOT,
  'oomd.status': ROOT,
  'oomd.enable': EMPTY,
  'oomd.disable': EMPTY,
  'oomd.reset': EMPTY,
  'repos.list': EMPTY,
  'repos.prerequisites': EMPTY,
  'repos.packages': EMPTY,
  'repos.kernel': EMPTY,
  'repos.flavours': EMPTY,
  'settings.get': EMPTY,
  'settings.keys.list': EMPTY,
  'spins.list': EMPTY,
  'spins.refresh': EMPTY,
  'spins.download.list': EMPTY,
  'terminal.sessions': EMPTY
}

export function lightInputMethods(): string[] {
  return Object.keys(LIGHT_INPUTS)
}

/** A plain object's own data properties, or undefined for anything else (the schema decides those). */
function plainEntries(input: unknown): Map<string, unknown> | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined
  const proto = Object.getPrototypeOf(input)
  if (proto !== Object.prototype && proto !== null) return undefined
  const out = new Map<string, unknown>()
  for (const key of Reflect.ownKeys(input)) {
    if (typeof key !== 'string') return undefined
    const d = Object.getOwnPropertyDescriptor(input, key)
    if (!d || !('value' in d) || !d.enumerable) return undefined
    out.set(key, d.value)
  }
  return out
}

/** Not plainly valid: the schema decides. */
const NO = Symbol('refused')

function checkField(f: Field, v: unknown): unknown {
  switch (f.kind) {
    case 'string':
      return typeof v === 'string' && v.length >= f.min && v.length <= f.max && (!f.pattern || f.pattern.test(v)) ? v : NO
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= f.min && v <= f.max ? v : NO
    case 'boolean':
      return v === undefined ? f.default : typeof v === 'boolean' ? v : NO
    case 'enum':
      return v === undefined ? f.default : typeof v === 'string' && f.values.includes(v) ? v : NO
    case 'array': {
      if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype || v.length < f.min || v.length > f.max) return NO
      const items: unknown[] = []
      for (let i = 0; i < v.length; i++) {
        if (!Object.prototype.hasOwnProperty.call(v, i)) return NO
        const item = checkShape(f.of, v[i])
        if (item === NO) return NO
        items.push(item)
      }
      return items
    }
  }
}

function checkShape(shape: Shape, input: unknown): unknown {
  const entries = plainEntries(input)
  if (!entries) return NO
  for (const key of entries.keys()) if (!Object.prototype.hasOwnProperty.call(shape, key)) return NO
  const data: Record<string, unknown> = {}
  for (const [key, f] of Object.entries(shape)) {
    const v = entries.get(key)
    if (v === undefined && 'optional' in f) continue
    const checked = checkField(f, v)
    if (checked === NO) return NO
    data[key] = checked
  }
  return data
}

/**
 * The validated input when `method` takes a light input and `input` is plainly valid, else
 * undefined (the caller then asks the method's schema, which also words the error).
 */
export function lightInput(method: unknown, input: unknown): { data: Record<string, unknown> } | undefined {
  if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(LIGHT_INPUTS, method)) return undefined
  const data = checkShape(LIGHT_INPUTS[method], input === undefined ? {} : input)
  return data === NO ? undefined : { data: data as Record<string, unknown> }
}
