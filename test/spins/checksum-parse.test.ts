import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { clearSignedBody, findEntry, parseChecksumFile, parsePastedHash } from '../../src/main/services/spins/checksum-parse'

const fixture = (name: string): string => readFileSync(path.join(__dirname, '../fixtures/checksums', name), 'utf8')
const STREAM8 = fixture('CentOS-Stream-8-20231218.0-x86_64-CHECKSUM')
const ROCKY = fixture('Rocky-10.1-x86_64.ISO.CHECKSUM')
const C7 = fixture('CentOS-7-2009-x86_64-sha256sum.txt')
const C7_ASC = fixture('CentOS-7-2009-x86_64-sha256sum.txt.asc')

function errorOf(fn: () => unknown): AppError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(AppError)
    return err as AppError
  }
  throw new Error('expected an error')
}

describe('BSD checksum files (real CentOS Stream 8 and Rocky 10.1 files)', () => {
  it('reads the 4 entries of the Stream 8 CHECKSUM, which has no trailing newline', () => {
    expect(STREAM8.endsWith('\n')).toBe(false)
    const parsed = parseChecksumFile(STREAM8)
    expect(parsed.clearSigned).toBe(false)
    expect(parsed.entries.map((e) => e.name)).toEqual([
      'CentOS-Stream-8-20231218.0-x86_64-boot.iso',
      'CentOS-Stream-8-20231218.0-x86_64-dvd1.iso',
      'CentOS-Stream-8-x86_64-latest-boot.iso',
      'CentOS-Stream-8-x86_64-latest-dvd1.iso'
    ])
    expect(parsed.entries.every((e) => e.style === 'bsd' && e.algorithm === 'sha256')).toBe(true)
    // The last line is complete even without "\n".
    expect(parsed.entries[3].hash).toBe('5ea6d875f8ba256f4eac48957c075fcc8fee2b200fd69e3a03000c741306d756')
  })

  it('attaches the "# name: N bytes" sizes to their entries', () => {
    const parsed = parseChecksumFile(STREAM8)
    const boot = findEntry(parsed, 'CentOS-Stream-8-20231218.0-x86_64-boot.iso')
    const dvd = findEntry(parsed, 'CentOS-Stream-8-20231218.0-x86_64-dvd1.iso')
    expect(boot?.size).toBe(1096810496)
    expect(dvd?.size).toBe(13135511552)
    // The "latest" aliases are the same images.
    expect(findEntry(parsed, 'CentOS-Stream-8-x86_64-latest-dvd1.iso')?.hash).toBe(dvd?.hash)
  })

  it('reads the 6 entries and sizes of the Rocky 10.1 CHECKSUM', () => {
    const parsed = parseChecksumFile(ROCKY)
    expect(parsed.entries).toHaveLength(6)
    expect(parsed.entries.every((e) => e.size !== undefined)).toBe(true)
    expect(findEntry(parsed, 'Rocky-10.1-x86_64-minimal.iso')).toMatchObject({
      size: 1528954880,
      hash: '5aafc2c86e606428cd7c5802b0d28c220f34c181a57eefff2cc6f65214714499'
    })
  })

  it('reports a cut hash with its line number', () => {
    const err = errorOf(() => parseChecksumFile(STREAM8.slice(0, -1)))
    expect(err.name).toBe('ChecksumParseError')
    expect(err.message).toMatch(/line 8: SHA256 hash has 63 hex digits, expected 64/)
  })

  it('reports a line cut inside the name', () => {
    const cut = STREAM8.slice(0, STREAM8.indexOf('SHA256 (CentOS-Stream-8-20231218.0-x86_64-dvd1') + 30)
    expect(errorOf(() => parseChecksumFile(cut)).message).toMatch(/line 4: incomplete SHA256 line/)
  })

  it('a file cut exactly at a line break loses entries but stays valid', () => {
    const lines = STREAM8.split('\n')
    const parsed = parseChecksumFile(lines.slice(0, 4).join('\n') + '\n')
    expect(parsed.entries).toHaveLength(2)
  })
})

describe('GNU checksum files (real CentOS 7.9.2009 sha256sum.txt)', () => {
  it('reads "hex  name" lines', () => {
    const parsed = parseChecksumFile(C7)
    expect(parsed.entries).toHaveLength(4)
    expect(parsed.entries.every((e) => e.style === 'gnu' && e.algorithm === 'sha256')).toBe(true)
    expect(findEntry(parsed, 'CentOS-7-x86_64-Minimal-2009.iso')?.hash).toBe('07b94e6b1a0b0260b94c83d6bb76b26bf7a310dc78d7a9c7432809fb9bc6194a')
  })

  it('reads binary-mode "hex *name" lines, escaped names and SHA-512', () => {
    const sha512 = 'ab'.repeat(64)
    const text = [
      `${'1'.repeat(64)} *binary.iso`,
      `\\${'2'.repeat(64)}  back\\\\slash.iso`,
      `${sha512}  big.iso`,
      `SHA512 (bsd512.iso) = ${'CD'.repeat(64)}`
    ].join('\n')
    const parsed = parseChecksumFile(text)
    expect(parsed.entries.map((e) => [e.name, e.algorithm])).toEqual([
      ['binary.iso', 'sha256'],
      ['back\\slash.iso', 'sha256'],
      ['big.iso', 'sha512'],
      ['bsd512.iso', 'sha512']
    ])
    expect(findEntry(parsed, 'bsd512.iso')?.hash).toBe('cd'.repeat(64))
  })

  it('rejects a hex run of no digest length and a hex digest without a name', () => {
    expect(errorOf(() => parseChecksumFile(`${'a'.repeat(63)}  x.iso`)).message).toMatch(/63-digit hex digest/)
    expect(errorOf(() => parseChecksumFile(C7.split('\n')[0].slice(0, 64))).message).toMatch(/without a file name/)
  })
})

