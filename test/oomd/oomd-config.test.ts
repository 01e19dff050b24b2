import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { readOomdConfig } from '../../src/main/services/oomd/oomd-config'
import { fixture, makeTree, type TreeEntry } from './tree'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.()
})

function tree(entries: Record<string, TreeEntry>) {
  const t = makeTree(entries)
  cleanups.push(t.cleanup)
  return createRootFs(t.root)
}

const MAIN = '/etc/systemd/oomd.conf'
const VENDOR = '/usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf'

describe('oomd.conf merge (real upstream and Fedora files at their install paths)', () => {
  it('the commented upstream oomd.conf leaves systemd built-in defaults, with no source', async () => {
    const cfg = await readOomdConfig(tree({ [MAIN]: fixture('oomd.conf') }))
    expect(cfg.files).toEqual([MAIN])
    expect(cfg.settings.SwapUsedLimit).toMatchObject({ value: '90%', source: null })
    expect(cfg.settings.DefaultMemoryPressureLimit).toMatchObject({ value: '60%', source: null })
    expect(cfg.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: '30s', source: null })
    expect(cfg.warnings).toEqual([])
  })

  for (const variant of ['fedora-f34-f38', 'fedora-current']) {
    it(`systemd-oomd-defaults (${variant}) sets the duration from its drop-in, line 2`, async () => {
      const vendor = fixture(`systemd-oomd-defaults/${variant}/10-oomd-defaults.conf`)
      const expected = /DefaultMemoryPressureDurationSec=(\S+)/.exec(vendor)?.[1]
      const cfg = await readOomdConfig(tree({ [MAIN]: fixture('oomd.conf'), [VENDOR]: vendor }))
      expect(cfg.files).toEqual([MAIN, VENDOR])
      expect(cfg.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: expected, source: VENDOR, line: 2 })
      expect(cfg.settings.SwapUsedLimit.source).toBeNull()
    })
  }

  it('a drop-in of the same name in /etc overrides /run, which overrides /usr/lib', async () => {
    const vendor = fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf')
    const runFile = '/run/systemd/oomd.conf.d/10-oomd-defaults.conf'
    const etcFile = '/etc/systemd/oomd.conf.d/10-oomd-defaults.conf'
    const withRun = await readOomdConfig(tree({ [VENDOR]: vendor, [runFile]: '[OOM]\nDefaultMemoryPressureDurationSec=45s\n' }))
    expect(withRun.files).toEqual([runFile])
    expect(withRun.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: '45s', source: runFile })

    const withEtc = await readOomdConfig(
      tree({ [VENDOR]: vendor, [runFile]: '[OOM]\nDefaultMemoryPressureDurationSec=45s\n', [etcFile]: '[OOM]\nDefaultMemoryPressureDurationSec=2min\n' })
    )
    expect(withEtc.files).toEqual([etcFile])
    expect(withEtc.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: '2min', source: etcFile })
  })

  it('drop-ins apply sorted by file name across directories, after the main file', async () => {
    const late = '/usr/lib/systemd/oomd.conf.d/90-vendor-late.conf'
    const early = '/etc/systemd/oomd.conf.d/50-admin.conf'
    const cfg = await readOomdConfig(
      tree({
        [MAIN]: '[OOM]\nSwapUsedLimit=95%\nDefaultMemoryPressureLimit=50%\n',
        [VENDOR]: fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf'),
        [early]: '[OOM]\nSwapUsedLimit=70%\n',
        [late]: '[OOM]\nSwapUsedLimit=80.5%\n'
      })
    )
    expect(cfg.files).toEqual([MAIN, VENDOR, early, late])
    // 90-… sorts after 50-…: it wins although /usr/lib has the lower directory priority.
    expect(cfg.settings.SwapUsedLimit).toMatchObject({ value: '80.5%', source: late })
    expect(cfg.settings.DefaultMemoryPressureLimit).toMatchObject({ value: '50%', source: MAIN, line: 3 })
  })

  it('uses the first main file of /etc, /run, /usr/local/lib, /usr/lib', async () => {
    const cfg = await readOomdConfig(
      tree({ '/usr/lib/systemd/oomd.conf': '[OOM]\nSwapUsedLimit=85%\n', '/run/systemd/oomd.conf': '[OOM]\nDefaultMemoryPressureLimit=55%\n' })
    )
    expect(cfg.files).toEqual(['/run/systemd/oomd.conf'])
    expect(cfg.settings.SwapUsedLimit.source).toBeNull()
    expect(cfg.settings.DefaultMemoryPressureLimit).toMatchObject({ value: '55%', source: '/run/systemd/oomd.conf' })
  })

  it('a /dev/null symlink (or empty file) in /etc masks the vendor drop-in', async () => {
    const vendor = fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf')
    for (const mask of [{ symlink: '/dev/null' }, '']) {
      const cfg = await readOomdConfig(tree({ [VENDOR]: vendor, '/etc/systemd/oomd.conf.d/10-oomd-defaults.conf': mask }))
      expect(cfg.files).toEqual([])
      expect(cfg.masked).toEqual(['/etc/systemd/oomd.conf.d/10-oomd-defaults.conf'])
      expect(cfg.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: '30s', source: null })
    }
  })

  it('ignores values systemd would ignore and says so; keeps the earlier value', async () => {
    const bad = '/etc/systemd/oomd.conf.d/50-bad.conf'
    const cfg = await readOomdConfig(
      tree({
        [VENDOR]: fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf'),
        [bad]: '[OOM]\nSwapUsedLimit=150%\nDefaultMemoryPressureDurationSec=soon\nDefaultMemoryPressureLimit=60.555%\nBogus=1\n'
      })
    )
    expect(cfg.settings.SwapUsedLimit.source).toBeNull()
    expect(cfg.settings.DefaultMemoryPressureDurationSec.source).toBe(VENDOR)
    expect(cfg.settings.DefaultMemoryPressureLimit.source).toBeNull()
    expect(cfg.warnings).toHaveLength(4)
    expect(cfg.warnings[0]).toContain(`${bad}:2`)
  })

  it('warns that durations below 1s keep systemd-oomd from starting', async () => {
    const f = '/etc/systemd/oomd.conf.d/50-short.conf'
    const cfg = await readOomdConfig(tree({ [f]: '[OOM]\nDefaultMemoryPressureDurationSec=500ms\n' }))
    expect(cfg.settings.DefaultMemoryPressureDurationSec).toMatchObject({ value: '500ms', source: f })
    expect(cfg.warnings.join('\n')).toMatch(/below 1s/)
  })

  it('reads the live machine like systemd-analyze cat-config would list it', async () => {
    const cfg = await readOomdConfig(createRootFs('/'))
    // Debian's systemd-oomd ships /usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf.
    const { existsSync, readFileSync } = await import('node:fs')
    if (existsSync(VENDOR)) {
      const expected = /^DefaultMemoryPressureDurationSec=(\S+)/m.exec(readFileSync(VENDOR, 'utf8'))?.[1]
      expect(cfg.files).toContain(VENDOR)
      if (expected && !cfg.files.some((f) => f.startsWith('/etc/systemd/oomd.conf.d/'))) {
        expect(cfg.settings.DefaultMemoryPressureDurationSec.value).toBe(expected)
      }
    }
  })

  const hasAnalyze = existsSync('/usr/bin/systemd-analyze') || existsSync('/bin/systemd-analyze')
  it.skipIf(!hasAnalyze)('lists the same files in the same order as the real `systemd-analyze --root cat-config`', async () => {
    const t = makeTree({
      '/etc/systemd/oomd.conf': fixture('oomd.conf'),
      '/usr/lib/systemd/oomd.conf': '[OOM]\nSwapUsedLimit=85%\n',
      [VENDOR]: fixture('systemd-oomd-defaults/fedora-current/10-oomd-defaults.conf'),
      '/usr/lib/systemd/oomd.conf.d/20-vendor.conf': '[OOM]\nSwapUsedLimit=80%\n',
      '/run/systemd/oomd.conf.d/20-vendor.conf': '[OOM]\nSwapUsedLimit=75%\n',
      '/usr/lib/systemd/oomd.conf.d/30-masked.conf': '[OOM]\nSwapUsedLimit=10%\n',
      '/etc/systemd/oomd.conf.d/30-masked.conf': { symlink: '/dev/null' },
      '/etc/systemd/oomd.conf.d/15-admin.conf': '[OOM]\nDefaultMemoryPressureLimit=40%\n',
      '/usr/local/lib/systemd/oomd.conf.d/99-local.conf': '[OOM]\nDefaultMemoryPressureDurationSec=1min\n',
      '/etc/systemd/oomd.conf.d/README': 'not a .conf file'
    })
    cleanups.push(t.cleanup)
    const out = execFileSync('systemd-analyze', [`--root=${t.root}`, 'cat-config', 'systemd/oomd.conf'], { encoding: 'utf8' })
    const analyzed = out
      .split('\n')
      .filter((l) => l.startsWith(`# ${t.root}/`))
      .map((l) => l.slice(2 + t.root.length))
    const cfg = await readOomdConfig(createRootFs(t.root))
    expect(analyzed.length).toBeGreaterThan(3)
    // cat-config also prints masking entries; they take the name but contribute nothing.
    expect(cfg.masked).toEqual(['/etc/systemd/oomd.conf.d/30-masked.conf'])
    expect(analyzed.filter((f) => !cfg.masked.includes(f))).toEqual(cfg.files)
    expect(analyzed).toContain(cfg.masked[0])
    expect(cfg.settings.SwapUsedLimit).toMatchObject({ value: '75%', source: '/run/systemd/oomd.conf.d/20-vendor.conf' })
  })
})
