import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium } from '../support/chromium'

const skip = !rendererBuilt || !chromiumAvailable
const why = !rendererBuilt ? 'run `npm run build` first (npm test does)' : 'Debian chromium is not installed'

const VIEWS: Array<[string, string]> = [
  ['/', 'Overview'],
  ['/repos', 'Repositories'],
  ['/oomd', 'systemd-oomd'],
  ['/spins', 'Spins'],
  ['/write', 'Write USB'],
  ['/settings', 'Settings']
]

/** Every visible, enabled control a keyboard user must be able to reach. */
async function controls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const sel = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])'
    let n = 0
    const out: string[] = []
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(sel))) {
      const r = el.getBoundingClientRect()
      const style = getComputedStyle(el)
      const hidden = r.width === 0 || r.height === 0 || style.visibility === 'hidden' || el.closest('[hidden], [inert]') !== null
      if (hidden || (el as HTMLButtonElement).disabled || el.tabIndex < 0) continue
      if (el.closest('.xterm')) continue // xterm's own helper textarea: reached through the terminal itself
      el.dataset.kbd = String(n++)
      out.push(el.dataset.kbd)
    }
    return out
  })
}

describe.skipIf(skip)(`keyboard: every control reachable with Tab, focus visible${skip ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser

  beforeAll(async () => {
    server = await startBrowserMode({ HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-kbd-${process.pid}.json`, HSC_CACHE_DIR: os.tmpdir() })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  for (const [route, title] of VIEWS) {
    it(`${title}: Tab visits every control and each shows a focus outline`, async () => {
      const page = await browser.newPage()
      await page.goto(`${server.url}#${route}`)
      await page.getByRole('heading', { name: title, exact: true }).first().waitFor()
      await page.waitForTimeout(800) // let the view finish loading its data
      const all = await controls(page)
      expect(all.length).toBeGreaterThan(5)
      const seen = new Set<string>()
      const unfocusable: string[] = []
      await page.locator('body').click({ position: { x: 1, y: 1 } })
      for (let i = 0; i < all.length + 10 && seen.size < all.length; i++) {
        await page.keyboard.press('Tab')
        const info = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null
          if (!el) return null
          const s = getComputedStyle(el)
          return {
            id: el.dataset.kbd ?? null,
            tag: el.tagName,
            text: (el.textContent ?? '').trim().slice(0, 30),
            outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
            shadow: s.boxShadow !== 'none'
          }
        })
        if (!info?.id) continue
        seen.add(info.id)
        if (!info.outline && !info.shadow) unfocusable.push(`${info.tag} "${info.text}" has no visible focus`)
      }
      const missed = all.filter((id) => !seen.has(id))
      const missedInfo = await page.evaluate(
        (ids) =>
          ids.map((id) => {
            const el = document.querySelector<HTMLElement>(`[data-kbd="${id}"]`)
            return `${el?.tagName} "${(el?.textContent ?? el?.getAttribute('aria-label') ?? '').trim().slice(0, 30)}"`
          }),
        missed
      )
      expect(missedInfo).toEqual([])
      expect(unfocusable).toEqual([])
    })
  }
})
