import type * as Crypto from 'node:crypto'
import type * as Tls from 'node:tls'
import { lazyBuiltin } from './lazy'
import { readRegularSync } from './safe-file'

/**
 * NODE_EXTRA_CA_CERTS without its start-up cost (#15). Whenever that variable is set, Node 20
 * parses its ~140 bundled root certificates and then the file's before the first line of
 * JavaScript: ~40 ms of every command on a machine that sets it, more than a whole
 * `hsc inspect`, for a trust store most commands never use. So bin/hsc starts Node without
 * the variable, bin/hsc.cjs puts it back for the programs hsc starts and records the file
 * under this key, and the TLS connections hsc makes itself trust what Node would have:
 * its bundled roots plus the file's certificates (extraCaContext).
 */
const DEFERRED_EXTRA_CA_KEY = Symbol.for('hsc.deferredExtraCaCerts')

const tls = lazyBuiltin<typeof Tls>('node:tls')
const crypto = lazyBuiltin<typeof Crypto>('node:crypto')

/** The file NODE_EXTRA_CA_CERTS named when bin/hsc kept Node from loading it; else undefined (Node loaded it, or none is set). */
export function deferredExtraCaFile(): string | undefined {
  const file = (globalThis as Record<symbol, unknown>)[DEFERRED_EXTRA_CA_KEY]
  return typeof file === 'string' && file !== '' ? file : undefined
}

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/**
 * The certificates of a PEM file, read as Node reads NODE_EXTRA_CA_CERTS: certificate blocks
 * in order, anything between them ignored, and reading stops at the first block that is not a
 * certificate (the ones before it are kept). `error` says why it stopped early.
 */
export function pemCertificates(text: string): { certificates: string[]; error?: string } {
  const certificates: string[] = []
  for (const [block] of text.matchAll(BLOCK)) {
    try {
      new (crypto().X509Certificate)(block)
    } catch (err) {
      return { certificates, error: `certificate ${certificates.length + 1}: ${(err as Error).message}` }
    }
    certificates.push(block)
  }
  return certificates.length ? { certificates } : { certificates, error: 'no certificate in it' }
}

interface TrustDeps {
  read?: (file: string) => string
  warn?: (message: string) => void
}

/** Per file: its context, or undefined when it had no usable certificate (warned once). */
const kept = new Map<string, Tls.SecureContext | undefined>()

/**
 * The TLS context for the connections hsc makes while NODE_EXTRA_CA_CERTS is deferred: Node's
 * default trust (its bundled roots, or the system store where Node is built or run to use it)
 * plus the file's certificates, which is exactly what the variable gives. Undefined when Node's
 * own default is right: no deferred file, or one without a usable certificate, which Node too
 * ignores with a warning. Read on first use and kept; one warning, worded like Node's, when the
 * file is unreadable or partly bad.
 */
export function extraCaContext(file = deferredExtraCaFile(), deps: TrustDeps = {}): Tls.SecureContext | undefined {
  if (!file) return undefined
  if (kept.has(file)) return kept.get(file)
  const warn = deps.warn ?? ((m: string) => process.emitWarning(m))
  let certificates: string[] = []
  try {
    // Like any file a variable names: a FIFO or a device must not hang the first connection.
    const read = pemCertificates((deps.read ?? ((f: string) => readRegularSync(f, { label: 'the extra CA file' }).toString('latin1')))(file))
    certificates = read.certificates
    if (read.error)
      warn(
        certificates.length
          ? `Ignoring the rest of the extra certs from \`${file}\`: ${read.error}`
          : `Ignoring extra certs from \`${file}\`, load failed: ${read.error}`
      )
  } catch (err) {
    warn(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`)
  }
  const context = certificates.length ? withExtraCertificates(certificates) : undefined
  kept.set(file, context)
  return context
}

/**
 * A context on Node's default store with these CAs added. tls.connect's documented `ca` option
 * would replace the default store (a system store set up with --use-openssl-ca would be lost);
 * the context's addCACert, the call Node's own createSecureContext makes for `ca`, copies the
 * default store first when the context uses it, as NODE_EXTRA_CA_CERTS does.
 */
function withExtraCertificates(certificates: string[]): Tls.SecureContext {
  const context = tls().createSecureContext()
  const native = (context as { context?: { addCACert?: (pem: string) => void } }).context
  if (typeof native?.addCACert !== 'function') return tls().createSecureContext({ ca: [...tls().rootCertificates, ...certificates] })
  for (const pem of certificates) native.addCACert(pem)
  return context
}
