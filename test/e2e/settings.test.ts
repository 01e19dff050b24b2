import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { axeViolations } from '../support/axe'
import { makeTestKey, type TestKey } from '../spins/support/gpg'

const hasGpg = spawnSync('gpg', ['--version']).status === 0
const skip = !rendererBuilt || !chromiumAvailable || !hasGpg
const why = !rendererBuilt ? 'run `npm run build` first' : !chromiumAvailable ? 'Debian chromium is not installed' : 'gpg is not installed'

describe.skipIf(skip)(`Settings view in Chromium${skip ? ` (skipped: ${why})` : ''}`, () => {
  let server: BrowserMode
  let browser: Browser
  let key: TestKey
  const settingsFile = path.join(os.tmpdir(), `hsc-e2e-settings-view-${process.pid}.json`)

  beforeAll(async () => {
    // A corrupted settings file: the app must start on defaults and say so.
    writeFileSync(settingsFile, '{"theme": "dark",')
    key = await makeTestKey('Settings E2E <settings@example.invalid>')
    server = await startBrowserMode({ HSC_SETTINGS_FILE: settingsFile })
    browser = await launchChromium()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await key?.dispose()
  })

  it('reports a corrupted settings file once, then saves valid changes and applies the theme', async () => {
    const page = await browser.newPage()
    const watch = watchPage(page)
    await page.goto(server.url.replace('/?', '/?') + '#/settings')
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor()
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/replaced by defaults/)

    await page.getByLabel('Download folder').fill('relative/dir')
    await page.getByText('Use a full path starting with /').waitFor()
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true)
    // Another window saves a change meanwhile: the fields not touched here follow it, the edit
    // in progress stays as typed (the stored settings arriving again never overwrite it).
    const other = await browser.newPage()
    await other.goto(server.url + '#/settings')
    await other.getByRole('heading', { name: 'Settings', exact: true }).waitFor()
    await other.getByLabel('Theme').selectOption('light')
    await other.getByRole('button', { name: 'Save' }).click()
    await other.getByText('Saved.', { exact: true }).waitFor()
    await other.close()
    // The change reaches this window as a settings.changed event (slow on a loaded CI machine).
    await expect.poll(() => page.getByLabel('Theme').inputValue(), { timeout: 15_000 }).toBe('light')
    expect(await page.getByLabel('Download folder').inputValue()).toBe('relative/dir')
    await page.getByText('Use a full path starting with /').waitFor()
    await page.getByLabel('Download folder').fill('/tmp/hsc-downloads')
    await page.getByLabel('Spin catalogue sources').fill('https://mirror.example/spins/\nftp://old.example/')
    await page.getByText('line 2: only http(s) URLs are supported').waitFor()
    // Plain http is allowed but flagged next to the field; the warning goes with the last http line.
    await page.getByLabel('Spin catalogue sources').fill('https://mirror.example/spins/\nhttp://plain.example/spins/')
    await expect
      .poll(() => page.getByTestId('http-sources-warning').textContent())
      .toMatch(/plain http:\/\/ \(http:\/\/plain\.example\/spins\/\): anyone on the network path/)
    await page.getByLabel('Spin catalogue sources').fill('https://mirror.example/spins/')
    expect(await page.getByTestId('http-sources-warning').count()).toBe(0)
    await page.getByLabel('Theme').selectOption('dark')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Saved.', { exact: true }).waitFor()
    const stored = JSON.parse(readFileSync(settingsFile, 'utf8'))
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    expect(stored).toMatchObject({ theme: 'dark', downloadDir: '/tmp/hsc-downloads', catalogueSources: ['https://mirror.example/spins/'] })
    await screenshot(page, 'settings-dark')
    expect(watch.errors).toEqual([])
  })

  it('imports a public key, lists it with its fingerprint, rejects garbage, and removes it', async () => {
    const page = await browser.newPage()
    await page.goto(server.url + '#/settings')
    await page.getByRole('heading', { name: 'Trusted signing keys' }).waitFor()
    await page.getByLabel('Import a public key (ASCII-armored)').fill('not a key')
    await page.getByRole('button', { name: 'Import key' }).click()
    await page.getByRole('alert').filter({ hasText: 'not an armored PGP public key' }).waitFor()

    await page.getByLabel('Import a public key (ASCII-armored)').fill(key.publicKey)
    await page.getByRole('button', { name: 'Import key' }).click()
    await page.getByText(/Trusted Settings E2E/).waitFor()
    const row = page.getByTestId('trusted-key').filter({ hasText: 'Settings E2E' })
    expect((await row.textContent())?.replace(/\s/g, '')).toContain(key.fingerprint)
    expect(await axeViolations(page)).toEqual([])

    await row.getByRole('button', { name: /Remove/ }).click()
    await expect.poll(() => page.getByTestId('trusted-key').filter({ hasText: 'Settings E2E' }).count()).toBe(0)
    expect(JSON.parse(readFileSync(settingsFile, 'utf8')).importedKeys).toEqual([])
  })
})
