import { createHash } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import type { TrustedKey, VerifyResult } from '../../src/shared/contract'
import { makeTestKey, type TestKey } from '../spins/support/gpg'

const hasGpg = spawnSync('gpg', ['--version']).status === 0

describe.skipIf(!hasGpg)(`trusted keys in Settings (real gpg)${hasGpg ? '' : ' (skipped: gpg not installed)'}`, () => {
  let key: TestKey
  let dir: string
  const ctx = createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()), env: { ...process.env, HSC_CACHE_DIR: os.tmpdir() } })
  const router = createRouter(createHandlers(ctx))
  const call = async <T>(m: string, input: unknown): Promise<T> => {
    const r = await router.call(m, input)
    if (!r.ok) throw Object.assign(new Error(r.error.message), { name: r.error.name })
    return r.value as T
  }

  beforeAll(async () => {
    key = await makeTestKey()
    dir = await mkdtemp(path.join(os.tmpdir(), 'hsc-keys-'))
    const image = Buffer.from('not really an ISO, but bytes all the same\n')
    await writeFile(path.join(dir, 'x.iso'), image)
    await writeFile(path.join(dir, 'CHECKSUM'), `SHA256 (x.iso) = ${createHash('sha256').update(image).digest('hex')}\n`)
    await key.clearsign(path.join(dir, 'CHECKSUM'), path.join(dir, 'CHECKSUM.asc'))
  }, 60_000)
  afterAll(async () => key?.dispose())

  it('a signed checksum file only counts as signed once its key is imported; removal undoes it', async () => {
    const verify = () => call<VerifyResult>('spins.verify', { file: path.join(dir, 'x.iso'), checksum: path.join(dir, 'CHECKSUM.asc') })
    expect((await verify()).state).toBe('signed-by-untrusted-key')

    const imported = await call<TrustedKey>('settings.keys.import', { armored: key.publicKey })
    expect(imported.fingerprint).toBe(key.fingerprint)
    expect(imported.userIds).toEqual([key.uid])
    expect(imported.source).toBe('imported')
    const listed = await call<TrustedKey[]>('settings.keys.list', {})
    expect(listed.map((k) => k.fingerprint)).toContain(key.fingerprint)
    expect((await verify()).state).toBe('signed-by-trusted-key')

    await expect(call('settings.keys.import', { armored: key.publicKey })).rejects.toThrow(/already trusted/)
    const after = await call<TrustedKey[]>('settings.keys.remove', { fingerprint: key.fingerprint.toLowerCase() })
    expect(after.map((k) => k.fingerprint)).not.toContain(key.fingerprint)
    expect((await verify()).state).toBe('signed-by-untrusted-key')
  })

  it('rejects garbage, private keys and unknown fingerprints with clear errors, keeping settings unchanged', async () => {
    const before = (await ctx.settings.get()).settings.importedKeys.length
    await expect(call('settings.keys.import', { armored: 'hello' })).rejects.toThrow(/not an armored PGP public key/)
    await expect(
      call('settings.keys.import', { armored: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n' })
    ).rejects.toThrow(/could not be read/)
    const secret = spawnSync(
      'gpg',
      ['--batch', '--homedir', key.home, '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', key.fingerprint],
      { encoding: 'utf8' }
    ).stdout
    await expect(call('settings.keys.import', { armored: secret })).rejects.toThrow(/PRIVATE key/)
    await expect(call('settings.keys.remove', { fingerprint: 'A'.repeat(40) })).rejects.toThrow(/no imported key/)
    await expect(call('settings.keys.remove', { fingerprint: 'xyz' })).rejects.toThrow(/fingerprint/)
    expect((await ctx.settings.get()).settings.importedKeys.length).toBe(before)
  })
})
