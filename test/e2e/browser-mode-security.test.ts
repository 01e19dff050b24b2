// Browser mode's boundary against other local processes and web pages: Host (DNS
// rebinding), Origin, the token's path (fragment → one exchange → HttpOnly cookie), and a
// connection limit. The real `hsc gui --browser`, raw HTTP/WebSocket clients and Chromium.
import os from 'node:os'
import type WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { rawRequest, rendererBuilt, sessionCookie, startBrowserMode, tryWebSocket, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, watchPage } from '../support/chromium'

const skip = !rendererBuilt || !chromiumAvailable
const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : 'Debian chromium is not installed'

describe.skipIf(skip)(`browser mode trust boundary${skip ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let host: string

  beforeAll(async () => {
    server = await startBrowserMode({ HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-bm-settings-${process.pid}.json` })
    host = new URL(server.origin).host
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('prints the token only in the URL fragment and the real SSH forwarding line with its port', () => {
    const port = new URL(server.origin).port
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#token=[A-Za-z0-9_-]{20,}$`))
    expect(server.output()).toContain(`ssh -N -L ${port}:127.0.0.1:${port} ${os.userInfo().username}@${os.hostname()}`)
  })

  it('the page exchanges the token once: it never reaches a request URL, a Referer, the address bar or history', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const watch = watchPage(page)
    const seen: string[] = []
    page.on('request', (r) => seen.push(`${r.url()} ${r.headers().referer ?? ''}`))
    await page.goto(`${server.url}#/settings`)
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    expect(page.url()).toBe(`${server.origin}/#/settings`)
    const cdp = await context.newCDPSession(page)
    const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: Array<{ url: string }> }
    for (const e of entries) expect(e.url).not.toContain(server.token)
    expect(seen.length).toBeGreaterThan(2)
    for (const line of seen) expect(line).not.toContain(server.token)
    expect(await page.evaluate(() => document.cookie)).toBe('') // HttpOnly: scripts cannot read the session
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain(server.token)
    // a reload works from the session cookie alone
    await page.reload()
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    expect(watch.errors).toEqual([])
    await context.close()
  })

  it('refuses a foreign Host (DNS rebinding) for pages, the token exchange and the WebSocket', async () => {
    const port = new URL(server.origin).port
    for (const bad of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost:1`]) {
      expect((await rawRequest(server.origin, { path: '/', headers: { Host: bad } })).status).toBe(421)
      const ex = await rawRequest(server.origin, {
        method: 'POST',
        path: '/session',
        headers: { Host: bad, Origin: `http://${bad}`, Authorization: `Bearer ${server.token}` }
      })
      expect(ex.status).toBe(421)
      expect(await tryWebSocket(server.origin, { Host: bad, Origin: `http://${bad}`, Cookie: await sessionCookie(server) })).toBe('http 403')
    }
    for (const good of [host, `localhost:${port}`, `[::1]:${port}`])
      expect((await rawRequest(server.origin, { path: '/', headers: { Host: good } })).status).toBe(200)
  })

  it('lets the browser keep only content-hashed assets; the page itself and unknown paths are never cached', async () => {
    const page = await rawRequest(server.origin, { path: '/', headers: { Host: host } })
    expect(page.headers['cache-control']).toBe('no-store')
    const script = /src="\.?(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1]
    expect(script).toBeDefined()
    const asset = await rawRequest(server.origin, { path: script!, headers: { Host: host } })
    expect(asset.status).toBe(200)
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(asset.headers['content-security-policy']).toBe(page.headers['content-security-policy'])
    const missing = await rawRequest(server.origin, { path: '/assets/not-there.js', headers: { Host: host } })
    expect(missing.status).toBe(404)
    expect(missing.headers['cache-control']).toBe('no-store')
  })

  it('requires a matching Origin for the token exchange and the WebSocket', async () => {
    const cookie = await sessionCookie(server)
    const exchange = (headers: Record<string, string>) =>
      rawRequest(server.origin, { method: 'POST', path: '/session', headers: { Host: host, Authorization: `Bearer ${server.token}`, ...headers } })
    expect((await exchange({})).status).toBe(403)
    expect((await exchange({ Origin: 'http://evil.example' })).status).toBe(403)
    expect((await exchange({ Origin: server.origin })).status).toBe(204)
    expect(await tryWebSocket(server.origin, { Cookie: cookie })).toBe('http 403')
    expect(await tryWebSocket(server.origin, { Cookie: cookie, Origin: 'http://evil.example' })).toBe('http 403')
    expect(await tryWebSocket(server.origin, { Cookie: cookie, Origin: 'null' })).toBe('http 403')
    const ok = await tryWebSocket(server.origin, { Cookie: cookie, Origin: server.origin })
    expect(typeof ok).not.toBe('string')
    ;(ok as WebSocket).close()
  })

  it('refuses the old ?token= URL, a wrong token and a made-up session', async () => {
    expect(await tryWebSocket(server.origin, { Origin: server.origin }, `/api?token=${server.token}`)).toBe('http 401')
    const wrong = await rawRequest(server.origin, {
      method: 'POST',
      path: '/session',
      headers: { Host: host, Origin: server.origin, Authorization: 'Bearer wrong' }
    })
    expect(wrong.status).toBe(401)
    const port = new URL(server.origin).port
    expect(await tryWebSocket(server.origin, { Origin: server.origin, Cookie: `hsc_session_${port}=${server.token}` })).toBe('http 401')
  })

  it('limits live connections per token', async () => {
    const cookie = await sessionCookie(server)
    const open: WebSocket[] = []
    let refused = ''
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await tryWebSocket(server.origin, { Cookie: cookie, Origin: server.origin })
      if (typeof r === 'string') refused = r
      else open.push(r)
    }
    expect(refused).toBe('http 429')
    expect(open.length).toBeLessThanOrEqual(16)
    await Promise.all(open.map((w) => new Promise((r) => (w.close(), w.on('close', r)))))
    const again = await tryWebSocket(server.origin, { Cookie: cookie, Origin: server.origin })
    expect(typeof again).not.toBe('string')
    ;(again as WebSocket).close()
  })
})
