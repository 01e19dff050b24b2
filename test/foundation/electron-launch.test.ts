import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { _electron } from 'playwright-core'
import { PROJECT_ROOT } from '../support/paths'

const electronDir = path.join(PROJECT_ROOT, 'node_modules/electron')
const pathFile = path.join(electronDir, 'path.txt')
const binary = existsSync(pathFile) ? path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8')) : ''
const hasBinary = binary !== '' && existsSync(binary)
const built = existsSync(path.join(PROJECT_ROOT, 'out/main/index.js'))

describe('npm start', () => {
  it.skipIf(hasBinary)('without an Electron binary: one clear message pointing to browser mode and hsc, exit 1', () => {
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts/start-electron.mjs')], { encoding: 'utf8', timeout: 300_000 })
    expect(r.status).toBe(1)
    const lines = r.stderr.trim().split('\n')
    expect(lines[0]).toMatch(/^Hyperscale Companion: Electron cannot start: /)
    expect(r.stderr).toMatch(/npm run web/)
    expect(r.stderr).toMatch(/hsc --help/)
    expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  // Needs the real Electron binary, which cannot be downloaded on this network.
  it.skipIf(!hasBinary || !built)(`launches the app window (skipped: ${hasBinary ? 'not built' : 'Electron binary not downloaded'})`, async () => {
    const app = await _electron.launch({ executablePath: binary, args: [PROJECT_ROOT, '--no-sandbox'] })
    const win = await app.firstWindow()
    await win.getByRole('heading', { name: 'Overview' }).waitFor()
    const exposed = await win.evaluate(() => ({
      hsc: typeof (window as unknown as { hsc?: unknown }).hsc,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process
    }))
    expect(exposed).toEqual({ hsc: 'object', require: 'undefined', process: 'undefined' })
    await app.close()
  })
})
