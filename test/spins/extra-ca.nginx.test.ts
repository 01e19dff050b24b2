/**
 * NODE_EXTRA_CA_CERTS through hsc's real entry point, bin/hsc (#15): Node starts without it (it
 * costs every Node start ~40 ms of trust-store building), yet hsc's own TLS connections trust
 * what the variable adds, on top of Node's default trust, and the programs hsc starts still get
 * the variable. Real nginx TLS listeners with certificates from two throwaway CAs, real openssl.
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { VerifyResult } from '../../src/shared/contract/spins'
import { runHsc, runProgram, type HscResult } from '../support/hsc'
import { commandUnavailable, nginxUnavailable, startNginx, type NginxServer } from '../support/nginx'
import { HSC, HSC_LAUNCHER, PROJECT_ROOT } from '../support/paths'
import { selfSigned } from './support/tls'

const run = promisify(execFile)
const built = existsSync(path.join(PROJECT_ROOT, 'out/cli/hsc.cjs'))
const why = nginxUnavailable() ?? commandUnavailable('openssl', 'version') ?? (built ? null : 'run npm run build first')
const IMAGE = 'CentOS-Stream-Hyperscale-9-20240301.1-x86_64-Live-GNOME.iso'

describe.skipIf(why !== null)(`NODE_EXTRA_CA_CERTS, deferred by bin/hsc${why ? ` (skipped: ${why})` : ''}`, () => {
  let work: string
  let image: Buffer
  /** Signed by CA "a" and CA "b". */
  const servers: Record<'a' | 'b', NginxServer | undefined> = { a: undefined, b: undefined }
  const ca: Record<'a' | 'b', string> = { a: '', b: '' }
  let n = 0

  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

  /** A CA, and a server certificate for 127.0.0.1 signed by it. */
  async function authority(name: 'a' | 'b'): Promise<{ ca: string; cert: string; key: string }> {
    const f = (x: string): string => path.join(work, `${name}-${x}`)
    await selfSigned(f('ca.key'), f('ca.pem'), `/CN=hsc test CA ${name}`)
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key.pem'), '-out', f('csr.pem'), '-subj', '/CN=127.0.0.1'])
    await writeFile(f('ext'), 'subjectAltName=IP:127.0.0.1\n')
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      f('csr.pem'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('cert.pem'),
      '-days',
      '1',
      '-extfile',
      f('ext')
    ])
    return { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem') }
  }

  /** A fresh HOME; `hsc` through bin/hsc with these variables. */
  async function home(env: Record<string, string>): Promise<{ downloads: string; hsc: (...args: string[]) => Promise<HscResult> }> {
    const h = path.join(work, `home-${++n}`)
    const downloads = path.join(h, 'Downloads')
    await mkdir(downloads, { recursive: true })
    const all = { HOME: h, NO_COLOR: '1', HSC_DOWNLOAD_DIR: downloads, HSC_CACHE_DIR: path.join(h, '.cache/hsc'), SSL_CERT_FILE: '', SSL_CERT_DIR: '', ...env }
    return { downloads, hsc: (...args) => runHsc(args, all) }
  }

  const url = (server: 'a' | 'b', rel: string): string => `${servers[server]!.tlsUrl}/${rel}`

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'hsc-extra-ca-'))
    const root = path.join(work, 'root')
    await mkdir(root)
    image = randomBytes(256 * 1024)
    await writeFile(path.join(root, IMAGE), image)
    await writeFile(path.join(root, 'CHECKSUM'), `SHA256 (${IMAGE}) = ${sha(image)}\n`)
    for (const name of ['a', 'b'] as const) {
      const made = await authority(name)
      ca[name] = made.ca
      servers[name] = await startNginx({ root, tls: { cert: made.cert, key: made.key } })
    }
  }, 120_000)

  afterAll(async () => {
    await servers.a?.stop()
    await servers.b?.stop()
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('Node does not read the file at start-up through bin/hsc; run directly, it does', async () => {
    const env = { NODE_EXTRA_CA_CERTS: path.join(work, 'no-such-ca.pem') }
    // Node warns at start-up when it cannot load the file: proof that it tried.
    // `node bin/hsc.cjs`, which does not defer the variable, is the reference.
    const direct = await runProgram(process.execPath, [HSC, '--version'], env)
    expect(direct.status).toBe(0)
    expect(direct.stderr).toMatch(/Ignoring extra certs from `.*no-such-ca\.pem`, load failed/)
    const deferred = await runHsc(['--version'], env)
    expect(deferred.status).toBe(0)
    expect(deferred.stdout).toMatch(/^hsc \d/)
    expect(deferred.stderr).toBe('')
  })

  it('gives the variable back to the programs hsc starts, and finds hsc.cjs through a symbolic link', async () => {
    const probe = path.join(work, 'probe.cjs')
    const seen = path.join(work, 'seen.json')
    // Preloaded into hsc's Node: what a program hsc starts would inherit, as the command ends.
    await writeFile(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({
        extra: process.env.NODE_EXTRA_CA_CERTS ?? null,
        handover: process.env.HSC_DEFERRED_EXTRA_CA_CERTS ?? null,
        deferred: globalThis[Symbol.for('hsc.deferredExtraCaCerts')] ?? null
      })))`
    )
    const link = path.join(work, 'bin-link', 'hsc')
    await mkdir(path.dirname(link), { recursive: true })
    await symlink(HSC_LAUNCHER, link)
    const r = await runProgram(link, ['--version'], { NODE_EXTRA_CA_CERTS: ca.b, NODE_OPTIONS: `--require ${probe}` })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(JSON.parse(readFileSync(seen, 'utf8'))).toEqual({ extra: ca.b, handover: null, deferred: ca.b })
  })

  it('downloads (own transport) and checksum reads (fetch) trust the deferred CA; without it they fail', async () => {
    const trusted = await home({ NODE_EXTRA_CA_CERTS: ca.b })
    const dl = await trusted.hsc('spins', 'download', url('b', IMAGE), '--sha256', sha(image))
    expect(dl.stderr).not.toMatch(/certificate/i)
    expect(dl.status).toBe(0)
    expect(sha(readFileSync(path.join(trusted.downloads, IMAGE)))).toBe(sha(image))
    const v = await trusted.hsc('verify', path.join(trusted.downloads, IMAGE), '--json', '--checksum', url('b', 'CHECKSUM'))
    expect([v.status, (JSON.parse(v.stdout) as VerifyResult).state]).toEqual([0, 'checksum-unsigned'])

    // Without it, both say the certificate is not trusted here and what to do, through the
    // own transport (the download) and through Node's fetch (the checksum read).
    const untrusted = await home({})
    const hint =
      /certificate is not trusted on this machine: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. If your network uses its own certificate authority, set NODE_EXTRA_CA_CERTS/
    const no = await untrusted.hsc('spins', 'download', url('b', IMAGE), '--sha256', sha(image))
    expect(no.status).not.toBe(0)
    expect(no.stderr).toMatch(hint)
    const nv = await untrusted.hsc('verify', path.join(trusted.downloads, IMAGE), '--checksum', url('b', 'CHECKSUM'))
    expect(nv.status).toBe(1)
    expect(nv.stderr).toMatch(hint)
    // A trusted certificate for another name (it names 127.0.0.1, not localhost) says so.
    const other = await trusted.hsc('verify', path.join(trusted.downloads, IMAGE), '--checksum', url('b', 'CHECKSUM').replace('127.0.0.1', 'localhost'))
    expect(other.status).toBe(1)
    expect(other.stderr).toMatch(/its certificate is for another name: .*ERR_TLS_CERT_ALTNAME_INVALID/)
  }, 60_000)

  it("adds to Node's default trust instead of replacing it (a system store given with --use-openssl-ca stays)", async () => {
    // Node's default trust here is the OpenSSL store, which SSL_CERT_FILE names: CA a.
    const h = await home({ NODE_OPTIONS: '--use-openssl-ca', SSL_CERT_FILE: ca.a, NODE_EXTRA_CA_CERTS: ca.b })
    for (const server of ['a', 'b'] as const) {
      const v = await h.hsc('verify', path.join(work, 'root', IMAGE), '--json', '--checksum', url(server, 'CHECKSUM'))
      expect([server, v.status, v.stderr]).toEqual([server, 0, ''])
      expect((JSON.parse(v.stdout) as VerifyResult).state).toBe('checksum-unsigned')
    }
  }, 60_000)

  it('a file without a certificate is ignored with one warning, as Node ignores it', async () => {
    const garbage = path.join(work, 'garbage.pem')
    await writeFile(garbage, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n')
    const h = await home({ NODE_OPTIONS: '--use-openssl-ca', SSL_CERT_FILE: ca.a, NODE_EXTRA_CA_CERTS: garbage })
    const a = await h.hsc('verify', path.join(work, 'root', IMAGE), '--checksum', url('a', 'CHECKSUM'))
    expect(a.status).toBe(0)
    expect(a.stderr.match(/Ignoring extra certs from `.*garbage\.pem`, load failed: certificate 1: /g)).toHaveLength(1)
    const b = await h.hsc('verify', path.join(work, 'root', IMAGE), '--checksum', url('b', 'CHECKSUM'))
    expect(b.status).toBe(1)
    expect(b.stderr + b.stdout).toMatch(/certificate/i)
  }, 60_000)
})
