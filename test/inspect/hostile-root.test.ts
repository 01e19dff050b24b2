import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HSC } from '../support/paths'
import { createRootFs, chaseInRoot } from '../../src/main/services/system/rootfs'
import { readRegular } from '../../src/main/services/system/safe-file'
import { checkRequirements } from '../../src/main/services/oomd/requirements'
import { readOomdConfig } from '../../src/main/services/oomd/oomd-config'
import { fixture, gz, inspectRoot, makeRoot, MOUNT } from './fixture-root'

/**
 * Crafted root trees of the kind a mounted image or a hostile user can hand to --root:
 * FIFOs where files are expected, device nodes, absolute and looping links, garbage.
 * Every read must come back with a reason; nothing may hang or read without bound.
 */

const REL = '5.14.0-580.el9.x86_64'
const isRoot = process.getuid?.() === 0

function mkfifo(p: string): void {
  mkdirSync(path.dirname(p), { recursive: true })
  const r = spawnSync('mkfifo', [p])
  if (r.status !== 0) throw new Error(`mkfifo ${p}: ${r.stderr}`)
}

function link(root: string, systemPath: string, target: string): void {
  const full = path.join(root, systemPath)
  mkdirSync(path.dirname(full), { recursive: true })
  symlinkSync(target, full)
}

/** Runs the built hsc with a hard deadline: a hang is a failed test, not a stuck suite. */
function hscWithDeadline(args: string[], ms = 30_000): Promise<{ status: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HSC, '--no-color', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, ms)
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr, timedOut })
    })
  })
}

