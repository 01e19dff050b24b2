import { copyFile, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyImage } from '../../src/main/services/spins/verify'
import { mirrorUnavailable, setupMirrorEnv, type MirrorEnv } from './support/env'

const why = mirrorUnavailable()

describe.skipIf(why !== null)(`verifying images against real checksum files${why ? ` (skipped: ${why})` : ''}`, () => {
  let env: MirrorEnv
  const dir = 'hs/9/x86_64/20240301.1'
  const kdeRel = `${dir}/CentOS-Stream-Hyperscale-9-20240301.1-x86_64-Live-KDE.iso`
  const kde = () => env.mirror.isos[kdeRel]
  const local = (rel: string) => path.join(env.mirror.root, rel)

  beforeAll(async () => {
    env = await setupMirrorEnv()
  }, 120_000)
  afterAll(async () => env?.dispose())

  it('a clear-signed CHECKSUM with the signing key: verified and signed', async () => {
    const r = await verifyImage({ file: local(kdeRel), checksum: { kind: 'path', path: local(`${dir}/CHECKSUM`) }, keys: [env.key.publicKey] })
    expect(r).toMatchObject({
      state: 'signed-by-trusted-key',
      algorithm: 'sha256',
      actual: kde().sha256,
      expected: kde().sha256,
      entryName: kde().name,
      expectedSize: kde().size
    })
    expect(r.signature).toMatchObject({ status: 'good', fingerprint: env.key.fingerprint, signer: env.key.uid })
    expect(r.warnings).toEqual([])
  })

  it('the same file fetched by URL from nginx', async () => {
    const r = await verifyImage({
      file: local(kdeRel),
      checksum: { kind: 'url', urls: [env.url('/missing/', `${dir}/CHECKSUM`), env.url('/', `${dir}/CHECKSUM`)] },
      keys: [env.key.publicKey],
      fetch
    })
    expect(r.state).toBe('signed-by-trusted-key')
    expect(r.checksumSource).toBe(env.url('/', `${dir}/CHECKSUM`))
  })

  it('without the key: signed by an untrusted key, which is not verified (warning)', async () => {
    const r = await verifyImage({ file: local(kdeRel), checksum: { kind: 'path', path: local(`${dir}/CHECKSUM`) }, keys: [] })
    expect(r.state).toBe('signed-by-untrusted-key')
    expect(r.signature.status).toBe('unknown-key')
    expect(r.signature.keyIds).toEqual([env.key.fingerprint.slice(-16)])
    expect(r.warnings.join(' ')).toMatch(/Signature unavailable/)
  })

  it('an unsigned GNU SHA256SUM: checksum-unsigned, or signature-missing once a signature is expected', async () => {
    const r = await verifyImage({ file: local(kdeRel), checksum: { kind: 'path', path: local(`${kdeRel}.SHA256SUM`) }, keys: [env.key.publicKey] })
    expect(r).toMatchObject({ state: 'checksum-unsigned', signature: { status: 'unsigned' } })
    const expected = await verifyImage({
      file: local(kdeRel),
      checksum: { kind: 'path', path: local(`${kdeRel}.SHA256SUM`) },
      keys: [env.key.publicKey],
      signatureExpected: true
    })
    expect(expected).toMatchObject({ state: 'signature-missing', signature: { status: 'unsigned' } })
  })

  it('a pasted hash, in either case', async () => {
    expect((await verifyImage({ file: local(kdeRel), checksum: { kind: 'hash', hash: kde().sha256.toUpperCase() }, keys: [] })).state).toBe(
      'hash-matches-published'
    )
    const wrong = await verifyImage({ file: local(kdeRel), checksum: { kind: 'hash', hash: 'f'.repeat(64) }, keys: [] })
    expect(wrong.state).toBe('mismatch')
    expect(wrong.actual).toBe(kde().sha256)
  })

  it('one flipped byte gives a hash mismatch, even with a good signature', async () => {
    const r = await verifyImage({
      file: local(`corrupt/${kde().name}`),
      checksum: { kind: 'path', path: local('corrupt/CHECKSUM') },
      keys: [env.key.publicKey]
    })
    expect(r.state).toBe('mismatch')
    expect(r.signature.status).toBe('good')
    expect(r.message).toMatch(/HASH MISMATCH/)
  })

  it('a tampered signed checksum file gives a bad signature', async () => {
    const r = await verifyImage({
      file: local(`tampered/${kde().name}`),
      checksum: { kind: 'url', urls: [env.url('/', 'tampered/CHECKSUM')] },
      keys: [env.key.publicKey],
      fetch
    })
    expect(r.state).toBe('bad-signature')
    expect(r.signature.status).toBe('bad')
    expect(r.message).toMatch(/BAD SIGNATURE/)
  })

  it('truncated and garbage checksum files give clear parse errors', async () => {
    const truncated = verifyImage({ file: local(kdeRel), checksum: { kind: 'url', urls: [env.url('/', 'broken/CHECKSUM.truncated')] }, keys: [], fetch })
    await expect(truncated).rejects.toMatchObject({
      name: 'ChecksumParseError',
      message: expect.stringMatching(/line \d+: SHA256 hash has \d+ hex digits, expected 64 \(truncated\?\)/)
    })
    const garbage = verifyImage({ file: local(kdeRel), checksum: { kind: 'path', path: local('broken/CHECKSUM.garbage') }, keys: [] })
    await expect(garbage).rejects.toMatchObject({ name: 'ChecksumParseError', message: expect.stringMatching(/not a checksum file/) })
    // A signed file cut inside its signature.
    const signed = await readFile(local(`${dir}/CHECKSUM`), 'utf8')
    const cut = path.join(env.work, 'CHECKSUM.cut')
    await writeFile(cut, signed.slice(0, signed.length - 40))
    await expect(verifyImage({ file: local(kdeRel), checksum: { kind: 'path', path: cut }, keys: [env.key.publicKey] })).rejects.toMatchObject({
      name: 'ChecksumParseError'
    })
  })

  it('names what the checksum file lists when the image is not in it', async () => {
    const renamed = path.join(env.work, 'renamed.iso')
    await copyFile(local(kdeRel), renamed)
    await expect(verifyImage({ file: renamed, checksum: { kind: 'path', path: local(`${dir}/CHECKSUM`) }, keys: [] })).rejects.toMatchObject({
      name: 'NotInChecksumFile',
      message: expect.stringMatching(/"renamed.iso" is not listed in .*CHECKSUM \(it lists .*Live-GNOME.iso, .*Live-KDE.iso\)/)
    })
    // Naming the entry explicitly works.
    const r = await verifyImage({ file: renamed, entryName: kde().name, checksum: { kind: 'path', path: local(`${dir}/CHECKSUM`) }, keys: [env.key.publicKey] })
    expect(r.state).toBe('signed-by-trusted-key')
  })

  it('without any checksum only the digest is reported, as unverified', async () => {
    const r = await verifyImage({ file: local(kdeRel), keys: [] })
    expect(r).toMatchObject({ state: 'not-checked', actual: kde().sha256 })
  })

  it('uses a digest computed during the download instead of reading the file again', async () => {
    const r = await verifyImage({
      file: local(kdeRel),
      checksum: { kind: 'path', path: local(`${dir}/CHECKSUM`) },
      keys: [],
      actual: { algorithm: 'sha256', hash: '0'.repeat(64) }
    })
    // The given digest was used (so the file was not hashed): it does not match.
    expect(r).toMatchObject({ state: 'mismatch', actual: '0'.repeat(64) })
  })

  it('an unreadable image is a clear error', async () => {
    await expect(verifyImage({ file: path.join(env.work, 'nope.iso'), keys: [] })).rejects.toMatchObject({ name: 'FileNotReadable' })
  })
})
