import { afterAll, describe, expect, it } from 'vitest'
import { MOUNT, fixture, gz, inspectRoot, makeRoot } from './fixture-root'
import { checkGroupOrder } from '../../src/shared/contract'

const cleanups: Array<() => void> = []
afterAll(() => cleanups.forEach((c) => c()))
function root(files: Record<string, string | Buffer>): string {
  const r = makeRoot(files)
  cleanups.push(r.cleanup)
  return r.root
}

const PRESSURE = {
  cpu: 'some avg10=1.25 avg60=0.50 avg300=0.10 total=4242\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  memory: 'some avg10=3.10 avg60=2.20 avg300=1.30 total=98765\nfull avg10=1.00 avg60=0.75 avg300=0.50 total=1234\n',
  io: 'some avg10=0.00 avg60=0.08 avg300=0.12 total=555\nfull avg10=0.00 avg60=0.08 avg300=0.10 total=444\n'
}

describe('stock CentOS Stream 9 (5.14.0-580.el9 config in /boot, XFS root, no psi=1)', async () => {
  const R = '5.14.0-580.el9.x86_64'
  const dir = root({
    '/etc/os-release': fixture('os-release/centos-stream-9'),
    '/proc/sys/kernel/osrelease': R + '\n',
    [`/boot/config-${R}`]: fixture(`kernel-config/${R}`),
    '/proc/cmdline': `BOOT_IMAGE=(hd0,gpt2)/vmlinuz-${R} root=/dev/mapper/cs-root ro crashkernel=1G-4G:192M rhgb quiet\n`,
    '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.cgroup2].join('\n') + '\n',
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
    '/proc/filesystems': 'nodev\tsysfs\nnodev\ttmpfs\n\txfs\n',
    '/sys/fs/selinux/enforce': '1',
    '/usr/lib64/systemd/libsystemd-shared-252-51.el9.so': '',
    '/usr/sbin/btrfs': ''
  })
  const { report, calls, get } = await inspectRoot(dir)

  it('starts no program under a fixture root', () => expect(calls).toEqual([]))
  it('reports every group in order', () => {
    const groups = [...new Set(report.checks.map((c) => c.group))]
    expect(groups).toEqual(checkGroupOrder.filter((g) => groups.includes(g)))
    expect(report.root).toBe(dir)
    expect(report.summary.ok + report.summary.warn + report.summary.fail + report.summary.unknown).toBe(report.checks.length)
  })
  it('OS is CentOS Stream 9 (ok)', () => expect(get('os.release')).toMatchObject({ status: 'ok', value: 'CentOS Stream 9' }))
  it('kernel is stock, not Hyperscale (warn)', () => {
    expect(get('kernel.release')).toMatchObject({ status: 'warn', details: { hyperscale: false, elMajor: 9, release: R } })
  })
  it('kernel config found at /boot/config-R', () => expect(get('kconfig.source')).toMatchObject({ status: 'ok', value: `/boot/config-${R}` }))
  it('btrfs missing from the config: storage options warn with the kmod-btrfs remedy', () => {
    const c = get('kconfig.storage')
    expect(c.status).toBe('warn')
    expect(c.remedy?.command).toContain('kmod-btrfs')
    expect(c.evidence[0].excerpt).toContain('# CONFIG_BTRFS_FS is not set')
  })
  it('PSI_DEFAULT_DISABLED without psi=1: resources warn and PSI is off at boot, both with the grubby remedy', () => {
    expect(get('kconfig.resources')).toMatchObject({ status: 'warn', remedy: { command: 'grubby --update-kernel=ALL --args=psi=1' } })
    expect(get('psi.state')).toMatchObject({
      status: 'warn',
      details: { state: 'off-at-boot' },
      remedy: { command: 'grubby --update-kernel=ALL --args=psi=1' }
    })
    expect(get('psi.pressure').status).toBe('unknown')
  })
  it('systemd README options are all present in the EL9 config', () => {
    expect(get('kconfig.systemd').status).toBe('ok')
    expect(get('kconfig.systemd-recommended').status).toBe('ok')
  })
  it('btrfs: no kernel support (warn, kmod-btrfs remedy), progs present but not run', () => {
    expect(get('btrfs.kernel')).toMatchObject({ status: 'warn', details: { support: 'none' } })
    expect(get('btrfs.kernel').remedy?.text).toMatch(/Kmods SIG.*Hyperscale kernel/)
    expect(get('btrfs.progs')).toMatchObject({ status: 'ok', details: { installed: true, version: null } })
    expect(get('btrfs.mounts').value).toBe('none mounted')
  })
  it('cgroup2 on /sys/fs/cgroup in mountinfo: unified with the memory controller', () => {
    expect(get('cgroup.mode')).toMatchObject({ status: 'ok', details: { mode: 'unified' } })
    expect(get('cgroup.controllers')).toMatchObject({ status: 'ok' })
    expect(get('cgroup.controllers').value).toContain('memory')
  })
  it('systemd version comes from the library name', () => expect(get('systemd.version')).toMatchObject({ status: 'ok', details: { major: 252 } }))
  it('SELinux enforcing', () => expect(get('selinux')).toMatchObject({ status: 'ok', value: 'enforcing' }))
  it('XFS dnf cache: reflink not determinable from a fixture', () => {
    expect(get('rpm.cow')).toMatchObject({ status: 'unknown', details: { filesystem: 'xfs', path: '/' } })
  })
  it('no EFI, no swap files: unknown Secure Boot, unknown swap', () => {
    expect(get('secureboot').status).toBe('unknown')
    expect(get('swap').status).toBe('unknown')
  })
  it('hardware is not applicable', () => expect(get('hardware.summary')).toMatchObject({ status: 'unknown', notApplicable: true }))
})

