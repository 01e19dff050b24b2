import { createServer, type Server } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { axeViolations } from '../support/axe'

const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : !chromiumAvailable ? 'Debian chromium is not installed' : null

describe.skipIf(why !== null)(`Spins when no mirror answers (browser mode, Chromium)${why ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let dead: Server
  let home = ''

  beforeAll(async () => {
    // A port that accepts and immediately closes: a mirror that is there but never answers HTTP.
    dead = createServer((s) => s.destroy())
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r))
    const port = (dead.address() as { port: number }).port
    home = mkdtempSync(path.join(os.tmpdir(), 'hsc-e2e-offline-'))
    const settings = path.join(home, 'settings.json')
    writeFileSync(settings, JSON.stringify({ catalogueSources: [`http://127.0.0.1:${port}/a/`, `http://127.0.0.1:${port}/b/`] }))
    server = await startBrowserMode({ HOME: home, HSC_SETTINGS_FILE: settings, HSC_CACHE_DIR: path.join(home, 'cache') })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    dead?.close()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  it('says it in one sentence with the next steps; what each mirror said is folded away', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const watch = watchPage(page)
    await page.goto(`${server.url}#/spins`)
    // The view reads the catalogue on opening: no click needed to find out.
    const box = page.getByTestId('spins-offline')
    await box.waitFor({ timeout: 60_000 })
    const text = await box.innerText()
    expect(text.split('\n')[0]).toBe('No mirror answered: you seem to be offline.')
    expect(text).toContain('Try again')
    expect(text).toContain('check the catalogue sources in Settings')
    expect(text).toContain('verify an image you already have')
    // Per-mirror details are there but folded: not in the visible text until opened.
    const details = page.getByTestId('offline-details')
    expect(await details.innerText()).toBe('What each mirror said (2)')
    await details.locator('summary').click()
    expect(await details.innerText()).toMatch(/127\.0\.0\.1/)
    expect(await box.getByRole('link', { name: 'Settings' }).getAttribute('href')).toBe('#/settings')
    expect(await axeViolations(page)).toEqual([])
    await screenshot(page, 'spins-offline')

    // The link to the local verification moves focus there.
    await box.getByRole('link', { name: 'verify an image you already have' }).click()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('verify-file')
    // Try again asks again and says so while it waits.
    await box.getByTestId('offline-retry').click()
    await expect.poll(() => page.getByTestId('spins-offline').innerText(), { timeout: 60_000 }).toContain('Try again')
    expect(watch.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([])
  })
})
