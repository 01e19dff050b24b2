import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIXTURES } from '../support/paths'
import { isEnabled, optionState, optionStates, parseKernelConfig } from '../../src/main/services/inspect/parsers/kernel-config'
import { parseKernelRelease } from '../../src/main/services/inspect/parsers/kernel-release'
import { parseOsRelease } from '../../src/main/services/inspect/parsers/os-release'
import { mountFor, mountOption, parseMountinfo } from '../../src/main/services/inspect/parsers/mountinfo'
import { argBool, argValue, argValues, parseCmdline } from '../../src/main/services/inspect/parsers/cmdline'
import { formatPressure, parsePressure } from '../../src/main/services/inspect/parsers/pressure'
import { parseFilesystems, parseMeminfo, parseProcCgroups, parseSwaps } from '../../src/main/services/inspect/parsers/procfs'
import {
  parseBtrfsVersion,
  parseEfiBoolVar,
  parseLibsystemdShared,
  parseSystemctlVersion,
  parseXfsReflink
} from '../../src/main/services/inspect/parsers/versions'
import { classifyOs } from '../../src/main/services/inspect/checks/os'
import { parseScheduler } from '../../src/main/services/inspect/parsers/block'
import { HYPERSCALE_GROUPS } from '../../src/main/services/inspect/checks/kconfig-options'

const read = (rel: string) => readFileSync(path.join(FIXTURES, rel), 'utf8')
const config = (name: string) => parseKernelConfig(read(`kernel-config/${name}`))

