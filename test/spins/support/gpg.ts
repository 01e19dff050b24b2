import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A throwaway GnuPG home with one signing key, made for one test run. */
export interface TestKey {
  home: string
  uid: string
  /** Armored public key. */
  publicKey: string
  fingerprint: string
  clearsign(file: string, out: string): Promise<void>
  dispose(): Promise<void>
}

export async function makeTestKey(uid = 'Hyperscale Companion Test Mirror <mirror@example.invalid>'): Promise<TestKey> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'hsc-gpg-'))
  const gpg = (...args: string[]) =>
    run('gpg', ['--batch', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { encoding: 'utf8' })
  await gpg('--quick-gen-key', uid, 'ed25519', 'sign', 'never')
  const { stdout: colons } = await gpg('--with-colons', '--list-keys', uid)
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1]
  if (!fingerprint) throw new Error(`no fingerprint in gpg output: ${colons}`)
  const { stdout: publicKey } = await gpg('--armor', '--export', fingerprint)
  return {
    home,
    uid,
    publicKey,
    fingerprint,
    async clearsign(file, out) {
      await gpg('--yes', '--local-user', fingerprint, '--digest-algo', 'SHA256', '--output', out, '--clearsign', file)
      await readFile(out)
    },
    async dispose() {
      await run('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined)
      await rm(home, { recursive: true, force: true })
    }
  }
}