describe('Hyperscale EL9 kernel (hsx config in /lib/modules/R/config, psi=1, btrfs root)', async () => {
  const R = '6.10.9-0.hs1.hsx.el9.x86_64'
  const dir = root({
    '/usr/lib/os-release': fixture('os-release/centos-stream-9'),
    '/proc/sys/kernel/osrelease': R + '\n',
    [`/lib/modules/${R}/config`]: fixture(`kernel-config/${R}`),
    '/proc/cmdline': `BOOT_IMAGE=(hd0,gpt2)/vmlinuz-${R} root=UUID=5b7c rootflags=subvol=root ro psi=1 rhgb quiet\n`,
    '/proc/1/mountinfo': [fixture('proc/mountinfo-fedora-btrfs-excerpt').trim(), MOUNT.cgroup2].join('\n') + '\n',
    '/proc/pressure/cpu': PRESSURE.cpu,
    '/proc/pressure/memory': PRESSURE.memory,
    '/proc/pressure/io': PRESSURE.io,
    '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t8388604\t\t0\t\t100\n',
    '/proc/meminfo': 'MemTotal:       16000000 kB\nSwapTotal:       8388604 kB\nSwapFree:        8388604 kB\n',
    '/sys/fs/btrfs/features/compress_zstd': '0\n',
    '/sys/fs/btrfs/features/supported_checksums': 'crc32c xxhash64 sha256 blake2b\n',
    '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c': Buffer.from([6, 0, 0, 0, 1]),
    '/sys/fs/selinux/enforce': '0',
    '/etc/selinux/config': 'SELINUX=enforcing\nSELINUXTYPE=targeted\n'
  })
  const { calls, get } = await inspectRoot(dir)

  it('starts no program', () => expect(calls).toEqual([]))
  it('falls back to /usr/lib/os-release', () => expect(get('os.release').evidence[0].source).toBe('/usr/lib/os-release'))
  it('is a Hyperscale build by its release marker', () => {
    expect(get('kernel.release')).toMatchObject({ status: 'ok', details: { hyperscale: true, markers: ['hsx'] } })
  })
  it('config found at the third location, after /proc/config.gz and /boot/config-R', () => {
    const c = get('kconfig.source')
    expect(c.value).toBe(`/lib/modules/${R}/config`)
    expect((c.details?.tried as Array<{ path: string }>).map((t) => t.path)).toEqual(['/proc/config.gz', `/boot/config-${R}`, `/lib/modules/${R}/config`])
  })
  it("PSI_DEFAULT_DISABLED=y is fine with psi=1; PSI available and the averages are the files' values", () => {
    expect(get('kconfig.resources').status).toBe('ok')
    expect(get('psi.state')).toMatchObject({ status: 'ok', details: { state: 'available', psiArg: '1' } })
    const p = get('psi.pressure').details?.pressure as Record<string, { some: { avg10: number; avg300: number }; full?: { avg60: number } }>
    expect(p.cpu.some.avg10).toBe(1.25)
    expect(p.memory.full?.avg60).toBe(0.75)
    expect(p.io.some.avg300).toBe(0.12)
  })
  it('btrfs built in, features listed, both mounts with subvol and compression', () => {
    expect(get('btrfs.kernel')).toMatchObject({ status: 'ok', details: { support: 'builtin' } })
    expect(get('btrfs.features')).toMatchObject({
      status: 'ok',
      details: { features: ['compress_zstd'], checksums: ['crc32c', 'xxhash64', 'sha256', 'blake2b'] }
    })
    const mounts = get('btrfs.mounts').details?.mounts as Array<Record<string, unknown>>
    expect(mounts.map((m) => [m.mountPoint, m.subvol, m.compression])).toEqual([
      ['/', '/root', 'zstd:1'],
      ['/home', '/home', 'zstd:1']
    ])
  })
  it('btrfs-progs not installed: warn with install remedy', () =>
    expect(get('btrfs.progs')).toMatchObject({ status: 'warn', remedy: { command: 'dnf install btrfs-progs' } }))
  it('dnf cache (nearest existing parent /) on btrfs: RPM CoW ready', () =>
    expect(get('rpm.cow')).toMatchObject({ status: 'ok', details: { filesystem: 'btrfs' } }))
  it('zram swap counted', () => expect(get('swap')).toMatchObject({ status: 'ok', details: { totalBytes: 8388604 * 1024, zramBytes: 8388604 * 1024 } }))
  it('Secure Boot byte 5 = 1: enabled', () => expect(get('secureboot')).toMatchObject({ status: 'ok', value: 'enabled', details: { secureBoot: true } }))
  it('SELinux permissive now, enforcing after reboot', () => {
    expect(get('selinux')).toMatchObject({ status: 'warn', details: { mode: 'permissive', configured: 'enforcing' } })
  })
  it('no systemd anywhere: unknown', () => expect(get('systemd.version').status).toBe('unknown'))
})

