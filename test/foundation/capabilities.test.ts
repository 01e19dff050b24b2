import { describe, expect, it } from 'vitest'
import { contract } from '../../src/shared/contract'
import { capabilityMethods, capabilityOf, methodSpec } from '../../src/shared/contract/capabilities'

describe('per-capability schemas (what the router validates against)', () => {
  it('every contract method resolves to its own spec through its capability', async () => {
    for (const [name, spec] of Object.entries(contract)) {
      expect(capabilityOf(name), name).toBeDefined()
      expect(await methodSpec(name), name).toBe(spec)
    }
  })

  it('the capabilities hold no method the contract lacks', async () => {
    for (const load of Object.values(capabilityMethods)) for (const name of Object.keys(await load())) expect(contract).toHaveProperty([name])
  })

  it('unknown names, prototype keys and non-strings have no spec', async () => {
    for (const name of [
      'inspect.nope',
      'nope.report',
      'constructor',
      '__proto__.x',
      'inspect.',
      '.report',
      '',
      42,
      null,
      undefined,
      { toString: () => 'app.info' }
    ])
      expect(await methodSpec(name)).toBeUndefined()
  })
})
