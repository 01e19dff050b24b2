import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CatalogueState, DownloadInfo, VerifyResult } from '../../src/shared/contract/spins'
import { HSC, PROJECT_ROOT } from '../support/paths'
import { mirrorUnavailable, setupMirrorEnv, type MirrorEnv } from './support/env'

const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const why = mirrorUnavailable() ?? (built ? null : 'run npm run build first')

describe.skipIf(why !== null)(`hsc spins / hsc verify (built CLI) against a real nginx${why ? ` (skipped: ${why})` : ''}`, () => {
  let env: MirrorEnv
  let hsc: (...args: string[]) => { status: number | null; stdout: string; stderr: string }
  const kdeRel = 'hs/9/x86_64/20240301.1/CentOS-Stream-Hyperscale-9-20240301.1-x86_64-Live-KDE.iso'
  const kde = () => env.mirror.isos[kdeRel]
  let keyFile: string

  beforeAll(async () => {
    env = await setupMirrorEnv()
    const vars = {
      ...process.env,
      NO_COLOR: '1',
      HSC_SETTINGS_FILE: path.join(env.work, 'settings.json'),
      HSC_CACHE_DIR: path.join(env.work, 'cache'),
      HSC_DOWNLOAD_DIR: path.join(env.work, 'downloads')
    }
    hsc = (...args) => spawnSync(process.execPath, [HSC, ...args], { encoding: 'utf8', env: vars, timeout: 60_000 })
    keyFile = path.join(env.work, 'mirror-key.asc')
    await writeFile(keyFile, env.key.publicKey)
    const set = hsc('settings', 'set', `catalogueSources=${JSON.stringify([`${env.nginx.url}/hs/9/x86_64/20240301.1/`, `${env.nginx.url}/hs/10/aarch64/`])}`)
    expect(set.status).toBe(0)
  }, 120_000)
  afterAll(async () => env?.dispose())

  it('spins list --json refreshes on first use and lists the newest spins', () => {
    const r = hsc('spins', 'list', '--json')
    expect(r.status).toBe(0)
    const state = JSON.parse(r.stdout) as CatalogueState
    expect(state.catalogue!.spins.map((s) => s.id).sort()).toEqual(['10-aarch64-gnome', '9-x86_64-gnome', '9-x86_64-kde'])
    const text = hsc('spins', 'list')
    expect(text.stdout).toMatch(/9-x86_64-kde\s+KDE\s+x86_64\s+9\s+[\d.]+ MiB\s+2024-03-01\s+signed/)
  })

  it('spins download ID fetches and checks; signed by an untrusted key is not verified (exit 1) until the key is trusted', () => {
    const dest = path.join(env.work, 'dl')
    const r = hsc('spins', 'download', '9-x86_64-kde', '--dest', dest, '--json')
    expect(r.status).toBe(1)
    const info = JSON.parse(r.stdout) as DownloadInfo
    expect(info).toMatchObject({ status: 'done', path: path.join(dest, kde().name), sha256: kde().sha256 })
    // No key imported: the hash matches, but the signature cannot be checked.
    expect(info.verification).toMatchObject({ state: 'signed-by-untrusted-key', signature: { status: 'unknown-key' } })
    const text = hsc('spins', 'download', '9-x86_64-kde', '--dest', dest)
    expect(text.status).toBe(1)
    expect(text.stdout).toMatch(/Not verified: signed by an untrusted key/)
  })

  it('spins download of an unknown id or a 404 URL fails with exit 1 and one line', () => {
    const r = hsc('spins', 'download', 'nope')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^hsc: start download: no spin "nope" in the catalogue/)
    const dead = hsc('spins', 'download', `${env.nginx.url}/missing/x.iso`, '--dest', path.join(env.work, 'dl404'))
    expect(dead.status).toBe(1)
    expect(dead.stderr).toMatch(/failed: download: every mirror failed: .*HTTP 404/)
  })

  it('verify exits 0 only when the hash matches and a signed file has a good signature', () => {
    const file = path.join(env.mirror.root, kdeRel)
    const checksum = `${env.nginx.url}/hs/9/x86_64/20240301.1/CHECKSUM`
    const signed = hsc('verify', file, '--checksum', checksum, '--key', keyFile, '--json')
    expect(signed.status).toBe(0)
    expect((JSON.parse(signed.stdout) as VerifyResult).state).toBe('signed-by-trusted-key')
    // Signed, but by a key we were not given: not a pass.
    const noKey = hsc('verify', file, '--checksum', checksum)
    expect(noKey.status).toBe(1)
    expect(noKey.stderr).toMatch(/pass the signing key with --key/)
    const tampered = hsc('verify', file, '--checksum', path.join(env.mirror.root, 'tampered/CHECKSUM'), '--key', keyFile)
    expect(tampered.status).toBe(1)
    expect(tampered.stdout).toMatch(/^Not verified: BAD SIGNATURE/)
    const corrupt = hsc(
      'verify',
      path.join(env.mirror.root, 'corrupt', kde().name),
      '--checksum',
      path.join(env.mirror.root, 'corrupt/CHECKSUM'),
      '--key',
      keyFile
    )
    expect(corrupt.status).toBe(1)
    expect(corrupt.stdout).toMatch(/^Not verified: HASH MISMATCH/)
    expect(hsc('verify', file, '--sha256', kde().sha256).status).toBe(0)
    expect(hsc('verify', file, '--sha256', 'a'.repeat(64)).status).toBe(1)
    // An unsigned GNU file that matches passes.
    expect(hsc('verify', file, '--checksum', path.join(env.mirror.root, `${kdeRel}.SHA256SUM`)).status).toBe(0)
  })

  it('verify: bad usage exits 2, a broken checksum file exits 1 with the parse error', () => {
    const file = path.join(env.mirror.root, kdeRel)
    const none = hsc('verify', file)
    expect(none.status).toBe(2)
    expect(none.stderr.trim()).toBe('hsc: give --checksum FILE|URL or --sha256 HEX')
    expect(hsc('verify', file, '--sha256', 'xyz').status).toBe(2)
    const garbage = hsc('verify', file, '--checksum', `${env.nginx.url}/broken/CHECKSUM.garbage`)
    expect(garbage.status).toBe(1)
    expect(garbage.stderr).toMatch(/^hsc: parse checksum file: no SHA-256 or SHA-512 entries found/)
    const badKey = hsc('verify', file, '--sha256', kde().sha256, '--key', file)
    expect(badKey.status).toBe(1)
    expect(badKey.stderr).toMatch(/is not an armored OpenPGP public key/)
  })
})
