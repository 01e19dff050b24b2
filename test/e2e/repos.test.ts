import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { runCommand } from '../../src/main/services/system/command'
import { axeViolations } from '../support/axe'
import { rendererBuilt, startBrowserMode, type BrowserMode } from '../support/browser-mode'
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../support/chromium'
import { haveDnf, isRoot, realRepolist } from '../repos/helpers/real-dnf'
import { buildWorld, type World } from '../repos/helpers/world'

const haveTools = haveDnf && (await runCommand(['rpmbuild', '--version'])).code === 0 && (await runCommand(['createrepo_c', '--version'])).code === 0
const skip = !rendererBuilt
  ? 'run `npm run build` first (npm test does)'
  : !chromiumAvailable
    ? 'Debian chromium is not installed'
    : !isRoot
      ? 'needs root: dnf --installroot writes an rpm database'
      : !haveTools
        ? 'needs dnf, rpmbuild and createrepo_c'
        : ''

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

/** The rows xterm has rendered (its DOM renderer draws the visible part of the buffer). */
const screenText = (page: Page) => page.locator('[data-testid=terminal-screen] .xterm-rows').innerText()

/** Types into the terminal panel, as a user answering dnf's [y/N]. */
async function answer(page: Page, key: string): Promise<void> {
  await page.locator('[data-testid=terminal-screen] .xterm').click()
  await page.keyboard.type(key)
  await page.keyboard.press('Enter')
}

/** Confirms the shown plan and waits until the terminal panel shows the new session. */
async function run(page: Page): Promise<void> {
  const panel = page.getByTestId('terminal-panel')
  const before = (await panel.count()) ? await panel.getAttribute('data-session') : null
  await page.getByTestId('plan-run').click()
  await page.waitForFunction((prev) => {
    const id = document.querySelector('[data-testid=terminal-panel]')?.getAttribute('data-session')
    return !!id && id !== prev
  }, before)
}

/** Waits for the current session to end; returns the panel's exit line. */
async function waitForExit(page: Page): Promise<string> {
  await page.waitForFunction(
    () => {
      const s = document.querySelector('[data-testid=terminal-panel]')?.getAttribute('data-status')
      return !!s && s !== 'running'
    },
    undefined,
    { timeout: 120_000 }
  )
  return (await page.getByTestId('terminal-exit').textContent()) ?? ''
}

