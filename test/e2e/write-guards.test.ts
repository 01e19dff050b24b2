// The Write view's "drive too small" guard in Chromium (browser mode, real udisksd, loop drives).
import os from 'node:os'
import path from 'node:path'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium } from '../support/chromium'
import { loopDelete, loopSetup, makeIso, sha256File, tmpDir, udisksSkipReason } from '../drives/support'

const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : !chromiumAvailable ? 'Debian chromium is not installed' : await udisksSkipReason()
const MiB = 1024 * 1024

describe.skipIf(!!why)(`Write view guards in Chromium${why ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let dir = ''
  let iso = ''
  let small = ''
  let big = ''

  beforeAll(async () => {
    dir = tmpDir('hsc-e2e-guards-')
    iso = makeIso(dir, 24)
    small = loopSetup(path.join(dir, 'small.img'), 8 * MiB)
    big = loopSetup(path.join(dir, 'big.img'), 64 * MiB)
    server = await startBrowserMode({ HSC_TEST_ALLOW_LOOP: '1', HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-guards-${process.pid}.json` })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    for (const d of [small, big]) if (d) loopDelete(d)
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('a drive smaller than the image cannot be chosen and says why next to it', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}#/write`)
    await page.getByRole('heading', { name: 'Write USB' }).waitFor()
    await page.getByLabel('Local image file').fill(iso)
    await page.getByLabel('Local image file').press('Enter')
    await page.getByTestId('chosen-image').waitFor()
    // A pasted SHA-256 is checked with the contract's rule (loaded with the view): a sentence, not a write.
    await page.getByLabel('Its SHA-256 (optional)').fill('abc123')
    await page.getByLabel('Its SHA-256 (optional)').press('Enter')
    await page.getByText('A SHA-256 is 64 hexadecimal digits (0-9, a-f).').waitFor()
    await page.getByLabel('Its SHA-256 (optional)').fill(sha256File(iso).toUpperCase())
    await page.getByLabel('Its SHA-256 (optional)').press('Enter')
    await expect.poll(() => page.getByText('A SHA-256 is 64 hexadecimal digits (0-9, a-f).').count()).toBe(0)

    const smallOption = page.getByTestId(`drive-${small}`).getByTestId('drive-option')
    const bigOption = page.getByTestId(`drive-${big}`).getByTestId('drive-option')
    await smallOption.waitFor()
    await bigOption.waitFor()
    expect(await smallOption.isDisabled()).toBe(true)
    expect(await page.getByTestId(`drive-${small}`).textContent()).toMatch(/too small for this image/i)
    expect(await page.getByTestId(`drive-${big}`).textContent()).not.toMatch(/too small/i)
    // The big one can be chosen; the small one stays out of the selection.
    expect(await bigOption.isDisabled()).toBe(false)
    await bigOption.check()
    expect(await page.getByTestId('write-button').isDisabled()).toBe(false)
    expect(await smallOption.isChecked()).toBe(false)
  })
})