describe('hybrid EL8 with cgroup_disable=memory (4.18 config)', async () => {
  const R = '4.18.0-553.51.1.el8_10.x86_64'
  const dir = root({
    '/etc/os-release': fixture('os-release/centos-stream-8'),
    '/proc/sys/kernel/osrelease': R,
    [`/boot/config-${R}`]: fixture(`kernel-config/${R}`),
    '/proc/cmdline': `BOOT_IMAGE=/vmlinuz-${R} ro cgroup_disable=memory quiet\n`,
    '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.ext4Var, MOUNT.cgroupTmpfs, MOUNT.cgroupUnified, MOUNT.cgroupV1Memory].join('\n') + '\n',
    '/proc/cgroups': '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t2\t1\t1\ncpu\t3\t1\t1\nmemory\t0\t1\t0\npids\t4\t60\t1\n',
    '/sys/fs/cgroup/unified/cgroup.controllers': '',
    '/var/cache/dnf/.keep': '',
    '/etc/fstab': '/dev/mapper/cs-root / xfs defaults 0 0\nUUID=1234 /data btrfs subvol=data 0 0\n'
  })
  const { get } = await inspectRoot(dir)

  it('CentOS Stream 8 is past its end of life (warn)', () =>
    expect(get('os.release')).toMatchObject({ status: 'warn', details: { family: 'centos-stream', major: 8 } }))
  it('tmpfs + cgroup2 on unified = hybrid (warn, systemd.unified_cgroup_hierarchy=1)', () => {
    expect(get('cgroup.mode')).toMatchObject({
      status: 'warn',
      details: { mode: 'hybrid' },
      remedy: { command: 'grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1' }
    })
  })
  it('memory controller disabled on the command line: fail with the remove-args remedy', () => {
    const c = get('cgroup.controllers')
    expect(c).toMatchObject({ status: 'fail', remedy: { command: 'grubby --update-kernel=ALL --remove-args=cgroup_disable=memory' } })
    expect(c.details).toMatchObject({ cgroupDisable: ['memory'], v1Bound: ['cpuset', 'cpu', 'pids'] })
  })
  it('PSI off at boot', () => expect(get('psi.state').details).toMatchObject({ state: 'off-at-boot' }))
  it('no btrfs support while fstab wants a btrfs mount: fail', () => {
    expect(get('btrfs.kernel')).toMatchObject({ status: 'fail', details: { support: 'none', fstabEntries: ['/data'] } })
  })
  it('dnf cache on ext4 /var: warn, no reflinks', () => {
    expect(get('rpm.cow')).toMatchObject({ status: 'warn', details: { path: '/var/cache/dnf', filesystem: 'ext4', mountPoint: '/var' } })
  })
})

