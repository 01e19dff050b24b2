import { readFile, stat, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { axeViolations } from '../support/axe'
import { mirrorUnavailable, setupMirrorEnv, type MirrorEnv } from '../spins/support/env'

const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : !chromiumAvailable ? 'Debian chromium is not installed' : mirrorUnavailable()

describe.skipIf(why !== null)(`Spins view in Chromium against a real nginx mirror${why ? ` (skipped: ${why})` : ''}`, () => {
  let env: MirrorEnv
  let server: BrowserMode
  let browser: Browser
  let downloadDir: string
  const dir = 'hs/9/x86_64/20240301.1'
  const iso = (v: string) => env.mirror.isos[`${dir}/CentOS-Stream-Hyperscale-9-20240301.1-x86_64-Live-${v}.iso`]

  beforeAll(async () => {
    // 1 MiB/s for 4 MiB images: a few seconds of visible progress.
    env = await setupMirrorEnv({ mib: 4, slowRate: '1m' })
    downloadDir = path.join(env.work, 'downloads')
    const settingsFile = path.join(env.work, 'settings.json')
    await writeFile(settingsFile, JSON.stringify({ catalogueSources: [`${env.nginx.url}/slow/${dir}/`], importedKeys: [env.key.publicKey], downloadDir }))
    server = await startBrowserMode({ HSC_SETTINGS_FILE: settingsFile, HSC_CACHE_DIR: path.join(env.work, 'cache') })
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await env?.dispose()
  })

  async function open(): Promise<{ page: Page; watch: { errors: string[] } }> {
    const page = await browser.newPage()
    const watch = watchPage(page)
    await page.goto(server.url)
    await page.goto(`${server.origin}/#/spins`)
    await page.getByRole('heading', { name: 'Spins', exact: true }).waitFor()
    return { page, watch }
  }

  const card = (page: Page, id: string) => page.locator(`[data-testid="spin-card"][data-spin="${id}"]`)

  it('refreshes the catalogue, downloads with visible progress and shows the verified badge', async () => {
    const { page, watch } = await open()
    // No cached catalogue yet: the view reads the mirrors as soon as it opens, no click needed.
    await card(page, '9-x86_64-kde').waitFor()
    expect(await page.getByTestId('spin-card').count()).toBe(2)
    await expect.poll(() => card(page, '9-x86_64-kde').textContent()).toMatch(/signed checksum file/)
    await expect.poll(() => page.getByTestId('catalogue-age').textContent()).toMatch(/updated just now/)

    await card(page, '9-x86_64-kde').getByTestId('download').click()
    const row = page.getByTestId('download-row').first()
    // Progress is visible while the rate-limited transfer runs: strictly between 0 and 100.
    await expect
      .poll(
        async () =>
          Number(
            await row
              .getByTestId('progress')
              .getAttribute('value')
              .catch(() => '0')
          ),
        { timeout: 15_000, interval: 100 }
      )
      .toBeGreaterThan(5)
    const mid = Number(await row.getByTestId('progress').getAttribute('value'))
    expect(mid).toBeLessThan(100)
    await row.getByTestId('speed').waitFor()
    await expect.poll(() => row.getByTestId('speed').textContent()).toMatch(/(KiB|MiB)\/s/)
    await screenshot(page, 'spins-downloading')

    const badge = card(page, '9-x86_64-kde').getByTestId('verification-badge')
    await badge.waitFor({ timeout: 30_000 })
    expect(await badge.textContent()).toBe('Verified: signed by a trusted key')
    expect(await row.getByTestId('download-verification').getAttribute('data-status')).toBe('ok')
    const target = path.join(downloadDir, iso('KDE').name)
    expect(await row.getByTestId('write-usb').getAttribute('href')).toBe(`#/write?image=${encodeURIComponent(target)}`)
    // The file on disk is the image nginx served.
    expect(
      createHash('sha256')
        .update(await readFile(target))
        .digest('hex')
    ).toBe(iso('KDE').sha256)
    await screenshot(page, 'spins-verified')
    // "Write to USB" hands the verified image to the writer view, already chosen.
    await row.getByTestId('write-usb').click()
    await page.getByTestId('chosen-image').waitFor()
    expect(await page.getByTestId('chosen-image').textContent()).toContain(iso('KDE').name)
    expect(await page.getByTestId('chosen-image').textContent()).toMatch(/signed/i)
    expect(watch.errors).toEqual([])
  }, 90_000)

  it('pause keeps the partial file and resume finishes it', async () => {
    const { page, watch } = await open()
    await card(page, '9-x86_64-gnome').waitFor()
    await card(page, '9-x86_64-gnome').getByTestId('download').click()
    const row = page.locator('[data-testid="download-row"]', { hasText: iso('GNOME').name })
    await expect
      .poll(
        async () =>
          Number(
            await row
              .getByTestId('progress')
              .getAttribute('value')
              .catch(() => '0')
          ),
        { timeout: 15_000 }
      )
      .toBeGreaterThan(10)
    await row.getByTestId('pause').click()
    await expect.poll(() => row.getAttribute('data-status')).toBe('paused')
    const part = path.join(downloadDir, `${iso('GNOME').name}.part`)
    const kept = (await stat(part)).size
    expect(kept).toBeGreaterThan(0)
    expect(kept).toBeLessThan(iso('GNOME').size)
    await row.getByTestId('resume').click()
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('done')
    expect(await card(page, '9-x86_64-gnome').getByTestId('verification-badge').textContent()).toBe('Verified: signed by a trusted key')
    expect(watch.errors).toEqual([])
  }, 90_000)

  it('verifies a local file: a flipped byte shows a hash mismatch', async () => {
    const { page } = await open()
    const file = page.getByLabel('Image file', { exact: true })
    await file.fill(path.join(env.mirror.root, 'corrupt', iso('KDE').name))
    await file.press('Enter')
    await expect.poll(() => page.getByTestId('picker-verify-file').innerText()).toContain(`✓ ${iso('KDE').name}`)
    await page.getByLabel('Checksum: a pasted SHA-256, a URL, or a file').fill(`${env.nginx.url}/corrupt/CHECKSUM`)
    await page.getByRole('button', { name: 'Verify', exact: true }).click()
    const result = page.getByTestId('verify-result')
    await result.waitFor()
    expect(await result.textContent()).toMatch(/Not verified: HASH MISMATCH.*HASH MISMATCH/)
  })

  it('has no serious accessibility violations (axe-core)', async () => {
    const { page } = await open()
    await card(page, '9-x86_64-kde').waitFor()
    expect(await axeViolations(page)).toEqual([])
  })
})