describe('a root tree full of FIFOs and devices never hangs a reader', () => {
  let root: string
  let fifoRelease: string
  beforeAll(() => {
    const t = makeRoot({
      '/etc/os-release': fixture('os-release/centos-stream-9'),
      '/proc/sys/kernel/osrelease': REL + '\n',
      '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.cgroup2].join('\n') + '\n',
      '/proc/pressure/cpu': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
      '/proc/pressure/io': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
      '/usr/lib/systemd/system/systemd-oomd.service': '[Service]\nExecStart=/usr/lib/systemd/systemd-oomd\n'
    })
    root = t.root
    mkfifo(path.join(root, `boot/config-${REL}`))
    mkfifo(path.join(root, 'etc/systemd/oomd.conf'))
    mkfifo(path.join(root, 'proc/pressure/memory'))
    // /proc/config.gz -> /dev/urandom: the absolute link resolves inside the tree, to a real device node when we may make one.
    link(root, '/proc/config.gz', '/dev/urandom')
    if (isRoot) {
      mkdirSync(path.join(root, 'dev'), { recursive: true })
      spawnSync('mknod', [path.join(root, 'dev/urandom'), 'c', '1', '9'])
    }
    const t2 = makeRoot({ '/etc/os-release': fixture('os-release/centos-stream-9') })
    fifoRelease = t2.root
    mkfifo(path.join(fifoRelease, 'proc/sys/kernel/osrelease'))
  })
  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
    rmSync(fifoRelease, { recursive: true, force: true })
  })

  it('RootFs.read says "FIFO" for a named pipe and "character device" for /dev/urandom, without blocking', async () => {
    const fs = createRootFs(root)
    const fifo = await fs.read(`/boot/config-${REL}`)
    expect(fifo).toMatchObject({ ok: false, why: 'not-regular' })
    expect(fifo.ok ? '' : fifo.reason).toMatch(/FIFO/)
    if (isRoot) {
      const dev = await fs.read('/proc/config.gz')
      expect(dev).toMatchObject({ ok: false, why: 'not-regular' })
      expect(dev.ok ? '' : dev.reason).toMatch(/character device/)
    }
    // The live root follows the same rule: the host's /dev/urandom is not read either.
    const live = await createRootFs('/').read('/dev/urandom')
    expect(live).toMatchObject({ ok: false, why: 'not-regular' })
    await expect(readRegular('/dev/zero', { maxBytes: 10 })).rejects.toMatchObject({ why: 'not-regular' })
  })

  it('caps what it reads: a file over the cap is "too-large", not read whole', async () => {
    const t = makeRoot({ '/big': Buffer.alloc(70_000, 0x41) })
    try {
      const r = await createRootFs(t.root).read('/big', { maxBytes: 65_536 })
      expect(r).toMatchObject({ ok: false, why: 'too-large' })
    } finally {
      t.cleanup()
    }
  })

  it('the inspector reports each FIFO as unknown with the reason', async () => {
    const { get } = await inspectRoot(root)
    const src = get('kconfig.source')
    expect(src.status).toBe('unknown')
    expect(src.value).toMatch(new RegExp(`^no usable kernel config: .*/boot/config-${REL.replace(/\./g, '\\.')} .*FIFO`))
    expect(src.remedy?.command).toBeUndefined()
    const tried = (src.details as { tried: Array<{ path: string; result: string }> }).tried
    expect(tried.find((t) => t.path === `/boot/config-${REL}`)?.result).toMatch(/FIFO/)
    expect(tried.find((t) => t.path === '/proc/config.gz')?.result).toMatch(isRoot ? /character device/ : /missing/)
    for (const id of ['kconfig.resources', 'kconfig.storage', 'kconfig.systemd']) expect(get(id).status).toBe('unknown')
    const psi = get('psi.state')
    expect(psi.status).toBe('warn')
    expect(psi.evidence.find((e) => e.source === '/proc/pressure/memory')?.excerpt).toMatch(/FIFO/)
  })

  it('a FIFO at /proc/sys/kernel/osrelease gives an unknown release with the reason', async () => {
    const { get } = await inspectRoot(fifoRelease)
    const rel = get('kernel.release')
    expect(rel.status).toBe('unknown')
    expect(rel.value).toMatch(/FIFO/)
  })

  it('oomd: a FIFO oomd.conf is a warning, a FIFO pressure file is "not readable"', async () => {
    const cfg = await readOomdConfig(createRootFs(root))
    expect(cfg.warnings.join('\n')).toMatch(
      /\/etc\/systemd\/oomd\.conf is a FIFO \(named pipe\), not a regular file; not read, and systemd-oomd cannot use it either/
    )
    const psi = (await checkRequirements(createRootFs(root))).find((r) => r.id === 'psi')
    expect(psi?.status).toBe('fail')
    expect(psi?.value).toBe('not readable')
  })

  it('`hsc inspect` and `hsc oomd status` finish on these trees (hard 30 s deadline each)', async () => {
    for (const r of [root, fifoRelease]) {
      const inspect = await hscWithDeadline(['inspect', '--json', '--root', r])
      expect(inspect.timedOut, `hsc inspect --root ${r} hung`).toBe(false)
      expect(JSON.parse(inspect.stdout).schema).toBe(1)
      const oomd = await hscWithDeadline(['oomd', 'status', '--json', '--root', r])
      expect(oomd.timedOut, `hsc oomd status --root ${r} hung`).toBe(false)
      expect(JSON.parse(oomd.stdout).requirements.length).toBeGreaterThan(0)
    }
  }, 90_000)
})

