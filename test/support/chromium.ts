import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PROJECT_ROOT } from './paths'
import { CHROMIUM, CHROMIUM_ARGS } from '../../scripts/lib/chromium.mjs'

export { CHROMIUM }
export const chromiumAvailable = existsSync(CHROMIUM)

/** Debian's Chromium, headless, with the flags this closed network needs. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] })
}

/** Screenshots go to test-results/, or to $HSC_SCREENSHOT_DIR (`npm run screenshots` uses screenshots/). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.resolve(PROJECT_ROOT, process.env.HSC_SCREENSHOT_DIR || 'test-results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Collects console errors and failed requests so a test can assert the page ran clean. */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  return { errors }
}
