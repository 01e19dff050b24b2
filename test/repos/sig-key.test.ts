import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRouter } from '../../src/main/router'
import { createHandlers } from '../../src/main/services'
import { createServiceContext } from '../../src/main/services/create-context'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import type { TrustedKey } from '../../src/shared/contract'
import { createReposService } from '../../src/main/services/repos/service'
import { checkKeyFile, HYPERSCALE_KEY_FINGERPRINT } from '../../src/main/services/repos/sig-key'
import { loadKeys } from '../../src/main/services/spins/signature'
import { readKeyDir } from '../../src/main/services/spins/verify'
import { runCommand } from '../../src/main/services/system/command'
import { makeTestKey, type TestKey } from '../spins/support/gpg'
import { PROJECT_ROOT } from '../support/paths'
import { fixtureRoot } from './helpers/fixture-root'
import { haveDnf } from './helpers/real-dnf'

const KEY_FILE = path.join(PROJECT_ROOT, 'resources/keys/RPM-GPG-KEY-CentOS-SIG-HyperScale')
const KEY_IN_ROOT = 'etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-SIG-HyperScale'
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-sig-key-'))
let other: TestKey
beforeAll(async () => {
  other = await makeTestKey('Not the SIG <not-sig@example.invalid>')
}, 60_000)
afterAll(async () => {
  await other?.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

describe('the bundled Hyperscale SIG key', () => {
  it('real gpg reads it as the SIG key 9B04 530E 0ED6 ABC4 B2C3 58DD 2A01 FA2A EB3D AC40', () => {
    const home = mkdtempSync(path.join(tmp, 'gnupg-'))
    const colons = execFileSync('gpg', ['--batch', '--homedir', home, '--with-colons', '--show-keys', KEY_FILE], { encoding: 'utf8' })
    const primary = colons.split('\n').find((l) => l.startsWith('fpr:'))
    expect(primary?.split(':')[9]).toBe('9B04530E0ED6ABC4B2C358DD2A01FA2AEB3DAC40')
    expect(HYPERSCALE_KEY_FINGERPRINT).toBe(primary?.split(':')[9])
    expect(colons).toMatch(/^uid:[^\n]*CentOS HyperScale SIG[^\n]*<security@centos\.org>/m)
  })

  it('is byte-for-byte the copy whose digest resources/keys/README.md records', () => {
    const digest = createHash('sha256').update(readFileSync(KEY_FILE)).digest('hex')
    expect(readFileSync(path.join(PROJECT_ROOT, 'resources/keys/README.md'), 'utf8')).toContain(digest)
  })

  it('is among the keys trusted for checksum files by default', async () => {
    const { keys, problems } = await loadKeys(await readKeyDir(path.join(PROJECT_ROOT, 'resources/keys')))
    expect(problems).toEqual([])
    expect(keys.map((k) => k.getFingerprint().toUpperCase())).toContain(HYPERSCALE_KEY_FINGERPRINT)
  })

  it('Settings lists it as a bundled trusted key', async () => {
    const ctx = createServiceContext({
      transport: 'cli',
      settings: createSettingsService(memoryBackend()),
      env: { HSC_RESOURCES_DIR: path.join(PROJECT_ROOT, 'resources'), HSC_CACHE_DIR: tmp }
    })
    const r = await createRouter(createHandlers(ctx)).call('settings.keys.list', {})
    expect(r.ok).toBe(true)
    const keys = (r as { value: TrustedKey[] }).value
    expect(keys.find((k) => k.fingerprint === HYPERSCALE_KEY_FINGERPRINT)).toMatchObject({ source: 'bundled' })
  })

  it('checkKeyFile tells the SIG key from another key and from junk', async () => {
    expect(await checkKeyFile(readFileSync(KEY_FILE, 'utf8'))).toMatchObject({ matches: true, fingerprints: [HYPERSCALE_KEY_FINGERPRINT] })
    expect(await checkKeyFile(other.publicKey)).toMatchObject({ matches: false, fingerprints: [other.fingerprint] })
    const junk = await checkKeyFile('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all\n-----END PGP PUBLIC KEY BLOCK-----\n')
    expect(junk.matches).toBe(false)
    expect(junk.problem).toBeTruthy()
  })
})

describe.skipIf(!haveDnf)('prerequisites compare the installed key with the bundled fingerprint', () => {
  const svc = (root: string) => createReposService({ run: runCommand, installroot: root, elevation: 'pkexec' })
  const gpgKey = async (root: string) => (await svc(root).prerequisites()).find((p) => p.id === 'gpg-key')!

  it('the genuine key under the root is reported with its fingerprint', async () => {
    const root = fixtureRoot(tmp, 'hyperscale-el9', { extra: { [KEY_IN_ROOT]: readFileSync(KEY_FILE, 'utf8') } })
    expect(await gpgKey(root)).toMatchObject({ status: 'ok', detail: expect.stringContaining('9B04 530E 0ED6 ABC4 B2C3  58DD 2A01 FA2A EB3D AC40') })
  })

  it('a different key in that file is named, not accepted', async () => {
    const root = fixtureRoot(tmp, 'hyperscale-el9', { extra: { [KEY_IN_ROOT]: other.publicKey } })
    const pre = await gpgKey(root)
    expect(pre.status).toBe('missing')
    expect(pre.detail).toContain('not the Hyperscale SIG key')
    expect(pre.detail.replace(/\s/g, '')).toContain(other.fingerprint)
  })
})
