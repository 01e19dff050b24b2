import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand } from '../../src/main/services/system/command'
import { runInspection } from '../../src/main/services/inspect/report'
import { reportToMarkdown } from '../../src/main/services/inspect/markdown'
import type { Check, InspectReport } from '../../src/shared/contract'

/** Independent reads use other tools (stat, zcat, swapon, systemctl) or plain fs calls, never the inspector's parsers. */
const sh = (argv: string[]): string | undefined => {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return undefined
  }
}
const has = (tool: string) => sh(['sh', '-c', `command -v ${tool}`]) !== undefined

let report: InspectReport
const get = (id: string): Check => {
  const c = report.checks.find((x) => x.id === id)
  if (!c) throw new Error(`no check ${id}`)
  return c
}

beforeAll(async () => {
  report = await runInspection({ fs: createRootFs('/'), run: runCommand })
})

describe('live system, compared with independent reads', () => {
  it('kernel release equals os.release()', () => {
    expect(get('kernel.release').details?.release).toBe(os.release())
  })

  it('cgroup mode agrees with `stat -f -c %T` on /sys/fs/cgroup (and the mount table)', () => {
    const top = sh(['stat', '-f', '-c', '%T', '/sys/fs/cgroup'])?.trim()
    const uni = existsSync('/sys/fs/cgroup/unified') ? sh(['stat', '-f', '-c', '%T', '/sys/fs/cgroup/unified'])?.trim() : undefined
    const expected = top === 'cgroup2fs' ? 'unified' : top === 'tmpfs' ? (uni === 'cgroup2fs' ? 'hybrid' : 'legacy') : 'unknown'
    expect(get('cgroup.mode').details).toMatchObject({ mode: expected, mountinfoMode: expected })
    // cgroup v1 fails only under a systemd that removed it (258+); `systemctl --version` is the independent read.
    const major = Number(/^systemd (\d+)/m.exec(sh(['systemctl', '--version']) ?? '')?.[1] ?? 0)
    expect(get('cgroup.mode').status).toBe(expected === 'unified' ? 'ok' : major >= 258 ? 'fail' : 'warn')
  })

  it('btrfs support agrees with /proc/filesystems and the config', () => {
    const listed = readFileSync('/proc/filesystems', 'utf8')
      .split('\n')
      .some((l) => l.trim().split(/\s+/).pop() === 'btrfs')
    const support = get('btrfs.kernel').details?.support
    if (listed) expect(['builtin', 'module-loaded']).toContain(support)
    else expect(['module-available', 'module-missing', 'none']).toContain(support)
    expect(get('btrfs.features').status).toBe(existsSync('/sys/fs/btrfs/features') ? 'ok' : 'unknown')
  })

  it.skipIf(!existsSync('/proc/config.gz'))('kernel config options agree with `zcat /proc/config.gz`', () => {
    expect(get('kconfig.source').value).toBe('/proc/config.gz')
    const text = sh(['zcat', '/proc/config.gz']) ?? ''
    const want = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`CONFIG_${name}=`))
      return line === undefined ? 'not-set' : line.endsWith('=y') ? 'builtin' : line.endsWith('=m') ? 'module' : 'value'
    }
    for (const id of ['kconfig.storage', 'kconfig.resources', 'kconfig.systemd']) {
      for (const o of get(id).details?.options as Array<{ name: string; state: string }>) expect(o.state, o.name).toBe(want(o.name))
    }
  })

  it('PSI state follows /proc/pressure and psi= on the command line', () => {
    const readable = ['cpu', 'memory', 'io'].every((r) => {
      try {
        return readFileSync(`/proc/pressure/${r}`, 'utf8').startsWith('some ')
      } catch {
        return false
      }
    })
    expect(get('psi.state').details?.state === 'available').toBe(readable)
    if (readable) {
      // avg300 moves slowly: an independent read right after must be within a point of the report.
      const avg300 = Number(/^some .*avg300=([\d.]+)/m.exec(readFileSync('/proc/pressure/memory', 'utf8'))![1])
      const p = get('psi.pressure').details?.pressure as Record<string, { some: { avg300: number } }>
      expect(Math.abs(p.memory.some.avg300 - avg300)).toBeLessThan(1)
    }
    const psiArg = readFileSync('/proc/cmdline', 'utf8')
      .split('--')[0]
      .split(/\s+/)
      .filter((w) => w.startsWith('psi='))
      .pop()
    expect(get('psi.state').details?.psiArg).toBe(psiArg ? psiArg.slice(4) : null)
  })

  it.skipIf(!has('systemctl'))('systemd version agrees with `systemctl --version`', () => {
    const major = Number(/^systemd (\d+)/.exec(sh(['systemctl', '--version']) ?? '')?.[1])
    expect(get('systemd.version').details?.major).toBe(major)
  })

  it.skipIf(!has('btrfs'))('btrfs-progs version agrees with `btrfs --version`', () => {
    const v = /v(\S+)/.exec(sh(['btrfs', '--version']) ?? '')?.[1]
    expect(get('btrfs.progs').details?.version).toBe(v)
  })

  it.skipIf(!has('swapon'))('swap total agrees with `swapon --show --bytes`', () => {
    const out = sh(['swapon', '--noheadings', '--bytes', '--show=SIZE']) ?? ''
    const total = out
      .split('\n')
      .filter(Boolean)
      .reduce((a, l) => a + Number(l.trim()), 0)
    expect(get('swap').details?.totalBytes).toBe(total)
  })

  it('SELinux mode follows /sys/fs/selinux/enforce', () => {
    const enforce = existsSync('/sys/fs/selinux/enforce') ? readFileSync('/sys/fs/selinux/enforce', 'utf8').trim() : undefined
    expect(get('selinux').details?.mode).toBe(enforce === undefined ? 'disabled' : enforce === '1' ? 'enforcing' : 'permissive')
  })

  it('Secure Boot is unknown exactly when the machine did not boot via EFI', () => {
    expect(get('secureboot').status === 'unknown').toBe(!existsSync('/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c'))
  })

  it('RPM CoW filesystem agrees with `stat -f -c %t` of the dnf cache (or its nearest parent)', () => {
    const d = get('rpm.cow').details as { path: string; magic: number; filesystem: string }
    expect(existsSync(d.path)).toBe(true)
    expect(d.magic.toString(16)).toBe(sh(['stat', '-f', '-c', '%t', d.path])?.trim())
    expect(get('rpm.cow').status === 'ok').toBe(d.filesystem === 'btrfs' || (d.filesystem === 'xfs' && get('rpm.cow').details?.reflink === true))
  })

  it("hardware summary matches /proc/meminfo, the CPU count and lscpu's cores", () => {
    const c = get('hardware.summary')
    expect(c.status).toBe('ok')
    const hw = c.details as { memory: { totalBytes: number }; cpu: { cores: number; physicalCores: number; brand: string } }
    const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1])
    expect(hw.memory.totalBytes).toBe(memKiB * 1024)
    expect(hw.cpu.cores).toBe(os.cpus().length)
    expect(hw.cpu.brand.length).toBeGreaterThan(0)
    const lscpu = sh(['lscpu', '-p=core,socket'])
    if (lscpu) {
      const pairs = new Set(lscpu.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(hw.cpu.physicalCores).toBe(pairs.size)
    }
  })

  it('every check has evidence, and the Markdown export carries every check and remedy command', () => {
    const md = reportToMarkdown(report)
    for (const c of report.checks) {
      expect(c.evidence.length, c.id).toBeGreaterThan(0)
      expect(md).toContain(`| ${c.title.replace(/\|/g, '\\|')} |`)
      if (c.remedy?.command && c.status !== 'ok') expect(md).toContain(c.remedy.command)
    }
  })

  it('a second report reuses cached tool versions and the hardware probe (no new programs)', async () => {
    const calls: string[][] = []
    const run: typeof runCommand = (argv, opts) => {
      calls.push([...argv])
      return runCommand(argv, opts)
    }
    await runInspection({ fs: createRootFs('/'), run })
    const again = await runInspection({ fs: createRootFs('/'), run })
    const firstCalls = calls.length
    await runInspection({ fs: createRootFs('/'), run })
    expect(calls.length).toBe(firstCalls)
    expect(again.checks.map((c) => c.id)).toEqual(report.checks.map((c) => c.id))
  })
})

describe('live system: what a report starts', () => {
  it.skipIf(!has('rpm'))('rpm is started once per report, and its one answer agrees with `rpm --eval` and `rpm -qa` run on their own', async () => {
    const started: string[][] = []
    const run: typeof runCommand = (argv, opts) => {
      started.push([...argv])
      return runCommand(argv, opts)
    }
    const fresh = await runInspection({ fs: createRootFs('/'), run })
    expect(started.filter((a) => a[0] === 'rpm')).toHaveLength(1)
    const byId = (id: string) => fresh.checks.find((c) => c.id === id)!
    expect(byId('rpm.cow.rpmdb').details?.dbpath).toBe(sh(['rpm', '--eval', '%{_dbpath}'])?.trim())
    const all = (sh(['rpm', '-qa', '--queryformat', '%{NAME}\\n']) ?? '').split('\n').filter(Boolean)
    const cow = ['rpm-plugin-reflink', 'python3-dnf-plugin-cow']
    expect(byId('rpm.cow.packages').details?.missing).toEqual(cow.filter((p) => !all.includes(p)))
  })
})
