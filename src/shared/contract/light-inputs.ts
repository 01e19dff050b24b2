// No zod here: the router checks these inputs before any schema module loads.

/**
 * Methods whose input is an empty object, or an object with at most an optional `root`
 * path string: most reads. Checking such an input needs no schema, and building zod and a
 * capability's schemas is most of a read command's start-up (issue 15). The router takes an
 * input through here only when it matches exactly what the method's zod schema accepts, and
 * hands anything else to the schema, which then gives the error; test/foundation/light-inputs
 * proves both agree, input by input, for every method listed.
 */
const LIGHT_INPUTS: Readonly<Record<string, 'empty' | 'root'>> = {
  'app.info': 'empty',
  'drives.jobs': 'empty',
  'drives.list': 'empty',
  'fleet.fact': 'root',
  'inspect.report': 'root',
  'inspect.exportMarkdown': 'root',
  'oomd.status': 'root',
  'oomd.enable': 'empty',
  'oomd.disable': 'empty',
  'oomd.reset': 'empty',
  'repos.list': 'empty',
  'repos.prerequisites': 'empty',
  'repos.packages': 'empty',
  'repos.kernel': 'empty',
  'repos.flavours': 'empty',
  'settings.get': 'empty',
  'settings.keys.list': 'empty',
  'spins.list': 'empty',
  'spins.refresh': 'empty',
  'spins.download.list': 'empty',
  'terminal.sessions': 'empty'
}

/** The same bounds as the schemas' root field: z.string().min(1).max(4096). */
const MAX_ROOT = 4096

export function lightInputMethods(): string[] {
  return Object.keys(LIGHT_INPUTS)
}

/**
 * The validated input when `method` takes a light input and `input` is one, else undefined
 * (the caller then asks the method's schema, which also words the error).
 */
export function lightInput(method: unknown, input: unknown): { data: Record<string, string> } | undefined {
  if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(LIGHT_INPUTS, method)) return undefined
  if (input === undefined) return { data: {} }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined
  const proto = Object.getPrototypeOf(input)
  if (proto !== Object.prototype && proto !== null) return undefined
  const keys = Reflect.ownKeys(input)
  if (keys.length === 0) return { data: {} }
  if (LIGHT_INPUTS[method] !== 'root' || keys.length !== 1 || keys[0] !== 'root') return undefined
  const root = Object.getOwnPropertyDescriptor(input, 'root')
  if (!root || !('value' in root)) return undefined // a getter: let the schema decide
  if (root.value === undefined) return { data: {} }
  if (typeof root.value !== 'string' || root.value.length < 1 || root.value.length > MAX_ROOT) return undefined
  return { data: { root: root.value } }
}