describe('kernel config fixtures (facts from test/fixtures/SOURCES.md)', () => {
  it('every fixture names its own release in the header, matching its file name', () => {
    for (const name of readdirSync(path.join(FIXTURES, 'kernel-config'))) {
      expect(config(name).headerRelease).toBe(name)
    }
  })

  it('5.14.0-580.el9 (stock CentOS Stream 9): BTRFS not set, PSI on but default-disabled, BLAKE2B and ZSTD as modules', () => {
    const c = config('5.14.0-580.el9.x86_64')
    expect(optionState(c, 'BTRFS_FS')).toMatchObject({ state: 'not-set', present: true })
    expect(optionState(c, 'PSI').state).toBe('builtin')
    expect(optionState(c, 'PSI_DEFAULT_DISABLED').state).toBe('builtin')
    expect(optionState(c, 'CGROUPS').state).toBe('builtin')
    expect(optionState(c, 'MEMCG').state).toBe('builtin')
    expect(optionState(c, 'CRYPTO_BLAKE2B').state).toBe('module')
    expect(optionState(c, 'ZSTD_COMPRESS').state).toBe('module')
    const rel = parseKernelRelease(c.headerRelease!)
    expect(rel).toMatchObject({ hyperscale: false, elMajor: 9, version: '5.14.0', arch: 'x86_64' })
  })

  it('4.18.0-553 el8_10: BTRFS not set, PSI default-disabled, BLAKE2B / ZSTD_COMPRESS have no line at all', () => {
    const c = config('4.18.0-553.51.1.el8_10.x86_64')
    expect(optionState(c, 'BTRFS_FS').state).toBe('not-set')
    expect(optionState(c, 'PSI').state).toBe('builtin')
    expect(optionState(c, 'PSI_DEFAULT_DISABLED').state).toBe('builtin')
    expect(optionState(c, 'CRYPTO_BLAKE2B')).toMatchObject({ state: 'not-set', present: false })
    expect(optionState(c, 'ZSTD_COMPRESS')).toMatchObject({ state: 'not-set', present: false })
    expect(parseKernelRelease(c.headerRelease!)).toMatchObject({ elMajor: 8, hyperscale: false })
  })

  it('6.10.9-0.hs1.hsx.el9 (Hyperscale kernel): BTRFS built in, PSI still default-disabled, a Hyperscale build by its release marker', () => {
    const c = config('6.10.9-0.hs1.hsx.el9.x86_64')
    expect(optionState(c, 'BTRFS_FS').state).toBe('builtin')
    expect(optionState(c, 'PSI').state).toBe('builtin')
    expect(optionState(c, 'PSI_DEFAULT_DISABLED').state).toBe('builtin')
    expect(optionState(c, 'CRYPTO_BLAKE2B').state).toBe('builtin')
    expect(optionState(c, 'ZSTD_COMPRESS').state).toBe('builtin')
    expect(parseKernelRelease(c.headerRelease!)).toMatchObject({ hyperscale: true, hyperscaleMarkers: ['hsx'], elMajor: 9 })
  })

  it('6.14.4-300.fc42 (Fedora): BTRFS built in, PSI on by default', () => {
    const c = config('6.14.4-300.fc42.x86_64')
    expect(optionState(c, 'BTRFS_FS').state).toBe('builtin')
    expect(optionState(c, 'PSI').state).toBe('builtin')
    expect(optionState(c, 'PSI_DEFAULT_DISABLED')).toMatchObject({ state: 'not-set', present: true })
    expect(parseKernelRelease(c.headerRelease!)).toMatchObject({ fedora: 42, hyperscale: false })
  })

  it('6.12.0-77.el10 (stock CentOS Stream 10): BTRFS not set, PSI default-disabled', () => {
    const c = config('6.12.0-77.el10.x86_64')
    expect(optionState(c, 'BTRFS_FS').state).toBe('not-set')
    expect(optionState(c, 'PSI_DEFAULT_DISABLED').state).toBe('builtin')
    expect(parseKernelRelease(c.headerRelease!)).toMatchObject({ elMajor: 10, hyperscale: false })
  })

  it('matches an independent grep of each option line in every fixture', () => {
    const names = [...new Set(HYPERSCALE_GROUPS.flatMap((g) => g.options.map((o) => o.name)))]
    for (const file of readdirSync(path.join(FIXTURES, 'kernel-config'))) {
      const text = read(`kernel-config/${file}`)
      const c = parseKernelConfig(text)
      for (const name of names) {
        const set = text.split('\n').find((l) => l.startsWith(`CONFIG_${name}=`))
        const off = text.split('\n').includes(`# CONFIG_${name} is not set`)
        const o = optionState(c, name)
        if (set) expect(o.raw, `${file} ${name}`).toBe(set.slice(`CONFIG_${name}=`.length))
        else expect(o.state, `${file} ${name}`).toBe('not-set')
        expect(o.present, `${file} ${name}`).toBe(Boolean(set) || off)
      }
    }
  })

  it('looks many options up in one pass with the answers of one lookup each', () => {
    const names = [
      ...new Set(HYPERSCALE_GROUPS.flatMap((g) => g.options.map((o) => o.name))),
      'PSI',
      'PSI_DEFAULT_DISABLED',
      'LSM',
      'HZ',
      'NO_SUCH_OPTION',
      'H.',
      'A|B'
    ]
    const texts = readdirSync(path.join(FIXTURES, 'kernel-config')).map((f) => read(`kernel-config/${f}`))
    // Both kinds of line for one option, in both orders, a name that is the start of another, repeats.
    texts.push(
      'CONFIG_PSI=y\n# CONFIG_PSI is not set\n# CONFIG_LSM is not set\nCONFIG_LSM="a"\nCONFIG_HZ=250\nCONFIG_HZ=1000\n# CONFIG_PSI_DEFAULT_DISABLED is not set\n'
    )
    for (const text of texts) {
      const one = parseKernelConfig(text)
      const many = parseKernelConfig(text)
      const batch = optionStates(many, [...names, 'PSI'])
      expect(batch.slice(0, names.length)).toEqual(names.map((n) => optionState(one, n)))
      expect(batch.at(-1)).toEqual(optionState(one, 'PSI'))
      // Later single lookups agree too (they are answered from the pass).
      for (const n of names) expect(optionState(many, n)).toEqual(optionState(one, n))
    }
    const mixed = parseKernelConfig(texts.at(-1)!)
    expect(optionStates(mixed, ['PSI', 'LSM', 'HZ', 'PSI_DEFAULT_DISABLED'])).toEqual([
      { name: 'PSI', state: 'builtin', raw: 'y', present: true },
      { name: 'LSM', state: 'value', raw: '"a"', present: true },
      { name: 'HZ', state: 'value', raw: '1000', present: true },
      { name: 'PSI_DEFAULT_DISABLED', state: 'not-set', present: true }
    ])
    expect(optionStates(undefined, ['PSI'])).toEqual([{ name: 'PSI', state: 'unknown', present: false }])
  })

  it('reads the last line of an option, trims lines, and finds nothing for a name that is not one', () => {
    const c = parseKernelConfig('CONFIG_HZ=250\n  CONFIG_HZ=1000  \r\n# CONFIG_PSI is not set\r\n\tCONFIG_LSM="a,b"\n')
    expect(optionState(c, 'HZ')).toMatchObject({ state: 'value', raw: '1000', present: true })
    expect(optionState(c, 'PSI')).toMatchObject({ state: 'not-set', present: true })
    expect(optionState(c, 'LSM')).toMatchObject({ state: 'value', raw: '"a,b"' })
    // Part of a name, or a pattern, is not an option of this config.
    expect(optionState(c, 'H')).toMatchObject({ state: 'not-set', present: false })
    expect(optionState(c, 'H.')).toMatchObject({ state: 'not-set', present: false })
    expect(optionState(c, 'HZ=1000\nCONFIG_X')).toMatchObject({ state: 'not-set', present: false })
    expect(c.otherLines).toBe(0)
    expect(c.optionLines).toBe(4)
    expect(parseKernelConfig('hello\n CONFIG_X=y\nCONFIG_Y\n#x\n\n').otherLines).toBe(1)
    // Lines end at \n only (not at a \r or U+2028 inside one); every blank trim() removes is trimmed.
    const odd = parseKernelConfig('CONFIG_A=y\u2028CONFIG_B=y\nCONFIG_C=m\u2003\n# Linux/x86_64 6.1 Kernel Configuration\u3000\n')
    expect(optionState(odd, 'B').present).toBe(false)
    expect(optionState(odd, 'C')).toMatchObject({ state: 'module', raw: 'm' })
    expect(odd.headerRelease).toBe('6.1')
    expect(odd.optionLines).toBe(2)
  })

  it('handles string values and a missing config', () => {
    const c = parseKernelConfig('CONFIG_UEVENT_HELPER_PATH=""\nCONFIG_LSM="lockdown,yama"\nCONFIG_HZ=1000\n')
    expect(optionState(c, 'UEVENT_HELPER_PATH')).toMatchObject({ state: 'value', raw: '""' })
    expect(optionState(c, 'HZ')).toMatchObject({ state: 'value', raw: '1000' })
    expect(optionState(undefined, 'BTRFS_FS').state).toBe('unknown')
    expect(isEnabled(optionState(undefined, 'BTRFS_FS'))).toBe(false)
  })
})

