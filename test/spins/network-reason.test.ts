/**
 * How a failed request is described (spins/network-reason.ts). Certificates this machine does
 * not trust, through both real paths, are in extra-ca.nginx.test.ts.
 */
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { networkReason } from '../../src/main/services/spins/network-reason'

describe('networkReason', () => {
  it("names what Node's fetch hides behind 'fetch failed', once", async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port
        s.close(() => resolve(p))
      })
    })
    const err = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
    expect(networkReason(err)).toBe(`fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`)
  })

  it('says a timeout in words, and keeps a cause as a note', () => {
    expect(networkReason(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe('timed out')
    expect(networkReason(new Error('proxy refused', { cause: new Error('socket hang up') }))).toBe('proxy refused (socket hang up)')
    expect(networkReason(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }))).toBe(
      "its certificate is not valid at this machine's date and time: certificate has expired (CERT_HAS_EXPIRED). Check the clock"
    )
  })
})
