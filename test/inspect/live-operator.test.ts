import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRootFs } from '../../src/main/services/system/rootfs'
import { runCommand } from '../../src/main/services/system/command'
import { runInspection } from '../../src/main/services/inspect/report'
import { systemBusConnector } from '../../src/main/services/systemd/connect'
import type { Check, InspectReport } from '../../src/shared/contract'

/** The operator checks on this machine, each compared with a read by another tool (cat, findmnt, swapon, busctl, zcat). */
const sh = (argv: string[]): string | undefined => {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return undefined
  }
}

let report: InspectReport
const get = (id: string): Check => {
  const c = report.checks.find((x) => x.id === id)
  if (!c) throw new Error(`no check ${id}`)
  return c
}
beforeAll(async () => {
  report = await runInspection({ fs: createRootFs('/'), run: runCommand, connect: systemBusConnector(process.env) })
})

const disks = readdirSync('/sys/block').filter((n) => !/^(loop|ram|zram|sr|fd|nbd|dm-|md)/.test(n))

describe('operator checks on this machine', () => {
  it('IO scheduler and WBT per disk agree with cat of /sys/block/*/queue', () => {
    const sched = get('io.scheduler').details?.devices as Array<{ name: string; active: string | null }>
    const wbt = get('io.wbt').details?.devices as Array<{ name: string; wbtLatUsec: number | null }>
    expect(sched.map((d) => d.name).sort()).toEqual(disks.sort())
    for (const d of disks) {
      const s = sh(['cat', `/sys/block/${d}/queue/scheduler`])
      expect(sched.find((x) => x.name === d)?.active).toBe(s ? (/\[(.+?)\]/.exec(s)?.[1] ?? null) : null)
      const w = sh(['cat', `/sys/block/${d}/queue/wbt_lat_usec`])
      expect(wbt.find((x) => x.name === d)?.wbtLatUsec).toBe(w ? Number(w.trim()) : null)
    }
  })

  it('io controller agrees with the cgroup2 root’s cgroup.controllers', () => {
    const root = existsSync('/sys/fs/cgroup/cgroup.controllers')
      ? '/sys/fs/cgroup'
      : existsSync('/sys/fs/cgroup/unified/cgroup.controllers')
        ? '/sys/fs/cgroup/unified'
        : null
    const has = root ? (sh(['cat', `${root}/cgroup.controllers`]) ?? '').split(/\s+/).includes('io') : false
    expect(get('io.controller').details?.available).toBe(has)
    expect(get('io.controller').status).toBe(has ? 'ok' : 'warn')
  })

  it('memory_recursiveprot agrees with findmnt', () => {
    const opts = sh(['findmnt', '-n', '-t', 'cgroup2', '-o', 'OPTIONS'])?.trim().split('\n').pop()
    const c = get('cgroup.recursiveprot')
    if (!opts) expect(c.status).not.toBe('ok')
    else expect(c.details?.recursiveprot).toBe(opts.split(',').includes('memory_recursiveprot'))
  })

  it('swap size agrees with swapon --bytes and /proc/meminfo', () => {
    const swap = (sh(['swapon', '--show=SIZE', '--bytes', '--noheadings']) ?? '')
      .split('\n')
      .filter(Boolean)
      .reduce((a, l) => a + Number(l.trim()), 0)
    const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1])
    const want = Math.min((memKiB * 1024) / 3, 32 * 1024 ** 3)
    expect(get('swap.size').details?.swapBytes).toBe(swap)
    expect(get('swap.size').status).toBe(swap >= want ? 'ok' : 'warn')
  })

  it('btrfs options cover every mounted btrfs filesystem (findmnt)', () => {
    const sources = new Set(
      (sh(['findmnt', '-n', '-t', 'btrfs', '-o', 'SOURCE']) ?? '')
        .split('\n')
        .filter(Boolean)
        .map((s) => s.replace(/\[.*\]$/, ''))
    )
    expect((get('btrfs.options').details?.filesystems as unknown[]).length).toBe(sources.size)
  })

  it.skipIf(!existsSync('/proc/config.gz'))('BPF LSM and BTF agree with zcat /proc/config.gz and /sys/kernel/btf/vmlinux', () => {
    const cfg = sh(['zcat', '/proc/config.gz']) ?? ''
    const c = get('bpf.lsm')
    expect(c.details?.bpfLsm).toBe(/^CONFIG_BPF_LSM=y$/m.test(cfg) ? 'builtin' : 'not-set')
    expect(c.details?.btfPresent).toBe(existsSync('/sys/kernel/btf/vmlinux'))
    const active = existsSync('/sys/kernel/security/lsm') ? readFileSync('/sys/kernel/security/lsm', 'utf8').trim().split(',') : undefined
    if (active) expect(c.details?.activeLsms).toEqual(active)
  })

  it('systemd taint flags: the same as busctl, or unknown with the reason when no manager answers', () => {
    const busctl = sh([
      'busctl',
      '--system',
      'get-property',
      'org.freedesktop.systemd1',
      '/org/freedesktop/systemd1',
      'org.freedesktop.systemd1.Manager',
      'Tainted'
    ])
    const c = get('systemd.taint')
    if (busctl === undefined) {
      expect(c.status).toBe('unknown')
      expect(c.value).toMatch(/no systemd manager reachable: /)
    } else {
      const flags = (/^s "(.*)"$/.exec(busctl.trim())?.[1] ?? '').split(':').filter(Boolean)
      expect(c.details?.flags).toEqual(flags)
    }
  })
})