describe('kernel release markers', () => {
  it('recognises every Hyperscale marker and nothing else', () => {
    expect(parseKernelRelease('6.16.4-0.hs1.hsk.el10')).toMatchObject({ hyperscale: true, hyperscaleMarkers: ['hsk'], elMajor: 10, version: '6.16.4' })
    expect(parseKernelRelease('6.4.3-0.hs1.hs+fb.el9.x86_64').hyperscaleMarkers).toEqual(['hs+fb'])
    expect(parseKernelRelease('6.6.0-0.hs1.hs+intel.el9.aarch64').hyperscaleMarkers).toEqual(['hs+intel'])
    expect(parseKernelRelease('6.9.0-1.hs+asahi.el9.aarch64').hyperscaleMarkers).toEqual(['hs+asahi'])
    expect(parseKernelRelease('5.14.0-1.hs.el9').hyperscaleMarkers).toEqual(['hs'])
    expect(parseKernelRelease('5.14.0-580.el9').hyperscale).toBe(false)
    // The SIG's "hs1" counter and look-alike local versions are not markers.
    expect(parseKernelRelease('6.1.0-hs1.el9').hyperscale).toBe(false)
    expect(parseKernelRelease('6.1.0-1.hsfoo.el9').hyperscale).toBe(false)
    expect(parseKernelRelease('6.18.44-fc-v657')).toMatchObject({ hyperscale: false, fedora: undefined, elMajor: undefined })
  })
})

