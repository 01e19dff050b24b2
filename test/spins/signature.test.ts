import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkClearSigned, loadKeys } from '../../src/main/services/spins/signature'
import { commandUnavailable } from '../support/nginx'
import { makeTestKey, type TestKey } from './support/gpg'

const fixture = (name: string): string => readFileSync(path.join(__dirname, '../fixtures/checksums', name), 'utf8')

describe('the real CentOS 7 clear-signed sha256sum.txt.asc', () => {
  it('names the CentOS-7 key and reports the signature as unavailable without that key', async () => {
    const result = await checkClearSigned(fixture('CentOS-7-2009-x86_64-sha256sum.txt.asc'), [])
    expect(result.status).toBe('unknown-key')
    expect(result.keyIds).toEqual(['24C6A8A7F4A80EB5'])
    expect(result.message).toMatch(/signature unavailable/)
    // gpg printed "Signature made Fri 06 Nov 2020 02:37:25 PM UTC" for this file.
    expect(result.created).toBe('2020-11-06T14:37:25.000Z')
    // The gpg log that came with the file shows the same (short) key id verifying it.
    const shortId = /using RSA key ID ([0-9A-F]{8})/.exec(fixture('CentOS-7-2009-gpg-verify-log.txt'))?.[1]
    expect(result.keyIds[0].endsWith(shortId!)).toBe(true)
    // The signed text is exactly the unsigned checksum file.
    expect(result.signedText.trimEnd()).toBe(fixture('CentOS-7-2009-x86_64-sha256sum.txt').trimEnd())
  })

  it('treats a plain checksum file as unsigned', async () => {
    const result = await checkClearSigned(fixture('CentOS-Stream-8-20231218.0-x86_64-CHECKSUM'), [])
    expect(result.status).toBe('unsigned')
  })

  it('reports unreadable key text instead of failing', async () => {
    const { keys, problems } = await loadKeys(['not a key'])
    expect(keys).toHaveLength(0)
    expect(problems[0]).toMatch(/key 1 could not be read/)
  })
})

const noGpg = commandUnavailable('gpg')
describe.skipIf(noGpg !== null)(`signatures made by gpg with a throwaway key${noGpg ? ` (skipped: ${noGpg})` : ''}`, () => {
  let key: TestKey
  let other: TestKey
  let dir: string
  let signed: string
  beforeAll(async () => {
    key = await makeTestKey()
    other = await makeTestKey('Someone Else <else@example.invalid>')
    dir = await mkdtemp(path.join(os.tmpdir(), 'hsc-sig-'))
    await writeFile(path.join(dir, 'SHA256SUMS'), `${'a'.repeat(64)}  one.iso\n- dash line\n`)
    await key.clearsign(path.join(dir, 'SHA256SUMS'), path.join(dir, 'SHA256SUMS.asc'))
    signed = await readFile(path.join(dir, 'SHA256SUMS.asc'), 'utf8')
  }, 60_000)
  afterAll(async () => {
    await key?.dispose()
    await other?.dispose()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('is good with the signing key, naming its fingerprint and uid', async () => {
    const { keys } = await loadKeys([key.publicKey])
    const result = await checkClearSigned(signed, keys)
    expect(result.status).toBe('good')
    expect(result.fingerprint).toBe(key.fingerprint)
    expect(result.signer).toBe(key.uid)
    expect(result.signedText).toBe(`${'a'.repeat(64)}  one.iso\n- dash line`)
  })

  it('is bad when one character of the signed text changes', async () => {
    const { keys } = await loadKeys([key.publicKey])
    const tampered = signed.replace('a'.repeat(64), 'b' + 'a'.repeat(63))
    const result = await checkClearSigned(tampered, keys)
    expect(result.status).toBe('bad')
    expect(result.message).toMatch(/BAD signature/)
  })

  it('is unavailable with only an unrelated key', async () => {
    const { keys } = await loadKeys([other.publicKey])
    expect((await checkClearSigned(signed, keys)).status).toBe('unknown-key')
  })
})
