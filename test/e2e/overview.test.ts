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
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())))
    ws.send('not json')
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'no.such', input: {} }))
    ws.send(JSON.stringify({ t: 'call', id: 2, method: 'inspect.report', input: { root: 42 } }))
    ws.send(JSON.stringify({ t: 'call', id: 3, method: 'app.info', input: {} }))
    await new Promise((r) => setTimeout(r, 500))
    ws.close()
    expect(replies).toContainEqual({ t: 'error', message: 'malformed message ignored' })
    const byId = (id: number) => replies.find((r) => (r as { id?: number }).id === id) as { result: { ok: boolean; error?: { name: string } } }
    expect(byId(1).result.error?.name).toBe('ValidationError')
    expect(byId(2).result.error?.name).toBe('ValidationError')
    expect(byId(3).result.ok).toBe(true)
  })
})
