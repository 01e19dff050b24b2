import os from 'node:os'
import path from 'node:path'
import { rmSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { axeViolations } from '../support/axe'
import { cmpPrefix, loopDelete, loopSetup, makeIso, sha256File, tmpDir, udisksSkipReason } from '../drives/support'

const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : !chromiumAvailable ? 'Debian chromium is not installed' : await udisksSkipReason()
const MiB = 1024 * 1024

describe.skipIf(!!why)(`Write USB view in Chromium (browser mode, real udisksd, loop drive)${why ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let dir = ''
  let iso = ''
  let dev = ''

  beforeAll(async () => {
    dir = tmpDir('hsc-e2e-write-')
    iso = makeIso(dir, 24)
    dev = loopSetup(path.join(dir, 'stick.img'), 64 * MiB)
    // The test switch is set in the service process only; the page cannot turn it on.
    server = await startBrowserMode({ HSC_TEST_ALLOW_LOOP: '1', HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-write-${process.pid}.json` })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (dev) loopDelete(dev)
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function open(): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(server.url)
    await page.goto(`${server.origin}/#/write`)
    await page.getByRole('heading', { name: 'Write USB' }).waitFor()
    return page
  }

  it('select image, select the loop drive, confirm naming it, see progress, get a verified result', async () => {
    const page = await open()
    const watch = watchPage(page)
    // Image: a local file with its SHA-256.
    await page.getByLabel('Local image file').fill(iso)
    await page.getByLabel('Its SHA-256 (optional)').fill(sha256File(iso))
    await page.getByTestId('use-local').click()
    await page.getByTestId('chosen-image').getByText('test.iso').waitFor()
    expect(await page.getByTestId('chosen-image').textContent()).toMatch(/SHA-256 given/)

    // Drive: the loop device appears in the live list (test switch on).
    const option = page.locator(`[data-testid="drive-option"][data-device="${dev}"]`)
    await option.waitFor()
    const write = page.getByTestId('write-button')
    expect(await write.isDisabled()).toBe(true)
    await option.check()
    expect(await write.isDisabled()).toBe(false)
    await write.click()

    // The confirmation names model, size and device, and nothing is written before the explicit act.
    const dialog = page.getByTestId('confirm-dialog')
    await dialog.waitFor()
    const text = (await dialog.textContent()) ?? ''
    expect(text).toContain(dev)
    expect(text).toContain('Loop device')
    expect(text).toContain('67.1 MB')
    expect(cmpPrefix(iso, dev, 64 * 1024).same).toBe(false)

    // Record every stage the page shows for the drive: the write is fast, so watch the DOM.
    await page.evaluate((device) => {
      const seen: string[] = []
      ;(window as unknown as { __stages: string[] }).__stages = seen
      new MutationObserver(() => {
        const el = document.querySelector(`[data-testid="target-${device}"]`)
        const stage = el?.getAttribute('data-stage')
        const pct = el?.querySelector('progress')?.getAttribute('value')
        if (stage && seen.at(-1) !== `${stage}:${pct ?? ''}`) seen.push(`${stage}:${pct ?? ''}`)
      }).observe(document.body, { subtree: true, childList: true, attributes: true })
    }, dev)
    await page.getByTestId('confirm-write').click()

    const result = page.getByTestId('write-result')
    await result.waitFor({ timeout: 60_000 })
    expect(await result.getAttribute('data-stage')).toBe('done')
    expect(await page.getByRole('heading', { name: 'Written and verified' }).isVisible()).toBe(true)
    const row = page.getByTestId(`result-${dev}`)
    expect(await row.getAttribute('data-verified')).toBe('true')
    expect(await row.textContent()).toContain(`Read back SHA-256 ${sha256File(iso)}`)
    const stages = await page.evaluate(() => (window as unknown as { __stages: string[] }).__stages)
    // Progress was shown while it ran: the write stage with a percentage, then verify.
    expect(stages.some((s) => s.startsWith('write:'))).toBe(true)
    expect(stages.some((s) => s.startsWith('verify:'))).toBe(true)
    expect(cmpPrefix(iso, dev, statSync(iso).size).same).toBe(true)
    await screenshot(page, 'write-result')
    expect(watch.errors).toEqual([])
  })

  it('an unverified image needs the explicit override', async () => {
    const page = await open()
    await page.getByLabel('Local image file').fill(iso)
    await page.getByTestId('use-local').click()
    await page.getByTestId('chosen-image').getByText('Not checked', { exact: true }).waitFor()
    await page.locator(`[data-testid="drive-option"][data-device="${dev}"]`).check()
    const write = page.getByTestId('write-button')
    expect(await write.isDisabled()).toBe(true)
    await page.getByTestId('allow-unverified').check()
    expect(await write.isDisabled()).toBe(false)
    await write.click()
    await page.getByTestId('confirm-dialog').waitFor()
    // Keyboard: Escape closes the dialog without writing.
    await page.keyboard.press('Escape')
    expect(await page.getByTestId('confirm-dialog').count()).toBe(0)
    await screenshot(page, 'write-choose')
  })

  it('has no serious accessibility violations (axe-core)', async () => {
    const page = await open()
    await page.locator(`[data-testid="drive-option"][data-device="${dev}"]`).waitFor()
    expect(await axeViolations(page)).toEqual([])
  })
})