describe.skipIf(!!skip)(`Repositories view in Chromium against a real dnf installroot${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: World
  let server: BrowserMode
  let browser: Browser
  let page: Page
  let watch: { errors: string[] }

  beforeAll(async () => {
    world = await buildWorld()
    // The test switch is read only by the main-process services, never by the renderer.
    server = await startBrowserMode({ HSC_SETTINGS_FILE: path.join(world.tmp, 'settings.json'), HSC_REPOS_INSTALLROOT: world.root })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    watch = watchPage(page)
    await page.goto(`${server.url}#/repos`)
    await page.getByRole('heading', { name: 'Repositories', level: 1 }).waitFor()
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await world?.close()
  })

  it('shows the prerequisites of the installroot with one-click fixes', async () => {
    const crb = page.locator('[data-prerequisite=crb]')
    await crb.getByText('Missing').waitFor()
    await expect(crb.getByRole('button', { name: /Fix/ }).isEnabled()).resolves.toBe(true)
    await expect(page.locator('[data-prerequisite=stream]').getByText('OK').count()).resolves.toBe(1)
  })

  it("setup shows the exact commands first, then dnf's real output in the terminal; the view refreshes", async () => {
    await page.getByRole('checkbox', { name: /Experimental/ }).check()
    await page.getByTestId('setup-plan').click()
    // dnf takes seconds to plan: the page says so at once, where the button is.
    const setupCard = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'Set up Hyperscale' }) })
    await setupCard.getByTestId('plan-preparing').waitFor()
    expect(await page.getByTestId('setup-plan').isDisabled()).toBe(true)
    expect(await page.getByTestId('setup-why').innerText()).toBe('Preparing the commands…')
    // The plan card appears in the section that asked for it, not at the top of the page.
    await setupCard.getByTestId('plan-confirm').waitFor()
    const commands = await page.getByTestId('plan-command').allTextContents()
    expect(commands).toHaveLength(2)
    expect(commands[0]).toMatch(/^dnf --installroot=\S+ --releasever=9 --setopt=reposdir=\S+ config-manager --set-enabled crb$/)
    expect(commands[1]).toMatch(/install -y epel-release centos-release-hyperscale centos-release-hyperscale-experimental$/)
    expect((await realRepolist(world.root)).has('centos-hyperscale')).toBe(false) // nothing ran yet

    await run(page)
    expect(await waitForExit(page)).toMatch(/Finished successfully/)
    const text = await screenText(page)
    expect(text).toContain('Complete!')
    expect(text).toContain('[completed]')
    await page.locator('[data-hs-repo=centos-hyperscale-experimental]').waitFor()
    await page.locator('[data-prerequisite=crb]').getByText('OK').waitFor()
    expect((await realRepolist(world.root)).get('centos-hyperscale-experimental')).toBe(true)
  })

  it('toggling a repo changes the real file, and the terminal shows the dnf command that did it', async () => {
    const file = path.join(world.root, 'etc/yum.repos.d/CentOS-Stream-Hyperscale-Experimental.repo')
    const before = sha(file)
    const toggle = page.getByRole('switch', { name: 'centos-hyperscale-experimental enabled' })
    await expect(toggle.getAttribute('aria-checked')).resolves.toBe('true')
    await toggle.click()
    await page.getByTestId('plan-confirm').waitFor()
    const cmd = await page.getByTestId('plan-command').textContent()
    expect(cmd).toMatch(/config-manager --set-disabled centos-hyperscale-experimental$/)
    expect(sha(file)).toBe(before) // shown, not yet run
    await run(page)
    expect(await waitForExit(page)).toMatch(/Finished successfully/)
    // the command line wraps across terminal rows; join them back
    expect((await screenText(page)).replace(/\n/g, '')).toMatch(/\$ \/\S*dnf --installroot=\S+ .*config-manager --set-disabled centos-hyperscale-experimental/)
    expect(sha(file)).not.toBe(before)
    expect((await realRepolist(world.root)).get('centos-hyperscale-experimental')).toBe(false)
    await page.waitForFunction(
      () => document.querySelector('[role=switch][data-repo="centos-hyperscale-experimental"]')?.getAttribute('aria-checked') === 'false'
    )
    await screenshot(page, 'repos')
  })

  it('answers dnf in the terminal panel: switching to the Hyperscale build, then undoing it', async () => {
    await page.getByRole('button', { name: /Switch to Hyperscale builds \(1\)/ }).waitFor()
    await page.getByRole('button', { name: /Switch to Hyperscale builds/ }).click()
    await page.getByTestId('plan-confirm').waitFor()
    expect(await page.getByTestId('plan-command').textContent()).toMatch(/distro-sync --allowerasing hsdemo$/)
    await run(page)
    await page.waitForFunction(() => /Is this ok/.test(document.querySelector('[data-testid=terminal-screen] .xterm-rows')?.textContent ?? ''), undefined, {
      timeout: 120_000
    })
    await answer(page, 'y')
    expect(await waitForExit(page)).toMatch(/Finished successfully/)
    expect((await runCommand(['rpm', '--root', world.root, '-q', 'hsdemo'])).stdout.trim()).toBe('hsdemo-1.1-1.hs.el9.noarch')
    await page.getByRole('table', { name: 'Installed Hyperscale builds' }).getByText('centos-hyperscale').waitFor()

    expect(await page.getByTestId('undo-why').innerText()).toMatch(/^Would undo #\d+ \(.*distro-sync --allowerasing hsdemo/)
    await page.getByRole('button', { name: /Undo last transaction/ }).click()
    await page.getByTestId('plan-confirm').waitFor()
    expect(await page.getByTestId('plan-command').textContent()).toMatch(/history undo last$/)
    await run(page)
    await page.waitForFunction(() => /Is this ok/.test(document.querySelector('[data-testid=terminal-screen] .xterm-rows')?.textContent ?? ''), undefined, {
      timeout: 120_000
    })
    await answer(page, 'y')
    expect(await waitForExit(page)).toMatch(/Finished successfully/)
    expect((await runCommand(['rpm', '--root', world.root, '-q', 'hsdemo'])).stdout.trim()).toBe('hsdemo-1.0-1.el9.noarch')
    await page.getByText('No installed package is a Hyperscale build.').waitFor()
    await page.evaluate(() => document.querySelector('#kernel-title')?.scrollIntoView())
    await screenshot(page, 'repos-packages-kernel')
  })

  it('after a reload, a command still waiting for an answer is shown again and can be answered', async () => {
    const prompt = () =>
      page.waitForFunction(() => /Is this ok/.test(document.querySelector('[data-testid=terminal-screen] .xterm-rows')?.textContent ?? ''), undefined, {
        timeout: 120_000
      })
    await page.getByRole('button', { name: /Switch to Hyperscale builds \(1\)/ }).click()
    await page.getByTestId('plan-confirm').waitFor()
    await run(page)
    await prompt()
    const session = await page.getByTestId('terminal-panel').getAttribute('data-session')
    await page.reload()
    await page.getByRole('heading', { name: 'Repositories', level: 1 }).waitFor()
    await page.locator(`[data-testid=terminal-panel][data-session="${session}"][data-status=running]`).waitFor()
    await prompt()
    await answer(page, 'n')
    expect(await waitForExit(page)).toMatch(/exited with code 1/)
    expect((await runCommand(['rpm', '--root', world.root, '-q', 'hsdemo'])).stdout.trim()).toBe('hsdemo-1.0-1.el9.noarch')
  })

  it('has no serious accessibility violations and ran without console errors', async () => {
    expect(await axeViolations(page)).toEqual([])
    expect(watch.errors).toEqual([])
  })
})
