import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createServiceContext } from '../../src/main/services/create-context'
import { drivesServiceFor } from '../../src/main/services/drives/handlers'
import { reposOptionsFromContext } from '../../src/main/services/repos/handlers'
import { memoryBackend } from '../../src/main/services/settings/backend'
import { createSettingsService } from '../../src/main/services/settings/service'
import { NO_TEST_SWITCHES, testSwitchesFromEnv } from '../../src/main/services/test-switches'
import { PROJECT_ROOT } from '../support/paths'

const SWITCH_ENV = { HSC_TEST_ALLOW_LOOP: '1', HSC_REPOS_INSTALLROOT: '/srv/installroot', HSC_REPOS_RELEASEVER: '9', HSC_SPINS_STALL_MS: '300' }
const context = (opts: Partial<Parameters<typeof createServiceContext>[0]> = {}) =>
  createServiceContext({ transport: 'cli', settings: createSettingsService(memoryBackend()), ...opts })

describe('test switches are properties of the service context', () => {
  it('the entry points read them from an environment in one place', () => {
    expect(testSwitchesFromEnv(SWITCH_ENV)).toEqual({ allowLoopDevices: true, reposInstallroot: '/srv/installroot', reposReleasever: '9', spinsStallMs: 300 })
    expect(testSwitchesFromEnv({})).toEqual(NO_TEST_SWITCHES)
    // Only "1" turns loop devices on; a stall timeout that is not a positive number is ignored.
    expect(testSwitchesFromEnv({ HSC_TEST_ALLOW_LOOP: 'yes', HSC_SPINS_STALL_MS: '-5' })).toEqual(NO_TEST_SWITCHES)
    expect(testSwitchesFromEnv({ HSC_SPINS_STALL_MS: 'soon' })).toEqual(NO_TEST_SWITCHES)
  })

  it('a context whose environment has the variables but whose starter chose no switches has none', () => {
    const ctx = context({ env: { ...process.env, ...SWITCH_ENV } })
    expect(ctx.test).toEqual(NO_TEST_SWITCHES)
    expect(reposOptionsFromContext(ctx).installroot).toBeUndefined()
    expect(reposOptionsFromContext(ctx).releasever).toBeUndefined()
    expect(drivesServiceFor(ctx).allowLoop).toBe(false)
  })

  it('switches chosen by the starter reach the services', () => {
    const ctx = context({ env: {}, test: { allowLoopDevices: true, reposInstallroot: '/srv/installroot', reposReleasever: '10' } })
    expect(reposOptionsFromContext(ctx)).toMatchObject({ installroot: '/srv/installroot', releasever: '10' })
    expect(drivesServiceFor(ctx).allowLoop).toBe(true)
  })

  it('no service reads a test switch from the environment (only test-switches.ts names them)', () => {
    const dir = path.join(PROJECT_ROOT, 'src/main/services')
    const offenders: string[] = []
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.ts$/.test(entry.name)) continue
      const file = path.join(entry.parentPath, entry.name)
      if (file.endsWith('test-switches.ts')) continue
      if (/HSC_TEST_ALLOW_LOOP|HSC_REPOS_INSTALLROOT|HSC_REPOS_RELEASEVER|HSC_SPINS_STALL_MS/.test(readFileSync(file, 'utf8')))
        offenders.push(path.relative(PROJECT_ROOT, file))
    }
    expect(offenders).toEqual([])
  })
})
