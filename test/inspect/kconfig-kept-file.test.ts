import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { parseKernelConfig } from '../../src/main/services/inspect/parsers/kernel-config'
import { answersOf, decodeKept, encodeKept, keptConfig } from '../../src/main/services/system/facts/kernel-config-kept'
import { fixture } from './fixture-root'
import { answersAt } from './kconfig-kept-layout'

// The kept kernel-config answers are a file of the user's: only exactly its shape, for exactly
// these compressed bytes, is believed. Everything else is "not kept", and the text is read again.
const text = fixture('kernel-config/5.14.0-580.el9.x86_64')
const gz = gzipSync(text)
const full = parseKernelConfig(text)

function keptWith(found: Record<string, unknown>, extra: Record<string, unknown> = {}): Buffer {
  const head = encodeKept(gz, answersOf(full))
  const at = answersAt(head)
  const json = { headerRelease: full.headerRelease ?? null, optionLines: full.optionLines, otherLines: 0, found, ...extra }
  return Buffer.concat([head.subarray(0, at), Buffer.from(JSON.stringify(json))])
}

describe('the kept kernel-config answers file', () => {
  it('round-trips: what a config answered is answered again without its text', () => {
    const answers = answersOf(full)
    const learned: string[] = []
    const recording = keptConfig(
      answers,
      () => full,
      () => learned.push('x')
    )
    recording.lookupMany(['PSI', 'BTRFS_FS', 'NO_SUCH_OPTION'])
    expect(learned.length).toBeGreaterThan(0)
    const back = decodeKept(encodeKept(gz, answers), gz)!
    expect(back.headerRelease).toBe(full.headerRelease)
    expect(back.optionLines).toBe(full.optionLines)
    const noText = keptConfig(
      back,
      () => {
        throw new Error('the text must not be needed')
      },
      () => undefined
    )
    for (const n of ['PSI', 'BTRFS_FS', 'NO_SUCH_OPTION']) expect(noText.lookup(n), n).toEqual(full.lookup(n))
    // An option nobody asked before is looked up in the text, and learned.
    let asked = 0
    const later = keptConfig(
      decodeKept(encodeKept(gz, answers), gz)!,
      () => (asked++, full),
      () => undefined
    )
    expect(later.lookup('MEMCG')).toEqual(full.lookup('MEMCG'))
    expect(later.lookup('MEMCG')).toEqual(full.lookup('MEMCG'))
    expect(asked).toBe(1)
    // Names that are no option name have no line, and need no text.
    expect(later.lookup('PSI=y\n')).toEqual({ present: false })
  })

  it('is not believed for other bytes, or in any other shape', () => {
    const good = keptWith({ PSI: ['y', true] })
    expect(decodeKept(good, gz)?.found.get('PSI')).toEqual({ raw: 'y', present: true })
    expect(decodeKept(good, gzipSync(text.replace('CONFIG_PSI=y', 'CONFIG_PSI=n'))), 'other compressed bytes').toBeUndefined()
    // Of the same length, too (the gzip header's time stamp, one bit off).
    const sameLength = Buffer.from(gz)
    sameLength[4] ^= 1
    expect(decodeKept(good, sameLength), 'other compressed bytes of the same length').toBeUndefined()
    expect(decodeKept(undefined, gz)).toBeUndefined()
    expect(decodeKept(Buffer.from('not a kept file'), gz)).toBeUndefined()
    expect(decodeKept(Buffer.concat([good.subarray(0, answersAt(good)), Buffer.from('{"found":')]), gz), 'cut short').toBeUndefined()
    expect(decodeKept(good.subarray(0, 30), gz), 'shorter than its bytes').toBeUndefined()
    const header = `hsc-kconfig 1\n${gz.length}\n`
    expect(good.subarray(0, header.length).toString('latin1')).toBe(header)
    const rest = good.subarray(header.length)
    expect(decodeKept(Buffer.concat([Buffer.from(`hsc-kconfig 1\n0${gz.length}\n`), rest]), gz), 'the length written otherwise').toBeUndefined()
    expect(decodeKept(Buffer.concat([Buffer.from(`hsc-kconfig 2\n${gz.length}\n`), rest]), gz), 'another format').toBeUndefined()
    expect(decodeKept(Buffer.concat([Buffer.from(`hsc-kconfig 1\n${gz.length}\r\n`), rest]), gz), 'another line end').toBeUndefined()
    const bad: Array<[string, Buffer]> = [
      ['a name that is no option name', keptWith({ 'PSI=y': ['y', true] })],
      ['a value with a line break', keptWith({ PSI: ['y\nCONFIG_X=y', true] })],
      ['a value on a line that is not there', keptWith({ PSI: ['y', false] })],
      ['not a pair', keptWith({ PSI: ['y'] })],
      ['not a boolean', keptWith({ PSI: ['y', 'yes'] })],
      ['answers as a list', keptWith([] as unknown as Record<string, unknown>)],
      ['no option lines', keptWith({}, { optionLines: 0 })],
      ['a count that is no count', keptWith({}, { otherLines: -1 })],
      ['a header that is no text', keptWith({}, { headerRelease: 5 })]
    ]
    for (const [what, data] of bad) expect(decodeKept(data, gz), what).toBeUndefined()
  })
})