describe('os-release fixtures', () => {
  const os = (name: string) => parseOsRelease(read(`os-release/${name}`))
  it('classifies CentOS Stream 8/9/10, other EL and Fedora', () => {
    expect(classifyOs(os('centos-stream-8'))).toMatchObject({ family: 'centos-stream', major: 8 })
    expect(classifyOs(os('centos-stream-9'))).toMatchObject({ family: 'centos-stream', major: 9 })
    expect(classifyOs(os('centos-stream-10'))).toMatchObject({ family: 'centos-stream', major: 10 })
    expect(classifyOs(os('rocky-9'))).toMatchObject({ family: 'el', major: 9 })
    expect(classifyOs(os('rhel-9'))).toMatchObject({ family: 'el', major: 9 })
    expect(classifyOs(os('fedora-42'))).toMatchObject({ family: 'fedora', major: 42 })
  })
  it('reads quoted and unquoted values, and the lines after rhel-9 blank line', () => {
    expect(os('fedora-42')).toMatchObject({ ID: 'fedora', VERSION_ID: '42', VERSION_CODENAME: '', SUPPORT_END: '2026-05-13' })
    expect(os('rhel-9')).toMatchObject({ ID: 'rhel', REDHAT_SUPPORT_PRODUCT_VERSION: '9.6' })
    expect(os('rocky-9').ID_LIKE).toBe('rhel centos fedora')
  })
  it('detects a Hyperscale spin by VARIANT_ID (no real spin os-release exists in the fixtures: derived from centos-stream-9)', () => {
    const spin = parseOsRelease(read('os-release/centos-stream-9') + 'VARIANT="Hyperscale Workstation"\nVARIANT_ID=hyperscale-workstation\n')
    expect(classifyOs(spin)).toMatchObject({ family: 'centos-stream', hyperscaleSpin: true })
    expect(classifyOs(os('centos-stream-9')).hyperscaleSpin).toBe(false)
  })
})

describe('block queue scheduler', () => {
  it('names the bracketed scheduler active; brackets with nothing in them are a name, not a choice', () => {
    expect(parseScheduler('none [mq-deadline] kyber bfq\n')).toEqual({ active: 'mq-deadline', available: ['none', 'mq-deadline', 'kyber', 'bfq'] })
    expect(parseScheduler('[none] mq-deadline')).toEqual({ active: 'none', available: ['none', 'mq-deadline'] })
    expect(parseScheduler('none []')).toEqual({ active: undefined, available: ['none', '[]'] })
    expect(parseScheduler('')).toEqual({ active: undefined, available: [] })
  })
})

describe('os-release lines', () => {
  it('unescapes quoted values, keeps "=" inside a value and skips lines that are no assignment', () => {
    const os = parseOsRelease(
      [
        'NAME="Say \\"hi\\" \\$HOME \\`x\\` \\\\"',
        "PLAIN='single'",
        'HOME_URL=https://example.org/?a=b',
        'BAD-KEY=x',
        '=nokey',
        'no assignment',
        '  # comment',
        'EMPTY=',
        'LONE="',
        'KEEP=\\n'
      ].join('\n')
    )
    expect(os).toEqual({ NAME: 'Say "hi" $HOME `x` \\', PLAIN: 'single', HOME_URL: 'https://example.org/?a=b', EMPTY: '', LONE: '"', KEEP: '\\n' })
  })
})

describe('mountinfo', () => {
  const mounts = parseMountinfo(read('proc/mountinfo-fedora-btrfs-excerpt'))
  it('reads both btrfs lines of the Fedora excerpt with subvolume and compression', () => {
    expect(mounts.map((m) => [m.mountPoint, m.fsType, m.source, m.root])).toEqual([
      ['/', 'btrfs', '/dev/dasda2', '/root'],
      ['/home', 'btrfs', '/dev/dasda2', '/home']
    ])
    expect(mounts.map((m) => [mountOption(m, 'subvol'), mountOption(m, 'compress'), mountOption(m, 'ssd')])).toEqual([
      ['/root', 'zstd:1', true],
      ['/home', 'zstd:1', true]
    ])
  })
  it('finds the mount holding a path', () => {
    expect(mountFor(mounts, '/home/alice/x')?.mountPoint).toBe('/home')
    expect(mountFor(mounts, '/homework')?.mountPoint).toBe('/')
    expect(mountFor(mounts, '/var/cache/dnf')?.mountPoint).toBe('/')
  })
  it('decodes octal escapes and optional fields', () => {
    const [m] = parseMountinfo('40 1 8:1 / /mnt/my\\040disk rw,relatime shared:3 master:1 - ext4 /dev/sda1 rw\n')
    expect(m).toMatchObject({ mountPoint: '/mnt/my disk', fsType: 'ext4', source: '/dev/sda1' })
  })
})

