// Browser mode's fast first paint: index.html's inline boot script exchanges the token and the
// exchange's answer carries the Overview's report, so the page does not wait for its script,
// the WebSocket and a call in turn. The real `hsc gui --browser` and Debian's Chromium. The
// body is read as hostile: when it is missing, malformed or lying, the page asks over the
// WebSocket, as it does on a reload (cookie, no token) and when it opens on another view.
import { createHash } from 'node:crypto'
import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { rawRequest, rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, watchPage } from '../support/chromium'

const skip = !rendererBuilt || !chromiumAvailable
const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : 'Debian chromium is not installed'
const FIRST = '/session?first=inspect.report'

/** Every contract call the page sends over its WebSocket, by method. */
function wsCalls(page: Page): string[] {
  const calls: string[] = []
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      const m = JSON.parse(String(f.payload)) as { t: string; method?: string }
      if (m.t === 'call') calls.push(m.method!)
    })
  )
  return calls
}

/** A fresh context and page, watched: page errors, WebSocket calls and the /session requests' queries. */
async function freshPage(browser: Browser) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const watch = watchPage(page)
  const calls = wsCalls(page)
  const sessions: string[] = []
  page.on('request', (r) => void (new URL(r.url()).pathname === '/session' && sessions.push(new URL(r.url()).search)))
  return { context, page, watch, calls, sessions }
}

/** Waits until every check the chips count is a row on the page; returns the row ids. */
async function allRows(page: Page): Promise<string[]> {
  const chips = page.getByTestId('filter-chips')
  await chips.waitFor()
  const total = Number(/(\d+) checks:/.exec((await chips.textContent()) ?? '')?.[1])
  expect(total).toBeGreaterThan(10)
  await page.waitForFunction((n) => document.querySelectorAll('li.check').length === n, total)
  return page.locator('li.check').evaluateAll((els) => els.map((e) => e.getAttribute('data-check')!))
}

describe.skipIf(skip)(`Overview from the session exchange${skip ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let host: string

  beforeAll(async () => {
    server = await startBrowserMode({ HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-first-settings-${process.pid}.json` })
    host = new URL(server.origin).host
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('the exchange answers the token holder with the report, and only with ?first=inspect.report', async () => {
    const post = (path: string, token = server.token) =>
      rawRequest(server.origin, { method: 'POST', path, headers: { Host: host, Origin: server.origin, Authorization: `Bearer ${token}` } })
    const ok = await post(FIRST)
    expect(ok.status).toBe(200)
    expect(ok.headers['content-type']).toMatch(/^application\/json/)
    expect(ok.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/)
    const body = JSON.parse(ok.body) as { first: { method: string; result: { ok: boolean; value: { schema: number; checks: unknown[] } } } }
    expect(body.first.method).toBe('inspect.report')
    expect(body.first.result.ok).toBe(true)
    expect(body.first.result.value.schema).toBe(1)
    expect(body.first.result.value.checks.length).toBeGreaterThan(10)
    const wrong = await post(FIRST, 'wrong-token-wrong-token')
    expect(wrong.status).toBe(401)
    expect(wrong.body).not.toContain('checks')
    expect((await post('/session?first=repos.list')).status).toBe(400)
    expect((await post('/session')).status).toBe(204)
  })

  it('the inline boot script is allowed by its hash in the served CSP, never by unsafe-inline', async () => {
    const page = await rawRequest(server.origin, { path: '/', headers: { Host: host } })
    const inline = [...page.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1])
    expect(inline).toHaveLength(1)
    const hash = `'sha256-${createHash('sha256').update(inline[0]).digest('base64')}'`
    const csp = String(page.headers['content-security-policy'])
    const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src '))
    expect(scriptSrc).toBe(`script-src 'self' ${hash}`)
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page.body)?.[1]
    expect(meta?.split('; ').find((d) => d.startsWith('script-src '))).toBe(scriptSrc)
  })

  it('a fresh load shows the checks from the exchange without asking for them over the WebSocket', async () => {
    const { context, page, watch, calls, sessions } = await freshPage(browser)
    await page.goto(server.url)
    const rows = await allRows(page)
    expect(rows).toContain('kernel.release')
    expect(await page.getByTestId('kernel-release').textContent()).toBe(os.release())
    expect(sessions).toEqual(['?first=inspect.report'])
    expect(calls).not.toContain('inspect.report')
    expect(page.url()).toBe(`${server.origin}/#/`)
    // Refresh asks anew, over the WebSocket.
    await page.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => calls.filter((m) => m === 'inspect.report').length).toBe(1)
    expect(watch.errors).toEqual([])
    await context.close()
  })

  it('a missing, malformed or lying report body: the page asks over the WebSocket and shows the real checks', async () => {
    const evil = JSON.stringify({
      first: {
        method: 'inspect.report',
        result: {
          ok: true,
          value: {
            schema: 1,
            generatedAt: '',
            root: '/',
            durationMs: 1,
            summary: { ok: 1, warn: 0, fail: 0, unknown: 0 },
            checks: [{ id: '<img src=x onerror=alert(1)>', group: 'system', title: 'Injected', status: 'ok', value: 'x', evidence: [] }]
          }
        }
      }
    })
    const bodies: Array<[string, string, string]> = [
      ['not JSON', '<html><body>oops</body></html>', 'application/json'],
      ['cut short', '{"first":{"method":"inspect.report","result":{"ok":true,"value":{"schema":1,', 'application/json'],
      ['empty', '', 'application/json'],
      ['a report with a hostile check id', evil, 'application/json'],
      ['the right JSON as text/html', evil, 'text/html']
    ]
    for (const [what, body, type] of bodies) {
      const { context, page, watch, calls } = await freshPage(browser)
      // The real exchange (its cookie included), with the body replaced.
      await page.route(`**${FIRST}`, async (route) => {
        const real = await route.fetch()
        await route.fulfill({ response: real, body, headers: { ...real.headers(), 'content-type': type } })
      })
      await page.goto(server.url)
      const rows = await allRows(page)
      expect(rows, what).toContain('kernel.release')
      expect(rows, what).not.toContain('<img src=x onerror=alert(1)>')
      expect(await page.locator('img').count(), what).toBe(0)
      expect(calls, what).toContain('inspect.report')
      expect(watch.errors, what).toEqual([])
      await context.close()
    }
  })

  it('a reload (no token, so no exchange and no body) and a first view other than the Overview ask over the WebSocket', async () => {
    const { context, page, watch, calls, sessions } = await freshPage(browser)
    await page.goto(`${server.url}#/settings`)
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    expect(sessions).toEqual([''])
    await page.getByRole('link', { name: 'Overview' }).click()
    expect(await allRows(page)).toContain('kernel.release')
    expect(calls).toContain('inspect.report')
    calls.length = 0
    await page.reload()
    expect(await allRows(page)).toContain('kernel.release')
    expect(sessions).toEqual([''])
    expect(calls).toContain('inspect.report')
    expect(watch.errors).toEqual([])
    await context.close()
  })
})
