import { describe, expect, it } from 'vitest'
import { planPersistence } from '../../src/main/services/customise/persistence'
import { parsePersistSize } from '../../src/shared/contract/customise'

const MiB = 1024 * 1024

describe('where the persistence partition goes', () => {
  it('starts at the first MiB boundary after the image; max leaves 1 MiB at the end for a backup GPT', () => {
    expect(planPersistence(20 * MiB + 1, 100 * MiB, 0, 'p')).toEqual({ offset: 21 * MiB, size: 78 * MiB, label: 'p' })
    expect(planPersistence(20 * MiB, 100 * MiB, 32 * MiB + 5, 'p')).toEqual({ offset: 20 * MiB, size: 33 * MiB, label: 'p' })
  })

  it('says how much room there is when the stick is too small', () => {
    expect(() => planPersistence(90 * MiB, 100 * MiB, 0, 'p')).toThrow(/9 MiB free after the image/)
    expect(() => planPersistence(20 * MiB, 100 * MiB, 90 * MiB, 'p')).toThrow(/too little for 90 MiB/)
  })

  it('reads sizes people type', () => {
    expect(parsePersistSize('4G')).toBe(4 * 1024 * MiB)
    expect(parsePersistSize('512MiB')).toBe(512 * MiB)
    expect(parsePersistSize('1.5g')).toBe(1536 * MiB)
    expect(parsePersistSize('max')).toBe(0)
    expect(() => parsePersistSize('1M')).toThrow(/at least 16 MiB/)
    expect(() => parsePersistSize('-4G')).toThrow(/not a size/)
    expect(() => parsePersistSize('4G;reboot')).toThrow(/not a size/)
  })
})
