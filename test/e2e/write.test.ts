import os from 'node:os'
import path from 'node:path'
import { copyFileSync, rmSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { axeViolations } from '../support/axe'
import { formatBytes } from '../../src/shared/format'
import { cmpPrefix, loopDelete, loopSetup, makeIso, msUntilDigestKept, sha256File, tmpDir, udisksSkipReason } from '../drives/support'

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
    // The service's home is the temp dir, so the file chooser starts where the image is.
    server = await startBrowserMode({
      HSC_TEST_ALLOW_LOOP: '1',
      HOME: dir,
      HSC_DOWNLOAD_DIR: dir,
      HSC_CACHE_DIR: path.join(dir, 'cache'),
      HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-write-${process.pid}.json`
    })
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

  /** The Write button and the sentence next to it that says why it is disabled. */
  const reason = (page: Page) => page.getByTestId('write-reason').innerText()

  it('choose the image with Browse, pick the loop drive from its card, one forward-only bar, a verified result', async () => {
    const page = await open()
    const watch = watchPage(page)
    const write = page.getByTestId('write-button')
    // Nothing chosen: disabled, and the reason is written next to it (and tied to it for screen readers).
    expect(await write.isDisabled()).toBe(true)
    await expect.poll(() => reason(page)).toContain('Choose an image first (step 1).')
    expect(await write.getAttribute('aria-describedby')).toBe('write-why')

    // Image: Browse opens the chooser in the service's home; no path typed.
    await page.getByTestId('browse-local-path').click()
    const chooser = page.getByRole('dialog', { name: 'Local image file' })
    await chooser.getByTestId('chooser-file').filter({ hasText: 'test.iso' }).click()
    const card = page.getByTestId('chosen-image')
    await card.waitFor()
    const cardText = await card.innerText()
    expect(cardText).toContain('test.iso')
    expect(cardText).toContain('Not checked')
    expect(cardText).toContain('Local file')
    expect(cardText).toContain(formatBytes(statSync(iso).size))
    await expect.poll(() => reason(page)).toContain('The image is not verified: give its SHA-256 or tick the override in step 1.')
    await page.getByLabel('Its SHA-256 (optional)').fill(sha256File(iso))
    await page.getByLabel('Its SHA-256 (optional)').press('Enter')
    await expect.poll(() => card.innerText()).toMatch(/SHA-256 given/)
    await expect.poll(() => reason(page)).toBe('Choose at least one drive (step 2).')

    // Drive: a card with device, bus and what it holds, so identical models can be told apart.
    const driveCard = page.getByTestId(`drive-${dev}`)
    await driveCard.waitFor()
    const dtext = await driveCard.innerText()
    expect(dtext).toContain('Loop device')
    expect(dtext).toContain(dev)
    expect(dtext).toContain('loop (test)')
    expect(dtext).toContain('stick.img')
    await driveCard.getByTestId('drive-option').check()
    expect(await write.isDisabled()).toBe(false)
    expect(await reason(page)).toBe('Everything on the chosen drives will be erased; you confirm next.')
    await screenshot(page, 'write-ready')
    await write.click()

    // The confirmation names model, size and device, and nothing is written before the explicit act.
    const dialog = page.getByTestId('confirm-dialog')
    await dialog.waitFor()
    const text = (await dialog.textContent()) ?? ''
    expect(text).toContain(dev)
    expect(text).toContain('Loop device')
    expect(text).toContain('67.1 MB')
    expect(cmpPrefix(iso, dev, 64 * 1024).same).toBe(false)
    // The image's SHA-256 is kept (for the second write below) only once its last change is 2 s old.
    await new Promise((r) => setTimeout(r, msUntilDigestKept(iso)))

    // Record every percentage and phase the page shows: the write is fast, so watch the DOM.
    await page.evaluate(() => {
      const seen: Array<[string, number]> = []
      ;(window as unknown as { __seen: typeof seen }).__seen = seen
      new MutationObserver(() => {
        const pct = document.querySelector('[data-testid="job-percent"]')?.textContent
        const phase = document.querySelector('[data-testid="job-phase"]')?.textContent
        if (pct && phase) {
          const v = Number(pct.replace('%', ''))
          const last = seen.at(-1)
          if (!last || last[0] !== phase || last[1] !== v) seen.push([phase, v])
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    })
    await page.getByTestId('confirm-write').click()

    const result = page.getByTestId('write-result')
    await result.waitFor({ timeout: 60_000 })
    expect(await result.getAttribute('data-stage')).toBe('done')
    // Focus moves to the outcome, so keyboard and screen reader users land on it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('result-title')
    // A loop device cannot be ejected, so it is not called safe to remove; the note says why.
    expect(await page.getByRole('heading', { name: 'Written and verified' }).isVisible()).toBe(true)
    expect(await page.getByTestId('result-lead').innerText()).toBe('The image was written and read back: every byte matches.')
    const row = page.getByTestId(`result-${dev}`)
    expect(await row.getAttribute('data-verified')).toBe('true')
    expect(await row.innerText()).toContain('Loop devices cannot be ejected.')
    // Hashes are under Details, not in the way.
    const details = page.getByTestId('result-details')
    expect(await details.innerText()).not.toContain(sha256File(iso))
    await details.getByText('Details', { exact: true }).click()
    expect(await details.innerText()).toContain(`Read back from ${dev}\n${sha256File(iso)}`)
    // The write took the fingerprint of the bytes it wrote: the read-back hashed the drive only.
    expect(await page.getByTestId('verified-by-fingerprint').innerText()).toMatch(/^Read back and checked against the fingerprint of the image's bytes/)

    const seen = await page.evaluate(() => (window as unknown as { __seen: Array<[string, number]> }).__seen)
    const phases = [...new Set(seen.map(([p]) => p))]
    expect(phases).toContain('Writing…')
    expect(phases).toContain('Verifying…')
    expect(phases.indexOf('Writing…')).toBeLessThan(phases.indexOf('Verifying…'))
    // One bar over the whole job: it never goes back (no restart at 0 for verification).
    for (let i = 1; i < seen.length; i++) expect(seen[i][1], JSON.stringify(seen)).toBeGreaterThanOrEqual(seen[i - 1][1])
    const firstVerify = seen.find(([p]) => p === 'Verifying…')
    expect(firstVerify?.[1]).toBeGreaterThanOrEqual(50)
    expect(cmpPrefix(iso, dev, statSync(iso).size).same).toBe(true)
    await screenshot(page, 'write-result')

    // Write another: back to the steps; the drive card now says it holds the written ISO's filesystem.
    await page.getByTestId('write-another').click()
    await expect
      .poll(
        () =>
          page
            .getByTestId(`drive-${dev}`)
            .getByTestId('holds-data')
            .innerText()
            .catch(() => ''),
        { timeout: 15_000 }
      )
      .toMatch(/This drive holds data: “HSC_TEST” iso9660/)

    // The same image again: the first write kept its SHA-256, so this write reads it once, and
    // Details says where the hash came from.
    const option = page.getByTestId(`drive-${dev}`).getByTestId('drive-option')
    if (!(await option.isChecked())) await option.check()
    await write.click()
    await page.getByTestId('confirm-write').click()
    await result.waitFor({ timeout: 60_000 })
    expect(await result.getAttribute('data-stage')).toBe('done')
    await details.getByText('Details', { exact: true }).click()
    expect(await page.getByTestId('sha-taken-at').innerText()).toMatch(/^Taken .+, when the image was first verified or written; the file is unchanged since/)
    expect(cmpPrefix(iso, dev, statSync(iso).size).same).toBe(true)
    expect(watch.errors).toEqual([])
  })

  it('the verify box follows the Settings default until it is ticked or unticked for this write', async () => {
    const page = await open()
    const box = page.getByLabel('Verify by reading the drive back (recommended)')
    /** Saves the default from another window, as a user with two windows open would. */
    const saveDefault = async (on: boolean): Promise<void> => {
      const other = await browser.newPage()
      await other.goto(server.url)
      await other.goto(`${server.origin}/#/settings`)
      const setting = other.getByLabel('Read the drive back and verify it')
      await setting.waitFor()
      await expect.poll(() => other.getByRole('button', { name: 'Save' }).isEnabled(), { timeout: 15_000 }).toBe(true)
      await setting.setChecked(on)
      await other.getByRole('button', { name: 'Save' }).click()
      await other.getByText('Saved.', { exact: true }).waitFor()
      await other.close()
    }
    try {
      await expect.poll(() => box.isChecked()).toBe(true)
      // Untouched: it follows a new default.
      await saveDefault(false)
      await expect.poll(() => box.isChecked(), { timeout: 15_000 }).toBe(false)
      // Ticked for this write: a default saved meanwhile does not undo it.
      await box.check()
      await saveDefault(true)
      await saveDefault(false)
      // Nothing here shows that the last event arrived; the untouched case above showed it does within this.
      await page.waitForTimeout(2000)
      expect(await box.isChecked()).toBe(true)
    } finally {
      await saveDefault(true)
    }
  })

  it('typed paths: ~ works, a relative path gets a sentence, never an errno', async () => {
    const page = await open()
    const input = page.getByLabel('Local image file')
    await input.fill('test.iso')
    await input.press('Enter')
    const err = page.getByTestId('picker-error-local-path')
    await err.waitFor()
    expect(await err.innerText()).toContain('"test.iso" is not a full path')
    await input.fill('~/missing.iso')
    await input.press('Enter')
    await expect.poll(() => err.innerText()).toContain('"missing.iso" does not exist.')
    expect(await page.locator('main').innerText()).not.toMatch(/ENOENT/)
    await input.fill('~/test.iso')
    await input.press('Enter')
    await page.getByTestId('chosen-image').getByText('test.iso', { exact: true }).waitFor()
    expect(await err.count()).toBe(0)
  })

  it('an unverified image needs the explicit override', async () => {
    const page = await open()
    await page.getByLabel('Local image file').fill(iso)
    await page.getByLabel('Local image file').press('Enter')
    await page.getByTestId('chosen-image').getByText('Not checked', { exact: true }).waitFor()
    await page.locator(`[data-testid="drive-option"][data-device="${dev}"]`).check()
    const write = page.getByTestId('write-button')
    expect(await write.isDisabled()).toBe(true)
    expect(await reason(page)).toContain('The image is not verified')
    await page.getByTestId('allow-unverified').check()
    expect(await write.isDisabled()).toBe(false)
    await write.click()
    await page.getByTestId('confirm-dialog').waitFor()
    // Keyboard: Escape closes the dialog without writing.
    await page.keyboard.press('Escape')
    expect(await page.getByTestId('confirm-dialog').count()).toBe(0)
    await screenshot(page, 'write-choose')
  })

  it('a failed write keeps its "will not boot" notice after a reload, until the drive is dealt with', async () => {
    const page = await open()
    // A copy never hashed before (the first test's write kept the original's SHA-256, and a kept
    // digest that is not the expected hash is refused before the drive is touched).
    const copy = path.join(dir, 'copy.iso')
    copyFileSync(iso, copy)
    await page.getByLabel('Local image file').fill(copy)
    await page.getByLabel('Local image file').press('Enter')
    await page.getByTestId('chosen-image').waitFor()
    // A wrong (well-formed) SHA-256: the image read while writing will not match, so the write fails for real.
    await page.getByLabel('Its SHA-256 (optional)').fill('0'.repeat(64))
    await page.getByLabel('Its SHA-256 (optional)').press('Enter')
    await page.locator(`[data-testid="drive-option"][data-device="${dev}"]`).check()
    await page.getByTestId('write-button').click()
    await page.getByTestId('confirm-write').click()
    const result = page.getByTestId('write-result')
    await result.waitFor({ timeout: 60_000 })
    expect(await result.getAttribute('data-stage')).toBe('failed')
    expect(await page.getByRole('heading', { name: 'Write failed' }).isVisible()).toBe(true)
    expect(await page.getByTestId(`result-${dev}`).innerText()).toContain('This drive will not boot; restore it or write it again.')
    await screenshot(page, 'write-failed')

    await page.reload()
    await page.getByRole('heading', { name: 'Write USB' }).waitFor()
    const notice = page.getByTestId('unbootable-notice').filter({ hasText: dev })
    await notice.waitFor()
    expect(await notice.innerText()).toContain('the last write failed. This drive will not boot; restore it or write it again.')
    expect(await page.getByTestId(`drive-${dev}`).innerText()).toContain('it will not boot until it is written again or restored')
    await screenshot(page, 'write-unbootable-after-reload')
    await notice.getByRole('button', { name: /Dismiss/ }).click()
    expect(await page.getByTestId('unbootable-notice').filter({ hasText: dev }).count()).toBe(0)
  })

  it('has no serious accessibility violations (axe-core)', async () => {
    const page = await open()
    await page.locator(`[data-testid="drive-option"][data-device="${dev}"]`).waitFor()
    expect(await axeViolations(page)).toEqual([])
  })
})
