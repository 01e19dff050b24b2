import { describe, expect, it } from 'vitest'
import { decodeStrict, isPlainText } from '../../src/main/services/system/facts/text'
import { isText } from '../../src/main/services/oomd/conf-files'

// decodeStrict and the oomd config reader's isText use Node's native UTF-8 check instead of a
// fatal TextDecoder per file (#15): they must accept, refuse and decode exactly what it does.
const reference = (data: Buffer): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data)
  } catch {
    return undefined
  }
}

describe('decodeStrict and isText', () => {
  it('agrees with a fatal TextDecoder on valid, invalid and marked text', () => {
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from('plain ascii\n'),
      Buffer.from('\ufeffwith a byte order mark'),
      Buffer.from('\ufeff'),
      Buffer.from([0xef, 0xbb]),
      Buffer.from('\ufeff\ufefftwo marks'),
      Buffer.from('é ü 😀 \u2028'),
      Buffer.from([0xc0, 0xaf]), // overlong
      Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
      Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
      Buffer.from([0xe2, 0x82]), // cut short
      Buffer.from([0x80]),
      Buffer.from('ok\0nul')
    ]
    let seed = 11
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const pieces = [[0x41], [0x0a], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xef, 0xbb, 0xbf], [0x80], [0xc3], [0xff], [0xed, 0xb0, 0x80]]
    for (let i = 0; i < 4000; i++) cases.push(Buffer.from(Array.from({ length: rand(8) }, () => pieces[rand(pieces.length)]).flat()))
    for (const c of cases) {
      expect(decodeStrict(c), c.toString('hex')).toBe(reference(c))
      // systemd's rule for config files: valid UTF-8 without NUL.
      expect(isText(c), c.toString('hex')).toBe(reference(c) !== undefined && !c.includes(0))
    }
  })

  it('isPlainText follows it: invalid UTF-8 and control characters are not plain text', () => {
    expect(isPlainText(Buffer.from('psi=1 quiet\n'))).toBe(true)
    expect(isPlainText(Buffer.from([0x70, 0xc3]))).toBe(false)
    expect(isPlainText(Buffer.from('a\x01b'))).toBe(false)
  })
})
