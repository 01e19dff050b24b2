import net from 'node:net'
import { HeadReader } from './http1-parse'
import { proxyAuthorization, shownProxy } from './proxy'
import { answerTimer } from '../system/deadline'

/** A proxy failure, worded for people. */
export class ProxyError extends Error {
  override name = 'ProxyError'
}

/** What a proxy's refusal means, as a sentence. */
export function proxyStatusMessage(proxy: URL, status: number, target: string): string {
  const where = shownProxy(proxy)
  // 407 is the standard answer; tinyproxy answers 401 to wrong credentials on CONNECT.
  if (status === 407 || (status === 401 && proxy.username)) {
    return proxy.username
      ? `The proxy ${where} rejected the user name and password given for it (HTTP ${status}); check them in Settings or in https_proxy/http_proxy.`
      : `The proxy ${where} needs a user name and password (HTTP 407); give them as http://user:password@host:port in Settings or in https_proxy/http_proxy.`
  }
  return `The proxy ${where} refused to connect to ${target} (HTTP ${status}); ask its administrator to allow it, or set no_proxy for that host.`
}

function connectError(proxy: URL, err: NodeJS.ErrnoException): ProxyError {
  const where = shownProxy(proxy)
  const why =
    err.code === 'ECONNREFUSED'
      ? 'nothing accepts connections there'
      : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
        ? 'its host name does not resolve'
        : err.code === 'ETIMEDOUT'
          ? 'it did not answer in time'
          : (err.code ?? err.message)
  return Object.assign(new ProxyError(`Cannot reach the proxy ${where}: ${why}. Check the proxy setting (Settings, or https_proxy/http_proxy).`), {
    code: err.code
  })
}

/**
 * Opens a TCP connection to the proxy and asks it for a tunnel with CONNECT. Resolves with
 * the raw socket once the proxy answers 2xx; TLS to the mirror then runs inside it, so the
 * mirror's certificate is verified as without a proxy. Refusals and 407 become ProxyErrors;
 * a proxy that accepts and then says nothing is bounded by timeoutMs.
 */
export function connectTunnel(proxy: URL, host: string, port: number, signal: AbortSignal, timeoutMs = 30_000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(proxy.port || 80) })
    const reader = new HeadReader()
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`
    let settled = false
    const done = (err?: Error): void => {
      if (settled) return
      settled = true
      timer.cancel()
      signal.removeEventListener('abort', onAbort)
      socket.removeListener('data', onData)
      if (err) {
        socket.destroy()
        reject(err)
      } else {
        // Left flowing for TLS to take over: the mirror sends nothing before our ClientHello.
        resolve(socket)
      }
    }
    const onAbort = (): void => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    const timer = answerTimer(timeoutMs, () =>
      done(new ProxyError(`The proxy ${shownProxy(proxy)} did not answer the tunnel request to ${authority} within ${Math.round(timeoutMs / 1000)} s.`))
    )
    const onData = (chunk: Buffer): void => {
      try {
        const start = reader.feed(chunk)
        if (start < 0) return
        const status = reader.head!.status
        if (status >= 200 && status < 300) {
          if (start < chunk.length) done(new ProxyError(`The proxy ${shownProxy(proxy)} sent data before the tunnel to ${authority} was used.`))
          else done()
        } else done(new ProxyError(proxyStatusMessage(proxy, status, authority)))
      } catch (err) {
        done(new ProxyError(`The proxy ${shownProxy(proxy)} answered the tunnel request with something that is not HTTP: ${(err as Error).message}`))
      }
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    socket.on('data', onData)
    socket.once('error', (err) => done(connectError(proxy, err)))
    socket.once('close', () => done(new ProxyError(`The proxy ${shownProxy(proxy)} closed the connection instead of opening a tunnel to ${authority}.`)))
    const auth = proxyAuthorization(proxy)
    socket.write(
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: hyperscale-companion\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`
    )
  })
}

export { connectError as proxyConnectError }
