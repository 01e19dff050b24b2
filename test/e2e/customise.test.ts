// The Write view's Customise step in Chromium (browser mode) against the real customise
// service: xorriso and mtools make the copy of a live ISO built in the test.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium } from '../support/chromium'
import { axeViolations } from '../support/axe'
import { buildLiveIso, isoFile, liveIsoSkipReason } from '../customise/support/live-iso'

const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : !chromiumAvailable ? 'Debian chromium is not installed' : liveIsoSkipReason()

describe.skipIf(!!why)(`Write view: Customise step in Chromium${why ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let work = ''
  let iso = ''
  let isoSha = ''
  let downloads = ''

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hsc-e2e-customise-'))
    iso = buildLiveIso(path.join(work, 'build')).iso
    isoSha = createHash('sha256').update(fs.readFileSync(iso)).digest('hex')
    downloads = path.join(work, 'Downloads')
    fs.mkdirSync(downloads)
    server = await startBrowserMode({
      HSC_DOWNLOAD_DIR: downloads,
      HSC_CACHE_DIR: path.join(work, 'cache'),
      HSC_SETTINGS_FILE: path.join(work, 'settings.json'),
      TMPDIR: work
    })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  it('says why it is disabled, then makes the copy and shows both hashes; the copy becomes the image to write', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}#/write`)
    await page.getByRole('heading', { name: 'Write USB' }).waitFor()
    const button = page.getByTestId('customise-button')
    const reason = page.getByTestId('customise-reason')
    expect(await button.isDisabled()).toBe(true)
    expect(await reason.textContent()).toMatch(/Choose an image in step 1 first/)
    expect(await axeViolations(page)).toEqual([])

    await page.getByLabel('Local image file').fill(iso)
    await page.getByLabel('Local image file').press('Enter')
    await page.getByTestId('chosen-image').waitFor()
    expect(await reason.textContent()).toMatch(/Only a verified image can be customised/)
    await page.getByLabel('Its SHA-256 (optional)').fill(isoSha)
    await page.getByLabel('Its SHA-256 (optional)').press('Enter')
    await page.waitForFunction(() => /Choose at least one option/.test(document.querySelector('[data-testid="customise-reason"]')?.textContent ?? ''))
    expect(await button.isDisabled()).toBe(true)

    // Keyboard only: tick persistence, type the fields.
    await page.getByTestId('persist-on').focus()
    await page.keyboard.press('Space')
    await page.getByLabel('Size').fill('1G')
    await page.getByLabel('Extra arguments for every boot entry, separated by spaces').fill('psi=1')
    await page.getByLabel('SSH public key').fill('ssh-ed25519 AAAA')
    expect(await reason.textContent()).toMatch(/An SSH key needs a user name/)
    await page.getByLabel('SSH public key').fill('')
    await page.getByLabel('User', { exact: true }).fill('root')
    await button.focus()
    await page.keyboard.press('Enter')
    // The service refuses it with a sentence; nothing was made.
    await page.getByTestId('customise-error').waitFor()
    expect(await page.getByTestId('customise-error').textContent()).toMatch(/"root" is a system account/)
    expect(fs.readdirSync(downloads)).toEqual([])

    await page.getByLabel('User', { exact: true }).fill('alice')
    await button.click()
    await page.getByTestId('customise-result').waitFor({ timeout: 60_000 })
    const [copy] = fs.readdirSync(downloads).filter((f) => f.endsWith('.iso'))
    const rec = JSON.parse(fs.readFileSync(path.join(downloads, `${copy}.customised.json`), 'utf8'))
    expect(await page.getByTestId('custom-sha').textContent()).toBe(rec.sha256)
    expect(await page.getByTestId('custom-source-sha').textContent()).toBe(isoSha)
    expect(rec.sha256).toBe(
      createHash('sha256')
        .update(fs.readFileSync(path.join(downloads, copy)))
        .digest('hex')
    )
    expect(await page.getByTestId('chosen-image').textContent()).toContain(copy)
    const ks = isoFile(path.join(downloads, copy), '/hyperscale-companion.ks', path.join(work, 'ks')).toString()
    expect(ks).toContain('user --name=alice')
    expect(await button.isDisabled()).toBe(true)
    expect(await reason.textContent()).toMatch(/already the customised copy/)
    expect(await axeViolations(page)).toEqual([])
  })
})
