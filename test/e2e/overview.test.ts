import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { rendererBuilt, sessionCookie, startBrowserMode, tryWebSocket, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { axeViolations } from '../support/axe'

const skip = !rendererBuilt || !chromiumAvailable
const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : 'Debian chromium is not installed'

describe.skipIf(skip)(`browser mode + Overview in Chromium${skip ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser

  beforeAll(async () => {
    server = await startBrowserMode({ HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-settings-${process.pid}.json` })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows the live kernel release and cgroup mode', async () => {
    const page = await browser.newPage()
    const watch = watchPage(page)
    await page.goto(server.url)
    await page.getByTestId('kernel-release').waitFor()
    const kernel = await page.getByTestId('kernel-release').textContent()
    expect(kernel?.trim()).toBe(os.release())
    const fsType = execFileSync('stat', ['-f', '-c', '%T', '/sys/fs/cgroup'], { encoding: 'utf8' }).trim()
    const expected = fsType === 'cgroup2fs' ? /unified/i : /hybrid|legacy/i
    expect(await page.getByTestId('cgroup-mode').textContent()).toMatch(expected)
    await screenshot(page, 'overview')
    expect(watch.errors).toEqual([])
  })

  it('"What to fix" lists each actionable warning with its remedy and jumps to the row; chips filter; counts add up', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const watch = watchPage(page)
    await page.goto(server.url)
    await page.getByTestId('kernel-release').waitFor()
    const panel = page.getByTestId('what-to-fix')
    // The panel comes first, above the summary tiles.
    const order = await page.evaluate(() => {
      const a = document.querySelector('[data-testid="what-to-fix"]')!
      const b = document.querySelector('[aria-label="Summary"]')!
      return Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)
    })
    expect(order).toBe(true)

    // Every row with Attention/Missing status and a remedy is in the list, except informational ones.
    const rows = await page.locator('li.check').evaluateAll((els) =>
      els.map((e) => ({
        id: e.getAttribute('data-check')!,
        status: e.getAttribute('data-status')!,
        remedy: e.querySelector('.remedy') !== null,
        info: e.querySelector('.remedy.info') !== null
      }))
    )
    const expected = rows
      .filter((r) => (r.status === 'warn' || r.status === 'fail') && r.remedy && !r.info)
      .map((r) => r.id)
      .sort()
    const listed = (await panel.getByTestId('fix-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-check')!))).sort()
    expect(listed).toEqual(expected)
    expect(Number(await page.getByTestId('count-action').textContent())).toBe(listed.length)
    // "This is not CentOS" cannot be fixed from here: shown for information, not counted.
    const os = rows.find((r) => r.id === 'os.release')!
    if (os.status === 'warn') {
      expect(listed).not.toContain('os.release')
      expect(await panel.getByTestId('informational-note').innerText()).toMatch(/for information only/)
    }

    // "Show" jumps to the row and focuses it.
    if (listed.length) {
      const first = panel.getByTestId('fix-item').first()
      const id = await first.getAttribute('data-check')
      expect((await first.innerText()).length).toBeGreaterThan(10)
      await first.getByRole('button', { name: /^Show/ }).click()
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(`check-${id}`)
    }

    // Chips: the four counts add up to the number of checks, and a chip filters the rows.
    const n = rows.length
    const count = async (st: string) => Number(await page.getByTestId(`chip-${st}`).locator('strong').textContent())
    const total = (await count('ok')) + (await count('warn')) + (await count('fail')) + (await count('unknown'))
    expect(total).toBe(n)
    expect(await page.getByTestId('filter-chips').innerText()).toContain(`${n} checks:`)
    await page.getByTestId('chip-ok').click()
    expect(await page.getByTestId('chip-ok').getAttribute('aria-pressed')).toBe('false')
    expect(await page.locator('li.check[data-status="ok"]').count()).toBe(0)
    expect(await page.locator('li.check').count()).toBe(n - (await count('ok')))
    await page.getByRole('button', { name: 'Show all' }).click()
    expect(await page.locator('li.check').count()).toBe(n)

    // PSI: "ok" means readable, so the badge says that, and the value carries its own level.
    const psi = page.locator('li.check[data-check="psi.pressure"]')
    if (await psi.count()) {
      const badge = psi.locator('[data-status]').first()
      if ((await badge.getAttribute('data-status')) === 'ok') {
        expect(await badge.textContent()).toBe('PSI readable')
        const value = psi.getByTestId('check-value')
        const text = await value.innerText()
        const m = /^(low|elevated|high) \((\w+) (\d+)% now\)/.exec(text)
        expect(m, text).not.toBeNull()
        const pct = Number(m![3])
        const word = pct >= 40 ? 'high' : pct >= 10 ? 'elevated' : 'low'
        expect(m![1]).toBe(word)
        expect(await value.getAttribute('class')).toContain(pct >= 40 ? 'tone-fail' : pct >= 10 ? 'tone-warn' : 'tone-ok')
      }
    }
    await screenshot(page, 'overview-what-to-fix')
    expect(watch.errors).toEqual([])
  })

  it('has no serious accessibility violations (axe-core) on Overview and Settings', async () => {
    const page = await browser.newPage()
    await page.goto(server.url)
    await page.getByTestId('kernel-release').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await page.goto(`${server.origin}/#/settings`)
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    expect(await axeViolations(page)).toEqual([])
  })

  it('keeps the token out of the address bar after loading', async () => {
    const page = await browser.newPage()
    await page.goto(server.url)
    await page.getByTestId('kernel-release').waitFor()
    expect(page.url()).not.toContain('token=')
    expect(page.url()).not.toContain(server.token)
  })

  it('is usable from the keyboard: Tab reaches the sidebar links and Enter navigates', async () => {
    const page = await browser.newPage()
    await page.goto(server.url)
    await page.getByTestId('kernel-release').waitFor()
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab')
      const text = await page.evaluate(() => document.activeElement?.textContent ?? '')
      if (text.includes('Settings')) break
    }
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    expect(page.url()).toContain('#/settings')
  })

  it('answers garbage over the WebSocket with errors and stays up', async () => {
    const opened = await tryWebSocket(server.origin, { Origin: server.origin, Cookie: await sessionCookie(server) })
    if (typeof opened === 'string') throw new Error(`WebSocket refused: ${opened}`)
    const ws = opened
    const replies: unknown[] = []
    // Four messages, four replies: the test goes on once all of them are in.
    const allIn = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        replies.push(JSON.parse(d.toString()))
        if (replies.length >= 4) resolve()
      })
    )
    ws.send('not json')
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'no.such', input: {} }))
    ws.send(JSON.stringify({ t: 'call', id: 2, method: 'inspect.report', input: { root: 42 } }))
    ws.send(JSON.stringify({ t: 'call', id: 3, method: 'app.info', input: {} }))
    await allIn
    ws.close()
    expect(replies).toContainEqual({ t: 'error', message: 'malformed message ignored' })
    const byId = (id: number) => replies.find((r) => (r as { id?: number }).id === id) as { result: { ok: boolean; error?: { name: string } } }
    expect(byId(1).result.error?.name).toBe('ValidationError')
    expect(byId(2).result.error?.name).toBe('ValidationError')
    expect(byId(3).result.ok).toBe(true)
  })
})