describe('Fedora kernel config in /proc/config.gz, kmod-btrfs module for a stock kernel', async () => {
  const fc = '6.14.4-300.fc42.x86_64'
  const el = '5.14.0-580.el9.x86_64'
  const fcDir = root({
    '/etc/os-release': fixture('os-release/fedora-42'),
    '/proc/sys/kernel/osrelease': fc,
    '/proc/config.gz': gz(fixture(`kernel-config/${fc}`)),
    // A different config at /boot proves the lookup order: /proc/config.gz wins.
    [`/boot/config-${fc}`]: fixture(`kernel-config/${el}`),
    '/proc/cmdline': 'ro\n'
  })
  const kmodDir = root({
    '/etc/os-release': fixture('os-release/centos-stream-9'),
    '/proc/sys/kernel/osrelease': el,
    [`/boot/config-${el}`]: fixture(`kernel-config/${el}`),
    [`/lib/modules/${el}/extra/btrfs/btrfs.ko.xz`]: '',
    '/proc/cmdline': 'ro psi=0\n',
    '/proc/modules': 'xfs 2007040 1 - Live 0x0000000000000000\n'
  })
  const f = await inspectRoot(fcDir)
  const k = await inspectRoot(kmodDir)

  it('/proc/config.gz is gunzipped and preferred', () => {
    expect(f.get('kconfig.source').value).toBe('/proc/config.gz')
    expect(f.get('kconfig.storage').status).toBe('ok')
    expect(f.get('kconfig.resources').status).toBe('ok')
    expect(f.get('os.release').details).toMatchObject({ family: 'fedora' })
  })
  it('PSI on by default but no pressure files: unknown, not a false "off"', () => {
    expect(f.get('psi.state')).toMatchObject({ status: 'unknown', details: { state: 'unknown' } })
  })
  it('a kmod-btrfs module file makes btrfs available on the stock kernel', () => {
    expect(k.get('btrfs.kernel')).toMatchObject({
      status: 'ok',
      details: { support: 'module-available', modulePath: `/lib/modules/${el}/extra/btrfs/btrfs.ko.xz` }
    })
    expect(k.get('btrfs.features').value).toMatch(/module not loaded yet/)
  })
  it('psi=0 turns PSI off even where it would be on', () => {
    expect(k.get('psi.state')).toMatchObject({ status: 'warn', value: 'compiled in but turned off by psi=0' })
  })
})

describe('a config that breaks a systemd requirement (derived from the el10 fixture)', async () => {
  const R = '6.12.0-77.el10.x86_64'
  const broken = fixture(`kernel-config/${R}`)
    .replace('CONFIG_FHANDLE=y', '# CONFIG_FHANDLE is not set')
    .replace('# CONFIG_SYSFS_DEPRECATED is not set', 'CONFIG_SYSFS_DEPRECATED=y')
  const dir = root({ '/proc/sys/kernel/osrelease': R, [`/boot/config-${R}`]: broken })
  const { get } = await inspectRoot(dir)
  it('fails and names the option', () => {
    const c = get('kconfig.systemd')
    expect(c.status).toBe('fail')
    expect(c.value).toContain('FHANDLE not set')
    const bad = (c.details?.options as Array<{ name: string; status: string }>).filter((o) => o.status !== 'ok').map((o) => o.name)
    expect(bad).toContain('FHANDLE')
    expect(c.remedy?.text).toContain('FHANDLE')
  })
})

describe('an empty root', async () => {
  const dir = root({ '/.keep': '' })
  const { report, calls } = await inspectRoot(dir)
  it('still yields a complete report of unknowns and warnings, never a crash', () => {
    expect(calls).toEqual([])
    expect(report.checks.length).toBeGreaterThan(15)
    expect(report.checks.filter((c) => c.status === 'ok').map((c) => c.id)).toEqual([])
    for (const c of report.checks) expect(c.evidence.length, c.id).toBeGreaterThan(0)
  })
})