describe('kernel command line', () => {
  it('splits a command line exactly as a character-by-character reading of the kernel rules does', () => {
    // The reference: whitespace separates outside quotes, quotes group and are dropped, "" is an empty word.
    const reference = (text: string): string[] => {
      const words: string[] = []
      let cur = ''
      let quoted = false
      let has = false
      for (const ch of text.trim()) {
        if (ch === '"') {
          quoted = !quoted
          has = true
        } else if (!quoted && /\s/.test(ch)) {
          if (has) words.push(cur)
          cur = ''
          has = false
        } else {
          cur += ch
          has = true
        }
      }
      if (has) words.push(cur)
      return words
    }
    const alphabet = ['a', 'b', '=', '"', ' ', '\t', '\n', '-', '\u00a0', 'é', '\u{1F600}', '\u2028']
    let seed = 7
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const cases = ['', '   ', '""', 'a""b', 'x="a b" y', 'a "unclosed rest', 'root=UUID=1 ro -- init "arg x"', 'a\u00a0b']
    for (let i = 0; i < 3000; i++) cases.push(Array.from({ length: rand(14) }, () => alphabet[rand(alphabet.length)]).join(''))
    cases.push('a "--" b', '-- only init', 'k=v --')
    for (const t of cases) {
      const ref = reference(t)
      const sep = ref.indexOf('--')
      const kernel = (sep >= 0 ? ref.slice(0, sep) : ref).map((w) =>
        w.includes('=') ? { key: w.slice(0, w.indexOf('=')), value: w.slice(w.indexOf('=') + 1) } : { key: w }
      )
      expect(parseCmdline(t), JSON.stringify(t)).toEqual({ kernel, init: sep >= 0 ? ref.slice(sep + 1) : [] })
    }
  })

  it('splits quoted values and stops kernel parameters at "--"', () => {
    const c = parseCmdline('BOOT_IMAGE=/vmlinuz ro psi=1 cgroup_disable=memory cgroup_disable=io foo="a b" quiet -- --init-arg psi=0\n')
    expect(argValue(c.kernel, 'psi')).toBe('1')
    expect(argValues(c.kernel, 'cgroup_disable')).toEqual(['memory', 'io'])
    expect(argValue(c.kernel, 'foo')).toBe('a b')
    expect(argValue(c.kernel, 'quiet')).toBe('')
    expect(argValue(c.kernel, 'missing')).toBeUndefined()
    expect(c.init).toEqual(['--init-arg', 'psi=0'])
    expect([argBool('1'), argBool('0'), argBool(''), argBool('maybe')]).toEqual([true, false, true, undefined])
  })
})

describe('pressure files', () => {
  // The format documented in the kernel's Documentation/accounting/psi.rst.
  const memory = 'some avg10=0.00 avg60=0.12 avg300=1.50 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.25 total=6543\n'
  it('parses some and full lines', () => {
    const p = parsePressure(memory)
    expect(p.some).toEqual({ avg10: 0, avg60: 0.12, avg300: 1.5, total: 123456 })
    expect(p.full?.avg300).toBe(0.25)
    expect(formatPressure(p)).toBe('some 0.00/0.12/1.50, full 0.00/0.00/0.25')
  })
  it('accepts a cpu file without a full line (before Linux 5.13)', () => {
    expect(parsePressure('some avg10=2.04 avg60=0.75 avg300=0.40 total=157656722\n').full).toBeUndefined()
  })
  it('rejects garbage with a clear error', () => {
    expect(() => parsePressure('', '/proc/pressure/io')).toThrow(/no "some" line/)
    expect(() => parsePressure('some avg10=x\n', '/proc/pressure/io')).toThrow(/unexpected line in \/proc\/pressure\/io/)
  })
})

