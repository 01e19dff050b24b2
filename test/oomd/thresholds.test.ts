import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/shared/contract/errors'
import { OOMD_THRESHOLDS_FILE } from '../../src/shared/contract/oomd'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { canonicalThreshold, resetThresholds, setThresholds, type PrivilegedFiles } from '../../src/main/services/oomd/thresholds'
import { directFiles } from './direct-files'
import { readOomdConfig } from '../../src/main/services/oomd/oomd-config'
import { fixture, makeTree } from './tree'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.()
})

const VENDOR = '/usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf'

function setup() {
  const t = makeTree({ '/etc/systemd/oomd.conf': fixture('oomd.conf'), [VENDOR]: fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf') })
  cleanups.push(t.cleanup)
  const fs = createRootFs(t.root)
  const real = directFiles(fs)
  const calls: string[] = []
  // Records calls and passes them to the real file writer under the tmp root.
  const files: PrivilegedFiles = {
    writeConfigFile: async (p, c) => {
      calls.push(`write ${p}`)
      await real.writeConfigFile(p, c)
    },
    removeFile: async (p) => {
      calls.push(`remove ${p}`)
      await real.removeFile(p)
    }
  }
  const connect = () => Promise.reject(new Error('no bus in this test'))
  return { fs, root: t.root, files, calls, deps: { fs, files, connect } }
}

describe('threshold validation', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ SwapUsedLimit: '150%' }, /above 100%/],
    [{ DefaultMemoryPressureLimit: '-1%' }, /not a percentage/],
    [{ DefaultMemoryPressureLimit: '60' }, /not a percentage/],
    [{ DefaultMemoryPressureLimit: '60.125%' }, /not a percentage/],
    [{ DefaultMemoryPressureLimit: 'sixty' }, /not a percentage/],
    [{ SwapUsedLimit: '60%\nDefaultMemoryPressureLimit=1%' }, /single line/],
    [{ DefaultMemoryPressureDurationSec: '-1s' }, /not a time span/],
    [{ DefaultMemoryPressureDurationSec: '0s' }, /shorter than 1s/],
    [{ DefaultMemoryPressureDurationSec: '500ms' }, /shorter than 1s/],
    [{ DefaultMemoryPressureDurationSec: '1.5s' }, /whole number/],
    [{ DefaultMemoryPressureDurationSec: '25h' }, /longer than 24h/],
    [{ DefaultMemoryPressureDurationSec: 'soon' }, /not a time span/],
    [{ DefaultMemoryPressureDurationSec: '30s\n[Unit]' }, /single line/],
    [{ DefaultMemoryPressureDurationSec: 30 }, /must be text/],
    [{ ManagedOOMSwap: 'kill' }, /unknown key/],
    [{ SwapUsedLimit: '80%', Other: '1' }, /unknown key "Other"/]
  ]
  for (const [values, why] of bad) {
    it(`rejects ${JSON.stringify(values)} and writes nothing`, async () => {
      const { deps, calls, root } = setup()
      const err = await setThresholds(deps, values).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AppError)
      expect((err as AppError).name).toBe('InvalidThreshold')
      expect((err as AppError).message).toMatch(why)
      expect(calls).toEqual([])
      expect(existsSync(path.join(root, OOMD_THRESHOLDS_FILE))).toBe(false)
    })
  }

  it('canonicalises accepted values the way systemd prints them', () => {
    expect(canonicalThreshold('SwapUsedLimit', ' 60.50% ')).toBe('60.5%')
    expect(canonicalThreshold('SwapUsedLimit', '100%')).toBe('100%')
    expect(canonicalThreshold('SwapUsedLimit', '0%')).toBe('0%')
    expect(canonicalThreshold('DefaultMemoryPressureDurationSec', '90s')).toBe('1min 30s')
    expect(canonicalThreshold('DefaultMemoryPressureDurationSec', '2min 30s')).toBe('2min 30s')
    expect(canonicalThreshold('DefaultMemoryPressureDurationSec', '1min30s')).toBe('1min 30s')
    expect(canonicalThreshold('DefaultMemoryPressureDurationSec', '1h')).toBe('1h')
    expect(canonicalThreshold('DefaultMemoryPressureDurationSec', '45')).toBe('45s')
    expect(canonicalThreshold('DefaultMemoryPressureDurationSec', '1500ms 500ms')).toBe('2s')
  })
})

describe('threshold file', () => {
  it('writes exactly the fixed keys, then systemd-style merging reports them with our file as source', async () => {
    const { deps, calls, root, fs } = setup()
    const r = await setThresholds(deps, { SwapUsedLimit: '85%', DefaultMemoryPressureLimit: '60.5%', DefaultMemoryPressureDurationSec: '1min 30s' })
    const expected =
      '# Written by Hyperscale Companion. "Reset to defaults" (or `hsc oomd reset`) removes this file.\n' +
      '[OOM]\n' +
      'SwapUsedLimit=85%\n' +
      'DefaultMemoryPressureLimit=60.5%\n' +
      'DefaultMemoryPressureDurationSec=1min 30s\n'
    expect(calls).toEqual([`write ${OOMD_THRESHOLDS_FILE}`])
    expect(r.content).toBe(expected)
    const onDisk = path.join(root, OOMD_THRESHOLDS_FILE)
    expect(readFileSync(onDisk, 'utf8')).toBe(expected)
    expect(statSync(onDisk).mode & 0o777).toBe(0o644)
    expect(r.restart).toBe('offline-root')
    // 60-… sorts after the vendor 10-oomd-defaults.conf, so it wins.
    expect(r.config.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: '1min 30s', source: OOMD_THRESHOLDS_FILE, line: 5 })
    expect((await readOomdConfig(fs)).settings.SwapUsedLimit).toMatchObject({ value: '85%', source: OOMD_THRESHOLDS_FILE })
  })

  it('updates one key and keeps the others; null removes a key', async () => {
    const { deps } = setup()
    await setThresholds(deps, { SwapUsedLimit: '85%', DefaultMemoryPressureLimit: '50%' })
    const r = await setThresholds(deps, { DefaultMemoryPressureLimit: '55%', SwapUsedLimit: null })
    expect(r.content).toMatch(/\[OOM\]\nDefaultMemoryPressureLimit=55%\n$/)
    expect(r.config.settings.SwapUsedLimit.source).toBeNull()
  })

  it('reset removes the file and the vendor value comes back', async () => {
    const { deps, calls, root } = setup()
    await setThresholds(deps, { DefaultMemoryPressureDurationSec: '45s' })
    const r = await resetThresholds(deps)
    expect(calls).toEqual([`write ${OOMD_THRESHOLDS_FILE}`, `remove ${OOMD_THRESHOLDS_FILE}`])
    expect(existsSync(path.join(root, OOMD_THRESHOLDS_FILE))).toBe(false)
    expect(r.content).toBeNull()
    const vendorValue = /DefaultMemoryPressureDurationSec=(\S+)/.exec(fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf'))?.[1]
    expect(r.config.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: vendorValue, source: VENDOR })
  })
})