describe('--root means that tree, links included (chroot semantics)', () => {
  let root: string
  beforeAll(() => {
    const t = makeRoot({
      '/usr/lib/os-release': fixture('os-release/centos-stream-9'),
      '/proc/sys/kernel/osrelease': REL + '\n',
      [`/usr/lib/modules/${REL}/config`]: fixture(`kernel-config/${REL}`),
      '/usr/lib/systemd/system/systemd-oomd.service': '[Service]\nExecStart=/usr/lib/systemd/systemd-oomd\n'
    })
    root = t.root
    link(root, '/etc/os-release', '/usr/lib/os-release')
    link(root, `/boot/config-${REL}`, `/usr/lib/modules/${REL}/config`)
    link(root, '/lib', 'usr/lib')
    link(root, '/loop/a', '/loop/b')
    link(root, '/loop/b', '/loop/a')
    link(root, '/escape', '../../../../../../../../etc/hostname')
    link(root, '/etc/systemd/system/multi-user.target.wants/systemd-oomd.service', '/usr/lib/systemd/system/systemd-oomd.service')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('absolute links start at the tree, ".." stops at it, 40 links at most', async () => {
    const fs = createRootFs(root)
    expect((await fs.chase('/etc/os-release')).system).toBe('/usr/lib/os-release')
    expect((await fs.chase('/escape')).system).toBe('/etc/hostname')
    expect(await fs.exists('/escape')).toBe(false)
    const loop = await fs.read('/loop/a')
    expect(loop).toMatchObject({ ok: false, why: 'loop' })
    await expect(chaseInRoot(root, '/loop/a')).rejects.toMatchObject({ code: 'ELOOP' })
  })

  it('reads the tree’s os-release and kernel config through absolute links, not the host’s', async () => {
    const { get } = await inspectRoot(root)
    expect(get('os.release').value).toMatch(/CentOS Stream 9/)
    expect(get('os.release').value).not.toMatch(/Debian/)
    const src = get('kconfig.source')
    expect(src.status).toBe('ok')
    expect(src.value).toBe(`/boot/config-${REL}`)
  })

  it('systemd .wants links resolve inside the tree', async () => {
    const fs = createRootFs(root)
    expect((await fs.chase('/etc/systemd/system/multi-user.target.wants/systemd-oomd.service')).host).toBe(
      path.join(root, 'usr/lib/systemd/system/systemd-oomd.service')
    )
    const installed = (await checkRequirements(fs)).find((r) => r.id === 'installed')
    expect(installed?.status).toBe('ok')
  })
})

describe('a directory of .repo files read in one call (tryReadTextsIn) keeps every rule of a single read', () => {
  let root: string
  beforeAll(() => {
    const t = makeRoot({
      '/etc/yum.repos.d/a.repo': '[a]\nname=A\n',
      '/etc/yum.repos.d/big.repo': 'x'.repeat(5000),
      '/srv/real/linked.repo': '[linked]\nname=Linked inside the tree\n',
      '/etc/yum.repos.d/sub/inner.repo': '[inner]\n'
    })
    root = t.root
    mkfifo(path.join(root, 'etc/yum.repos.d/fifo.repo'))
    link(root, '/etc/yum.repos.d/linked.repo', '/srv/real/linked.repo')
    link(root, '/etc/yum.repos.d/escape.repo', '../../../../../../../../etc/hostname')
    link(root, '/etc/repos-alias', '/etc/yum.repos.d')
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('reads in order; a FIFO, a directory, a missing file, a file over the cap and a bad name are undefined, at once', async () => {
    const fs = createRootFs(root)
    const names = ['a.repo', 'fifo.repo', 'sub', 'missing.repo', 'big.repo', '../a.repo', 'linked.repo', 'escape.repo']
    const texts = await fs.tryReadTextsIn('/etc/yum.repos.d', names, { maxBytes: 4096 })
    expect(texts).toEqual([
      '[a]\nname=A\n',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      // Links resolve inside the tree, as a chroot would: an absolute target starts at the root.
      '[linked]\nname=Linked inside the tree\n',
      // ".." stops at the root: /etc/hostname of the tree, which does not exist (never the host's).
      undefined
    ])
    // Each answer is the same as the one-file read gives.
    for (const [i, n] of names.entries()) if (!n.includes('/')) expect(await fs.tryReadText(`/etc/yum.repos.d/${n}`, { maxBytes: 4096 })).toBe(texts[i])
  })

  it('the directory itself is reached through links inside the tree, and a missing one gives all undefined', async () => {
    const fs = createRootFs(root)
    expect(await fs.tryReadTextsIn('/etc/repos-alias', ['a.repo'])).toEqual(['[a]\nname=A\n'])
    expect(await fs.tryReadTextsIn('/no/such/dir', ['a.repo', 'b.repo'])).toEqual([undefined, undefined])
  })
})

describe('garbage is unknown, not a verdict', () => {
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))
  const base = {
    '/etc/os-release': fixture('os-release/centos-stream-9'),
    '/proc/sys/kernel/osrelease': REL + '\n',
    '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.cgroup2].join('\n') + '\n'
  }
  const cases: Array<[string, Record<string, string | Buffer>, RegExp]> = [
    ['an empty /proc/config.gz', { '/proc/config.gz': gz('') }, /empty/],
    ['random bytes as /boot/config-R', { [`/boot/config-${REL}`]: garbage }, /binary data/],
    ['a single 10 MB line', { [`/boot/config-${REL}`]: 'x'.repeat(10 * 1024 * 1024) }, /more than/],
    ['a header and prose, no options', { [`/boot/config-${REL}`]: `#\n# Linux/x86_64 ${REL} Kernel Configuration\n#\nhello world\n` }, /no CONFIG_ lines/],
    [
      'a shell script with two CONFIG_ lines among its prose',
      { [`/boot/config-${REL}`]: `#!/bin/sh\nCONFIG_BTRFS_FS=y\n# CONFIG_PSI is not set\necho hello\nexit 0\n` },
      /2 lines that are neither CONFIG_ options nor comments, 2 options/
    ]
  ]
  for (const [name, files, why] of cases) {
    it(`kernel config: ${name} is "not a kernel config", and no group fails`, async () => {
      const t = makeRoot({ ...base, ...files })
      try {
        const { get } = await inspectRoot(t.root)
        const src = get('kconfig.source')
        expect(src.status).toBe('unknown')
        expect(JSON.stringify(src.details)).toMatch(why)
        for (const id of ['kconfig.storage', 'kconfig.resources', 'kconfig.security', 'kconfig.systemd', 'kconfig.systemd-recommended'])
          expect(get(id).status).toBe('unknown')
        expect(get('psi.state').status).not.toBe('fail')
      } finally {
        t.cleanup()
      }
    })
  }

  it('a real config is still recognised after garbage at /proc/config.gz (the lookup goes on)', async () => {
    const t = makeRoot({ ...base, '/proc/config.gz': garbage, [`/boot/config-${REL}`]: fixture(`kernel-config/${REL}`) })
    try {
      const { get } = await inspectRoot(t.root)
      expect(get('kconfig.source').value).toBe(`/boot/config-${REL}`)
      expect(JSON.stringify(get('kconfig.source').details)).toMatch(/not gzip data/)
    } finally {
      t.cleanup()
    }
  })

  it('a garbage osrelease is an unparseable release, not shown as the release', async () => {
    const t = makeRoot({ ...base, '/proc/sys/kernel/osrelease': garbage })
    try {
      const { get } = await inspectRoot(t.root)
      expect(get('kernel.release').status).toBe('unknown')
      expect(get('kernel.release').value).toMatch(/unparseable/)
    } finally {
      t.cleanup()
    }
  })

  it('random bytes in /proc/cmdline are "unparseable", for inspect and oomd alike', async () => {
    const t = makeRoot({ ...base, '/proc/cmdline': garbage })
    try {
      const { get } = await inspectRoot(t.root)
      expect(get('kernel.cmdline').status).toBe('unknown')
      expect(get('kernel.cmdline').value).toBe('/proc/cmdline unparseable')
    } finally {
      t.cleanup()
    }
  })

  it('unparseable pressure files say "unparseable", not "not readable"', async () => {
    const t = makeRoot({ ...base, '/proc/pressure/cpu': garbage, '/proc/pressure/memory': 'some 1 2 3\n', '/proc/pressure/io': 'hello\n' })
    try {
      const { get } = await inspectRoot(t.root)
      expect(get('psi.state').status).toBe('unknown')
      expect(get('psi.state').value).toMatch(/unparseable/)
      expect(get('psi.state').value).not.toMatch(/not readable/)
      const req = (await checkRequirements(createRootFs(t.root))).find((r) => r.id === 'psi')
      expect(req).toMatchObject({ status: 'unknown', value: 'unparseable' })
    } finally {
      t.cleanup()
    }
  })

  it('a binary oomd drop-in is reported, not silently ignored', async () => {
    const t = makeRoot({ '/etc/systemd/oomd.conf.d/50-junk.conf': Buffer.concat([Buffer.from('[OOM]\nSwapUsedLimit=50%\n'), garbage]) })
    try {
      const cfg = await readOomdConfig(createRootFs(t.root))
      expect(cfg.warnings.join('\n')).toMatch(/50-junk\.conf: not a text file/)
      expect(cfg.settings.SwapUsedLimit.source).toBeNull()
    } finally {
      t.cleanup()
    }
  })
})

describe('CONFIG_BTRFS_FS=m is btrfs support', () => {
  const debianish = `# Linux/x86_64 ${REL} Kernel Configuration\nCONFIG_BTRFS_FS=m\nCONFIG_CGROUPS=y\n`
  const base = { '/proc/sys/kernel/osrelease': REL + '\n', [`/boot/config-${REL}`]: debianish }
  const support = async (files: Record<string, string | Buffer>, setup?: (root: string) => void) => {
    const t = makeRoot({ ...base, ...files })
    try {
      setup?.(t.root)
      const { get } = await inspectRoot(t.root)
      return get('btrfs.kernel')
    } finally {
      t.cleanup()
    }
  }

  it('=m without btrfs.ko under the root: "module-missing" (warn), not "not available"', async () => {
    const c = await support({})
    expect(c.details?.support).toBe('module-missing')
    expect(c.status).toBe('warn')
    expect(c.value).not.toMatch(/not available/)
    expect(c.remedy?.text).toMatch(/kernel's modules/)
  })

  it('=m with btrfs.ko.xz under /usr/lib/modules reached through /lib -> usr/lib: "module-available"', async () => {
    const c = await support({ [`/usr/lib/modules/${REL}/kernel/fs/btrfs/btrfs.ko.xz`]: 'x' }, (root) => symlinkSync('usr/lib', path.join(root, 'lib')))
    expect(c.details?.support).toBe('module-available')
    expect(c.status).toBe('ok')
  })

  it('=m with the module where only modules.dep says (a kmod package path): "module-available"', async () => {
    const c = await support({
      [`/lib/modules/${REL}/modules.dep`]: 'kernel/fs/xfs/xfs.ko.xz:\nextra/kmod-btrfs/btrfs.ko: kernel/lib/zstd.ko\n',
      [`/lib/modules/${REL}/extra/kmod-btrfs/btrfs.ko`]: 'x'
    })
    expect(c.details?.support).toBe('module-available')
  })

  it('=y is built in; not set is absent; no config at all is unknown', async () => {
    expect((await support({ [`/boot/config-${REL}`]: `# Linux/x86_64 ${REL} Kernel Configuration\nCONFIG_BTRFS_FS=y\n` })).details?.support).toBe('builtin')
    expect((await support({ [`/boot/config-${REL}`]: `# Linux/x86_64 ${REL} Kernel Configuration\n# CONFIG_BTRFS_FS is not set\n` })).details?.support).toBe(
      'none'
    )
    const none = makeRoot({ '/proc/sys/kernel/osrelease': REL + '\n' })
    try {
      const { get } = await inspectRoot(none.root)
      expect(get('btrfs.kernel')).toMatchObject({ status: 'unknown', details: { support: 'unknown' } })
    } finally {
      none.cleanup()
    }
  })
})

describe('one fact, one function: inspect and oomd agree', () => {
  const hybrid = [MOUNT.xfsRoot, MOUNT.cgroupTmpfs, MOUNT.cgroupUnified, MOUNT.cgroupV1Memory].join('\n') + '\n'
  const tree = (systemdLib: string, cmdline: string) =>
    makeRoot({
      '/proc/sys/kernel/osrelease': REL + '\n',
      '/proc/self/mountinfo': hybrid,
      '/proc/cmdline': cmdline,
      [`/usr/lib/systemd/${systemdLib}`]: 'x'
    })

  it('cgroup v1 (hybrid) fails when the installed systemd no longer supports it (258+), warns otherwise, with the version as evidence', async () => {
    for (const [lib, status] of [
      ['libsystemd-shared-258.so', 'fail'],
      ['libsystemd-shared-252.so', 'warn']
    ] as const) {
      const t = tree(lib, 'BOOT_IMAGE=/vmlinuz systemd.unified_cgroup_hierarchy=0 quiet\n')
      try {
        const { get } = await inspectRoot(t.root)
        const mode = get('cgroup.mode')
        expect(mode.status).toBe(status)
        expect(mode.evidence.some((e) => e.source.endsWith(lib))).toBe(true)
        expect(mode.remedy?.command).toBe('grubby --update-kernel=ALL --remove-args=systemd.unified_cgroup_hierarchy')
        const req = (await checkRequirements(createRootFs(t.root))).find((r) => r.id === 'unified-cgroup')
        expect(req?.value).toBe(mode.details?.mode)
        expect(req?.remedy).toEqual(mode.remedy)
        if (status === 'fail') expect(req?.reason).toMatch(/systemd 258 no longer supports cgroup v1/)
      } finally {
        t.cleanup()
      }
    }
  })

  it('a quoted argument is parsed the same way by both (oomd used to split on whitespace)', async () => {
    const t = tree('libsystemd-shared-252.so', 'BOOT_IMAGE=/vmlinuz foo="a systemd.unified_cgroup_hierarchy=0 b" quiet\n')
    try {
      const { get } = await inspectRoot(t.root)
      const req = (await checkRequirements(createRootFs(t.root))).find((r) => r.id === 'unified-cgroup')
      // Inside quotes it is part of foo's value, not a parameter: neither side may read it as forcing v1.
      expect(req?.remedy?.command).toBe('grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1')
      expect(get('cgroup.mode').remedy).toEqual(req?.remedy)
    } finally {
      t.cleanup()
    }
  })

  it('PSI: the same state in both, from the same reads', async () => {
    const t = makeRoot({
      '/proc/sys/kernel/osrelease': REL + '\n',
      [`/boot/config-${REL}`]: fixture(`kernel-config/${REL}`),
      '/proc/cmdline': 'BOOT_IMAGE=/vmlinuz quiet\n'
    })
    try {
      const { get } = await inspectRoot(t.root)
      expect(get('psi.state').details?.state).toBe('off-at-boot')
      const req = (await checkRequirements(createRootFs(t.root))).find((r) => r.id === 'psi')
      expect(req).toMatchObject({ status: 'fail', value: 'off at boot' })
      expect(req?.remedy).toEqual(get('psi.state').remedy)
    } finally {
      t.cleanup()
    }
  })
})

describe('one rule for all: hsc verify reads through the same helper', () => {
  it('a FIFO image or checksum file is refused with the file type, not waited on', async () => {
    const { verifyImage } = await import('../../src/main/services/spins/verify')
    const t = makeRoot({ '/img.iso': 'data' })
    try {
      mkfifo(path.join(t.root, 'fifo.iso'))
      mkfifo(path.join(t.root, 'SHA256SUMS'))
      const img = await verifyImage({ file: path.join(t.root, 'fifo.iso'), keys: [] }).catch((e: unknown) => e)
      expect(img).toMatchObject({ name: 'FileNotReadable' })
      expect((img as Error).message).toMatch(/FIFO/)
      const sums = await verifyImage({ file: path.join(t.root, 'img.iso'), keys: [], checksum: { kind: 'path', path: path.join(t.root, 'SHA256SUMS') } }).catch(
        (e: unknown) => e
      )
      expect(sums).toMatchObject({ name: 'ChecksumReadError' })
      expect((sums as Error).message).toMatch(/FIFO/)
    } finally {
      t.cleanup()
    }
  })
})

describe('a real distribution config with CONFIG_BTRFS_FS=m (Debian 12, test/fixtures/kernel-config-module)', () => {
  const DEB = '6.1.0-57-amd64'
  const text = fixture(`kernel-config-module/${DEB}`)

  it('is recognised as a kernel config; without btrfs.ko in the tree it is module-missing, with it module-available', async () => {
    expect(text.split('\n')).toContain('CONFIG_BTRFS_FS=m')
    const bare = makeRoot({ '/proc/sys/kernel/osrelease': DEB + '\n', [`/boot/config-${DEB}`]: text })
    const withKo = makeRoot({ '/proc/sys/kernel/osrelease': DEB + '\n', [`/boot/config-${DEB}`]: text, [`/lib/modules/${DEB}/kernel/fs/btrfs/btrfs.ko`]: 'x' })
    try {
      const a = await inspectRoot(bare.root)
      expect(a.get('kconfig.source').value).toBe(`/boot/config-${DEB}`)
      expect(a.get('kconfig.storage').status).toBe('ok')
      expect(a.get('btrfs.kernel')).toMatchObject({ status: 'warn', details: { support: 'module-missing' } })
      const b = await inspectRoot(withKo.root)
      expect(b.get('btrfs.kernel')).toMatchObject({
        status: 'ok',
        details: { support: 'module-available', modulePath: `/lib/modules/${DEB}/kernel/fs/btrfs/btrfs.ko` }
      })
    } finally {
      bare.cleanup()
      withKo.cleanup()
    }
  })
})
