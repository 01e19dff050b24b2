import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { fixtureRoot } from '../repos/helpers/fixture-root'
import { haveDnf } from '../repos/helpers/real-dnf'

const osRelease = (() => {
  try {
    return readFileSync('/etc/os-release', 'utf8')
  } catch {
    return ''
  }
})()
const isStream = /^ID="?centos"?$/m.test(osRelease) && /^VERSION_ID="?(8|9|10)"?$/m.test(osRelease)
const why = !rendererBuilt
  ? 'run `npm run build` first (npm test does)'
  : !chromiumAvailable
    ? 'Debian chromium is not installed'
    : isStream
      ? 'this machine is CentOS Stream, so the guard does not apply'
      : null

describe.skipIf(why !== null)(`Repositories on a system that is not CentOS Stream (the live machine)${why ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser

  beforeAll(async () => {
    server = await startBrowserMode({ HSC_SETTINGS_FILE: `${os.tmpdir()}/hsc-e2e-repos-guard-${process.pid}.json` })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('every action that would run dnf is off, with the same reason next to it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const watch = watchPage(page)
    await page.goto(`${server.url}#/repos`)
    await page.getByRole('heading', { name: 'Repositories', level: 1 }).waitFor()
    const banner = page.getByTestId('os-block')
    await banner.waitFor({ timeout: 30_000 })
    const reason = (await banner.innerText()).split(' Every action')[0]
    expect(reason).toMatch(/^Not available: .+ Hyperscale packages are built for CentOS Stream 8, 9 and 10 only\.$/)

    // Setup, Fix, install kernel: disabled, each with the reason right next to it.
    expect(await page.getByTestId('setup-plan').isDisabled()).toBe(true)
    expect(await page.getByTestId('setup-why').innerText()).toBe(reason)
    expect(await page.getByTestId('install-kernel').isDisabled()).toBe(true)
    const fixes = page.getByRole('button', { name: /^Fix/ })
    for (let i = 0; i < (await fixes.count()); i++) {
      expect(await fixes.nth(i).isDisabled()).toBe(true)
      const id = await fixes.nth(i).getAttribute('aria-describedby')
      expect(await page.locator(`#${id}`).innerText()).toBe(reason)
    }
    // Sync and Undo, once dnf has answered for the packages.
    await page.getByRole('button', { name: /Undo last transaction/ }).waitFor({ timeout: 60_000 })
    expect(await page.getByRole('button', { name: /Undo last transaction/ }).isDisabled()).toBe(true)
    expect(await page.getByTestId('pkg-why').innerText()).toBe(reason)
    expect(await page.getByTestId('undo-why').innerText()).toBe(reason)
    // Every repo switch is off too.
    const switches = page.getByRole('switch')
    for (let i = 0; i < (await switches.count()); i++) expect(await switches.nth(i).isDisabled()).toBe(true)
    // Nothing was planned: no plan card, no dnf output.
    expect(await page.getByTestId('plan-confirm').count()).toBe(0)
    await screenshot(page, 'repos-not-stream')
    expect(watch.errors).toEqual([])
  })
})

const whyEmpty = !rendererBuilt
  ? 'run `npm run build` first (npm test does)'
  : !chromiumAvailable
    ? 'Debian chromium is not installed'
    : !haveDnf
      ? 'needs dnf'
      : null

describe.skipIf(whyEmpty !== null)(`Undo on a CentOS Stream tree where dnf never ran${whyEmpty ? ` (skipped: ${whyEmpty})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let tmp: string
  let root: string

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-e2e-undo-'))
    root = fixtureRoot(tmp, 'centos-stream-9')
    server = await startBrowserMode({ HSC_SETTINGS_FILE: path.join(tmp, 'settings.json'), HSC_REPOS_INSTALLROOT: root })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('Undo is off with "nothing to undo" next to it, and asking dnf did not create a database in the tree', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const watch = watchPage(page)
    await page.goto(`${server.url}#/repos`)
    const undo = page.getByRole('button', { name: /Undo last transaction/ })
    await undo.waitFor({ timeout: 60_000 })
    await page.getByText('Nothing to undo: dnf has recorded no transaction on this system.').waitFor()
    expect(await undo.isDisabled()).toBe(true)
    expect(await undo.getAttribute('aria-describedby')).toBe('undo-why')
    expect(readdirSync(root).sort()).toEqual(['etc'])
    expect(watch.errors).toEqual([])
  })
})