describe('clear-signed checksum files (real CentOS 7 sha256sum.txt.asc)', () => {
  it('parses only the signed body, which equals the unsigned file', () => {
    const signed = parseChecksumFile(C7_ASC)
    const plain = parseChecksumFile(C7)
    expect(signed.clearSigned).toBe(true)
    expect(signed.entries.map((e) => [e.name, e.hash])).toEqual(plain.entries.map((e) => [e.name, e.hash]))
    expect(clearSignedBody(C7_ASC).body).toBe(C7.trimEnd())
  })

  it('reports a signed file cut before its signature ends', () => {
    const cut = C7_ASC.slice(0, C7_ASC.indexOf('-----END PGP SIGNATURE-----'))
    expect(errorOf(() => parseChecksumFile(cut)).message).toMatch(/not terminated \(truncated\?\)/)
    const noSig = C7_ASC.slice(0, C7_ASC.indexOf('-----BEGIN PGP SIGNATURE-----'))
    expect(errorOf(() => parseChecksumFile(noSig)).message).toMatch(/no signature block/)
  })

  it('ignores lines outside the signed body', () => {
    const injected = `${'f'.repeat(64)}  evil.iso\n${C7_ASC}\n${'e'.repeat(64)}  CentOS-7-x86_64-Minimal-2009.iso\n`
    const parsed = parseChecksumFile(injected)
    expect(parsed.entries.map((e) => e.name)).not.toContain('evil.iso')
    expect(findEntry(parsed, 'CentOS-7-x86_64-Minimal-2009.iso')?.hash).toBe('07b94e6b1a0b0260b94c83d6bb76b26bf7a310dc78d7a9c7432809fb9bc6194a')
  })

  it('removes dash-escaping from signed lines', () => {
    const text = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA256',
      '',
      `- ${'3'.repeat(64)}  dashed.iso`,
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'AAAA',
      '-----END PGP SIGNATURE-----'
    ].join('\n')
    expect(parseChecksumFile(text).entries[0]).toMatchObject({ name: 'dashed.iso', hash: '3'.repeat(64) })
  })
})

describe('unrelated lines, duplicates and garbage', () => {
  it('skips prose, comments, and other algorithms', () => {
    const text = ['Checksums for the release', `MD5 (a.iso) = ${'0'.repeat(32)}`, `${'1'.repeat(40)}  a.iso`, '# a comment', STREAM8].join('\n')
    const parsed = parseChecksumFile(text)
    expect(parsed.entries).toHaveLength(4)
    expect(parsed.ignoredLines).toBeGreaterThanOrEqual(2)
  })

  it('rejects a name listed twice with different hashes, naming both lines', () => {
    const line = C7.split('\n')[2]
    const other = '0'.repeat(64) + line.slice(64)
    const err = errorOf(() => parseChecksumFile(`${C7}${other}\n`))
    expect(err.name).toBe('AmbiguousChecksumError')
    expect(err.message).toMatch(/"CentOS-7-x86_64-Minimal-2009.iso" is listed twice with different SHA256 hashes \(lines 3 and 5\)/)
  })

  it('accepts an identical repeat', () => {
    expect(parseChecksumFile(`${C7}${C7}`).entries).toHaveLength(4)
  })

  it('rejects garbage with a clear message', () => {
    expect(errorOf(() => parseChecksumFile('<html><body>404 Not Found</body></html>')).message).toMatch(/not a checksum file/)
    expect(errorOf(() => parseChecksumFile('')).message).toMatch(/not a checksum file/)
    expect(errorOf(() => parseChecksumFile('\u0000\u0001binary')).message).toMatch(/NUL bytes/)
    expect(errorOf(() => parseChecksumFile(`MD5 (a.iso) = ${'0'.repeat(32)}`)).message).toMatch(/only algorithms other than/)
  })

  it('finds entries by base name and refuses ambiguous base names', () => {
    const parsed = parseChecksumFile(`${'1'.repeat(64)}  iso/a.iso\n${'2'.repeat(64)}  b/x.iso\n${'3'.repeat(64)}  c/x.iso\n`)
    expect(findEntry(parsed, 'a.iso')?.hash).toBe('1'.repeat(64))
    expect(findEntry(parsed, 'missing.iso')).toBeUndefined()
    expect(() => findEntry(parsed, 'x.iso')).toThrow(/several entries match/)
  })
})

describe('pasted hashes', () => {
  it('tells SHA-256 from SHA-512 by length and normalises case', () => {
    expect(parsePastedHash(` ${'AB'.repeat(32)} `)).toEqual({ algorithm: 'sha256', hash: 'ab'.repeat(32) })
    expect(parsePastedHash(`sha512:${'0'.repeat(128)}`).algorithm).toBe('sha512')
    expect(() => parsePastedHash('abc')).toThrow(/not a SHA-256/)
  })
})
