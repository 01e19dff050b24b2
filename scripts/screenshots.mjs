#!/usr/bin/env node
/* global document */
// `npm run screenshots:appstream`: the AppStream screenshots (docs/screenshots/*.png), taken from the
// built app in browser mode with Debian's Chromium at the size the metainfo declares. They
// show the machine they are taken on.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.join(root, 'docs/screenshots')
const WIDTH = 1280
const HEIGHT = 800
// The sidebar link to follow and the view's heading.
const VIEWS = [
  { link: 'Overview', heading: 'Overview', file: 'overview.png' },
  { link: 'Repositories', heading: 'Repositories', file: 'repos.png' },
  { link: 'systemd-oomd', heading: 'systemd-oomd', file: 'oomd.png' }
]

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hsc-screenshots-'))
const server = spawn(process.execPath, [path.join(root, 'bin/hsc.cjs'), 'gui', '--browser', '--no-color'], {
  env: {
    ...process.env,
    HSC_SETTINGS_FILE: path.join(tmp, 'settings.json'),
    HSC_CACHE_DIR: path.join(tmp, 'cache'),
    HSC_DOWNLOAD_DIR: path.join(tmp, 'downloads')
  },
  stdio: ['ignore', 'pipe', 'inherit']
})
try {
  const url = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`browser mode did not start (run \`npm run build\` first): ${out}`)), 30_000)
    server.stdout.on('data', (d) => {
      out += d
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
    server.on('exit', (code) => reject(new Error(`browser mode exited with ${code}: ${out}`)))
  })
  const browser = await chromium.launch({
    executablePath: process.env.HSC_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } })
    await page.goto(url)
    mkdirSync(outDir, { recursive: true })
    for (const v of VIEWS) {
      await page.getByRole('link', { name: v.link }).click()
      await page.getByRole('heading', { level: 1, name: v.heading, exact: true }).waitFor({ timeout: 30_000 })
      // Views show "Reading…" or "…" until their first data has arrived.
      await page.waitForFunction(() => !/Reading…|^\s*…\s*$/m.test(document.body.innerText), null, { timeout: 120_000 })
      await page.screenshot({ path: path.join(outDir, v.file) })
      process.stdout.write(`${path.relative(root, path.join(outDir, v.file))}\n`)
    }
  } finally {
    await browser.close()
  }
} finally {
  server.kill('SIGTERM')
  rmSync(tmp, { recursive: true, force: true })
}
