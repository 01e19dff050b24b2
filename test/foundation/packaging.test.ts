// `npm run dist` needs Electron's release zips, which cannot be downloaded here, so the
// packaging config is checked against electron-builder's own schema and our requirements.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../support/paths'

const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- electron-builder's config, probed key by key below
  getConfig(dir: string, file: string, opts: null): Promise<Record<string, any>>
  validateConfiguration(c: unknown, log: unknown): Promise<void>
}
const { DebugLogger } = require('builder-util/out/DebugLogger.js') as { DebugLogger: new (on: boolean) => unknown }

describe('electron-builder configuration', async () => {
  const config = await getConfig(PROJECT_ROOT, path.join(PROJECT_ROOT, 'electron-builder.yml'), null)

  it('passes electron-builder schema validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('builds AppImage, RPM (needing udisks2, polkit, dbus) and tar.gz with a desktop entry and icons', () => {
    expect(config.linux.target).toEqual(['AppImage', 'rpm', 'tar.gz'])
    expect(config.rpm.depends).toEqual(expect.arrayContaining(['udisks2', 'polkit', 'dbus']))
    expect(config.linux.category).toBe('System')
    expect(config.linux.desktop.entry.Keywords).toMatch(/hyperscale/)
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      const icon = path.join(PROJECT_ROOT, config.linux.icon, `${size}x${size}.png`)
      expect(existsSync(icon), icon).toBe(true)
      const png = readFileSync(icon)
      expect(png.readUInt32BE(16)).toBe(size) // IHDR width
    }
  })

  it('flips the security fuses and ships the run-time data outside the asar', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false
    })
    expect(config.npmRebuild).toBe(true)
    expect(existsSync(path.join(PROJECT_ROOT, 'resources/spins/sources.json'))).toBe(true)
    expect(config.extraResources[0]).toMatchObject({ from: 'resources', to: 'resources' })
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/node-pty/**', 'node_modules/usocket/**']))
  })
})
