import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { axeViolations } from '../support/axe'

const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : !chromiumAvailable ? 'Debian chromium is not installed' : null

describe.skipIf(why !== null)(`choosing files without typing a path (Spins > Verify, browser mode, Chromium)${why ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let home = ''
  let sha = ''

  beforeAll(async () => {
    // A real home for the service process: the chooser must start in its Downloads.
    home = mkdtempSync(path.join(os.tmpdir(), 'hsc-e2e-files-'))
    const dl = path.join(home, 'Downloads')
    mkdirSync(path.join(dl, 'older'), { recursive: true })
    const data = Buffer.from(`a small image ${Date.now()}\n`.repeat(1000))
    sha = createHash('sha256').update(data).digest('hex')
    writeFileSync(path.join(dl, 'image.iso'), data)
    writeFileSync(path.join(dl, 'SHA256SUMS'), `${sha}  image.iso\n`)
    writeFileSync(path.join(dl, 'notes.txt'), 'not an image')
    symlinkSync('/etc', path.join(dl, 'etc-link'))
    server = await startBrowserMode({
      HOME: home,
      HSC_DOWNLOAD_DIR: dl,
      HSC_SETTINGS_FILE: path.join(home, 'settings.json'),
      HSC_CACHE_DIR: path.join(home, 'cache')
    })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  async function open(): Promise<{ page: Page; watch: { errors: string[] } }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const watch = watchPage(page)
    await page.goto(server.url)
    await page.goto(`${server.origin}/#/spins`)
    await page.getByRole('heading', { name: 'Verify a local file' }).waitFor()
    return { page, watch }
  }

  it('a typed relative or missing path gets a sentence, never a raw errno; ~ is the home folder', async () => {
    const { page } = await open()
    const input = page.getByLabel('Image file', { exact: true })
    const picker = page.getByTestId('picker-verify-file')
    // Disabled, and says why right next to it.
    expect(await page.getByTestId('verify-button').isDisabled()).toBe(true)
    expect(await page.getByTestId('verify-reason').textContent()).toBe('Choose the image file first.')

    await input.fill('Downloads/image.iso')
    await input.press('Enter')
    await page.getByTestId('picker-error-verify-file').waitFor()
    expect(await picker.innerText()).toContain('"Downloads/image.iso" is not a full path, so it is not clear which folder it is in.')
    expect(await picker.innerText()).toContain('choose the file with Browse')

    await input.fill('~/Downloads/missing.iso')
    await input.press('Enter')
    await expect.poll(() => picker.innerText()).toContain('"missing.iso" does not exist.')
    // The raw text is there for whoever wants it, folded under Details.
    expect(await picker.innerText()).not.toMatch(/ENOENT|no such file/i)
    await picker.getByText('Details', { exact: true }).click()
    await expect.poll(() => picker.innerText()).toMatch(/ENOENT/)
    await screenshot(page, 'files-typed-error')

    await input.fill('~/Downloads/image.iso')
    await input.press('Enter')
    await expect.poll(() => picker.innerText()).toContain('✓ image.iso')
    expect(await input.inputValue()).toBe(path.join(home, 'Downloads/image.iso'))
    expect(await page.getByTestId('picker-error-verify-file').count()).toBe(0)
    expect(await page.getByTestId('verify-button').isDisabled()).toBe(false)
  })

  it('Browse opens a chooser in Downloads; keyboard works, links out of the place are not shown', async () => {
    const { page, watch } = await open()
    const browse = page.getByTestId('browse-verify-file')
    await browse.click()
    const dialog = page.getByRole('dialog', { name: 'Image file' })
    await dialog.waitFor()
    await expect.poll(() => dialog.getByTestId('chooser-path').textContent()).toBe(path.join(home, 'Downloads'))
    // Focus moved into the dialog.
    expect(await page.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null)).toBe(true)
    // The listing renders after the path line: wait for it rather than read it mid-update.
    await expect.poll(() => dialog.locator('.entries .name').allTextContents()).toEqual(['older', 'image.iso'])
    // The link to /etc leads outside the places; notes.txt and SHA256SUMS are not images; all accounted for.
    const text = await dialog.innerText()
    expect(await dialog.getByTestId('chooser-left-out').innerText()).toBe(
      'Not shown: 2 files that are not disk images (.iso, .img, .raw). Left out: 1 hidden, unreadable or linked-elsewhere entry.'
    )
    expect(text).not.toContain('etc-link')
    // Places: Home and Downloads, each with its path visible (not only on hover).
    expect(await dialog.getByRole('navigation', { name: 'Places' }).innerText()).toContain(home)
    expect(await axeViolations(page)).toEqual([])
    await screenshot(page, 'files-chooser')

    // Escape closes it and gives focus back to Browse.
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
    expect(await browse.evaluate((el) => el === document.activeElement)).toBe(true)

    // Choosing by keyboard: open, Up to Home, back into Downloads, Enter on the image.
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    await dialog.getByRole('button', { name: '↑ Up' }).click()
    await expect.poll(() => dialog.getByTestId('chooser-path').textContent()).toBe(home)
    await dialog.getByTestId('chooser-dir').filter({ hasText: 'Downloads' }).click()
    await expect.poll(() => dialog.getByTestId('chooser-path').textContent()).toBe(path.join(home, 'Downloads'))
    await dialog.getByTestId('chooser-file').filter({ hasText: 'image.iso' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => dialog.count()).toBe(0)
    await expect.poll(() => page.getByTestId('picker-verify-file').innerText()).toContain('✓ image.iso')

    // A typed "~" checksum file path works like the pickers; a match is success (green), not a warning.
    await page.getByLabel('Checksum: a pasted SHA-256, a URL, or a file').fill('~/Downloads/SHA256SUMS')
    await page.getByTestId('verify-button').click()
    const result = page.getByTestId('verify-result')
    await result.waitFor()
    const badge = result.locator('[data-status]')
    expect(await badge.textContent()).toBe('Verified: matches an unsigned checksum file')
    expect(await badge.getAttribute('data-status')).toBe('ok')
    expect(await result.innerText()).toContain(sha)
    await screenshot(page, 'files-verified')
    expect(watch.errors).toEqual([])
  })

  it('the checksum chooser starts in the download folder and offers checksum files', async () => {
    const { page } = await open()
    await page.getByTestId('browse-verify-checksum-file').click()
    const dialog = page.getByRole('dialog', { name: 'Or choose the checksum file' })
    await dialog.waitFor()
    await expect.poll(() => dialog.locator('.entries .name').allTextContents()).toEqual(['older', 'SHA256SUMS'])
    // "Show all files" reveals the rest.
    await dialog.getByTestId('chooser-show-all').check()
    expect(await dialog.locator('.entries .name').allTextContents()).toEqual(['older', 'image.iso', 'notes.txt', 'SHA256SUMS'])
    await dialog.getByTestId('chooser-file').filter({ hasText: 'SHA256SUMS' }).click()
    await expect.poll(() => page.getByLabel('Checksum: a pasted SHA-256, a URL, or a file').inputValue()).toBe(path.join(home, 'Downloads/SHA256SUMS'))
  })
})
