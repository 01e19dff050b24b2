import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, watchPage } from '../support/chromium'
import { formatBytes } from '../../src/shared/format'
import { flipBits, loopDelete, loopSetup, makeIso, sha256File, tmpDir, udisksSkipReason } from '../drives/support'

const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : !chromiumAvailable ? 'Debian chromium is not installed' : await udisksSkipReason()
const MiB = 1024 * 1024

describe.skipIf(!!why)(
  `Write view: compressed images, verify and back up a stick (Chromium, browser mode, real udisksd)${why ? ` (skipped: ${why})` : ''}`,
  () => {
    let server: BrowserMode
    let browser: Browser
    let dir = ''
    let iso = ''
    let xz = ''
    let dev = ''
    let backing = ''

    beforeAll(async () => {
      dir = tmpDir('hsc-e2e-tools-')
      iso = makeIso(dir, 6)
      xz = `${iso}.xz`
      execFileSync('xz', ['-k', '-0', '-T1', iso])
      backing = path.join(dir, 'stick.img')
      dev = loopSetup(backing, 16 * MiB)
      execFileSync('dd', [`if=${iso}`, `of=${dev}`, 'bs=1M', 'oflag=direct', 'conv=fsync', 'status=none'])
      server = await startBrowserMode({
        HSC_TEST_ALLOW_LOOP: '1',
        HOME: dir,
        HSC_DOWNLOAD_DIR: dir,
        HSC_CACHE_DIR: path.join(dir, 'cache'),
        HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-tools-${process.pid}.json`
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

    it('an .iso.xz is offered by the chooser and shows its decompressed and compressed sizes; verify (keyboard) says the stick matches, then names a flipped byte', async () => {
      const page = await open()
      const watch = watchPage(page)
      const tools = page.getByTestId('stick-tools')
      await tools.waitFor()
      // No image yet: the verify button is disabled and says why, next to it.
      const verifyBtn = tools.getByTestId('verify-stick')
      await page.locator(`[data-testid="tools-drive"] option`, { hasText: dev }).first().waitFor({ state: 'attached' })
      await tools.getByTestId('tools-drive').selectOption({ label: (await tools.locator('option', { hasText: dev }).first().innerText()).trim() })
      expect(await verifyBtn.isDisabled()).toBe(true)
      expect(await tools.getByTestId('verify-stick-reason').innerText()).toBe('Choose the image to compare with in step 1 above.')
      expect(await verifyBtn.getAttribute('aria-describedby')).toBe('verify-stick-why')

      await page.getByTestId('browse-local-path').click()
      const chooser = page.getByRole('dialog', { name: 'Local image file' })
      await chooser.getByTestId('chooser-file').filter({ hasText: 'test.iso.xz' }).click()
      const sizeText = page.getByTestId('image-size')
      await expect.poll(() => sizeText.innerText()).toContain('xz-compressed file')
      expect(await sizeText.innerText()).toContain(formatBytes(statSync(iso).size))
      expect(await sizeText.innerText()).toContain(formatBytes(statSync(xz).size))

      expect(await verifyBtn.isDisabled()).toBe(false)
      await verifyBtn.focus()
      await page.keyboard.press('Enter')
      const job = page.getByTestId('read-job')
      await expect.poll(() => job.getAttribute('data-stage'), { timeout: 60_000 }).toBe('done')
      expect(await page.getByTestId('read-message').innerText()).toMatch(/holds exactly the image/)
      await job.getByRole('button', { name: 'Close' }).click()

      const at = 2 * MiB + 99
      flipBits(backing, at, 1)
      await verifyBtn.click()
      await expect.poll(() => job.getAttribute('data-stage'), { timeout: 60_000 }).toBe('failed')
      expect(await page.getByTestId('read-message').innerText()).toContain(`differs from the image at byte ${at}`)
      expect(watch.errors).toEqual([])
      await page.close()
    })

    it('back up a stick into the download folder with zstd; an existing file is refused with a sentence until Replace is ticked', async () => {
      const page = await open()
      const tools = page.getByTestId('stick-tools')
      await page.locator(`[data-testid="tools-drive"] option`, { hasText: dev }).first().waitFor({ state: 'attached' })
      await tools.getByTestId('tools-drive').selectOption({ label: (await tools.locator('option', { hasText: dev }).first().innerText()).trim() })
      const file = tools.getByTestId('backup-file')
      await file.fill(path.join(dir, 'mine.img'))
      await tools.getByTestId('backup-zstd').check()
      expect(await file.inputValue()).toBe(path.join(dir, 'mine.img.zst'))
      await tools.getByTestId('backup-stick').click()
      const job = page.getByTestId('read-job')
      await expect.poll(() => job.getAttribute('data-stage'), { timeout: 60_000 }).toBe('done')
      const out = path.join(dir, 'mine.img.zst')
      expect(existsSync(out)).toBe(true)
      const plain = execFileSync('zstd', ['-dc', out], { maxBuffer: 64 * MiB })
      expect(plain.length).toBe(statSync(iso).size)
      expect(await page.getByTestId('backup-sha').innerText()).toMatch(/^[0-9a-f]{64}$/)
      await job.getByRole('button', { name: 'Close' }).click()

      await tools.getByTestId('backup-stick').click()
      await expect.poll(() => page.getByTestId('read-error').innerText()).toMatch(/already exists; nothing was read/)
      const before = sha256File(out)
      await tools.getByTestId('backup-overwrite').check()
      await tools.getByTestId('backup-stick').click()
      await expect.poll(() => job.getAttribute('data-stage'), { timeout: 60_000 }).toBe('done')
      expect(sha256File(out)).toBe(before)
      await page.close()
    })
  }
)