describe('proc tables and tool output', () => {
  it('parses /proc/swaps with zram and file swap', () => {
    const s = parseSwaps(
      'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t8388604\t\t1024\t\t100\n/swap\\040file                               file\t\t1048572\t\t0\t\t-2\n'
    )
    expect(s).toEqual([
      { filename: '/dev/zram0', type: 'partition', sizeKiB: 8388604, usedKiB: 1024, priority: 100, zram: true },
      { filename: '/swap file', type: 'file', sizeKiB: 1048572, usedKiB: 0, priority: -2, zram: false }
    ])
  })
  it('parses meminfo, /proc/cgroups and /proc/filesystems', () => {
    expect(parseMeminfo('MemTotal:       24684092 kB\nSwapTotal:             0 kB\nHugePages_Total:       0\n')).toEqual({
      MemTotal: 24684092,
      SwapTotal: 0,
      HugePages_Total: 0
    })
    // The hand scan takes exactly the lines /^([A-Za-z0-9_()]+):\s+(\d+)/ takes (its former pattern).
    const lines = 'Active(anon):   123 kB\nBad Key: 1\nNoSpace:1\nEmpty:   \n Lead: 5\nTrail: 12abc\nTab:\t7 kB\n:  9\nLast:  42'
    const byPattern: Record<string, number> = {}
    for (const line of lines.split('\n')) {
      const m = /^([A-Za-z0-9_()]+):\s+(\d+)/.exec(line)
      if (m) byPattern[m[1]] = Number(m[2])
    }
    expect(parseMeminfo(lines)).toEqual(byPattern)
    expect(parseMeminfo(lines)).toEqual({ 'Active(anon)': 123, Trail: 12, Tab: 7, Last: 42 })
    expect(parseMeminfo(readFileSync('/proc/meminfo', 'utf8')).MemTotal).toBeGreaterThan(0)
    expect(parseProcCgroups('#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t1\t1\nmemory\t0\t50\t0\n')).toEqual([
      { name: 'cpuset', hierarchy: 0, numCgroups: 1, enabled: true },
      { name: 'memory', hierarchy: 0, numCgroups: 50, enabled: false }
    ])
    expect(parseFilesystems('nodev\tsysfs\n\text4\n\tbtrfs\n')).toEqual([
      { name: 'sysfs', nodev: true },
      { name: 'ext4', nodev: false },
      { name: 'btrfs', nodev: false }
    ])
  })
  it('reads versions from systemctl, the systemd library name, btrfs and xfs_info', () => {
    expect(parseSystemctlVersion('systemd 252 (252.39-1~deb12u2)\n+PAM +AUDIT\n')).toEqual({ major: 252, full: '252.39-1~deb12u2' })
    expect(parseLibsystemdShared('libsystemd-shared-252.so')).toEqual({ major: 252, full: '252' })
    expect(parseLibsystemdShared('libsystemd-shared-256.11-1.fc41.so')).toEqual({ major: 256, full: '256.11-1.fc41' })
    expect(parseLibsystemdShared('libsystemd-core-252.so')).toBeUndefined()
    expect(parseBtrfsVersion('btrfs-progs v6.6.3\n-EXPERIMENTAL -INJECT\n')).toBe('6.6.3')
    expect(
      parseXfsReflink(
        '         =                       crc=1        finobt=1, sparse=1, rmapbt=0\n         =                       reflink=1    bigtime=1 inobtcount=1\n'
      )
    ).toBe(true)
    expect(parseXfsReflink('reflink=0')).toBe(false)
  })
  it('reads an efivar boolean after its 4-byte attribute word', () => {
    expect(parseEfiBoolVar(Buffer.from([6, 0, 0, 0, 1]))).toBe(true)
    expect(parseEfiBoolVar(Buffer.from([6, 0, 0, 0, 0]))).toBe(false)
    expect(parseEfiBoolVar(Buffer.from([6, 0, 0, 0]))).toBeUndefined()
  })
})
