/**
 * Reading a deferred NODE_EXTRA_CA_CERTS file (system/extra-ca.ts) the way Node reads it. The
 * end-to-end behaviour, through bin/hsc and real TLS servers, is in test/spins/extra-ca.nginx.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { rootCertificates } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { extraCaContext, pemCertificates } from '../../src/main/services/system/extra-ca'

const [first, second] = rootCertificates
const bad = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----'

describe('pemCertificates', () => {
  it('takes every certificate block in order and ignores the text around them', () => {
    expect(pemCertificates(`# bundle\n${first}\nsubject=whatever\n${second}\n`)).toEqual({ certificates: [first, second] })
  })

  it('stops at the first block that is not a certificate, keeping the ones before', () => {
    const r = pemCertificates(`${first}\n${bad}\n${second}`)
    expect(r.certificates).toEqual([first])
    expect(r.error).toMatch(/^certificate 2: /)
  })

  it('says so when there is no certificate at all', () => {
    expect(pemCertificates('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toEqual({ certificates: [], error: 'no certificate in it' })
  })
})

describe('extraCaContext', () => {
  it('is Node’s default (undefined) with no deferred file', () => {
    expect(extraCaContext(undefined)).toBeUndefined()
  })

  it('builds a context when the file has a certificate, warning about a bad rest', () => {
    const warnings: string[] = []
    const ctx = extraCaContext('/ca.pem', { read: () => `${first}\n${bad}`, warn: (m) => warnings.push(m) })
    expect(ctx?.context).toBeDefined()
    expect(warnings).toEqual([expect.stringMatching(/^Ignoring the rest of the extra certs from `\/ca\.pem`: certificate 2: /)])
  })

  it('ignores an unreadable file with one warning worded like Node’s', () => {
    const warnings: string[] = []
    const read = (): string => {
      throw Object.assign(new Error("ENOENT: no such file or directory, open '/nope.pem'"), { code: 'ENOENT' })
    }
    expect(extraCaContext('/nope.pem', { read, warn: (m) => warnings.push(m) })).toBeUndefined()
    expect(warnings).toEqual(["Ignoring extra certs from `/nope.pem`, load failed: ENOENT: no such file or directory, open '/nope.pem'"])
  })

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hsc-extra-ca-'))
    try {
      const fifo = path.join(dir, 'ca.pem')
      execFileSync('mkfifo', [fifo])
      const warnings: string[] = []
      expect(extraCaContext(fifo, { warn: (m) => warnings.push(m) })).toBeUndefined()
      expect(warnings).toEqual([expect.stringMatching(/^Ignoring extra certs from `.*ca\.pem`, load failed: .*(FIFO|not a regular file)/i)])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
