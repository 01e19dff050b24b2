// The report's own words stay within Latin-1 (system/facts/text.ts CUT): one character beyond
// it makes the whole JSON a two-byte string, twice the memory and slower to write out (#15).
// Inputs here are ASCII, with every cut the report makes: a long file excerpt, a long kernel
// command line, an unparseable file's preview, a stock machine's conversion remedy.
import { afterAll, describe, expect, it } from 'vitest'
import { MOUNT, fixture, inspectRoot, makeRoot } from './fixture-root'

const R = '5.14.0-580.el9.x86_64'
const made = makeRoot({
  '/etc/os-release': fixture('os-release/centos-stream-9') + Array.from({ length: 20 }, (_, i) => `EXTRA_${i}=x`).join('\n') + '\n',
  '/proc/sys/kernel/osrelease': R + '\n',
  [`/boot/config-${R}`]: fixture(`kernel-config/${R}`),
  '/proc/cmdline': `BOOT_IMAGE=/vmlinuz-${R} root=/dev/vda1 ro ${'quiet '.repeat(300)}\n`,
  '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.cgroup2].join('\n') + '\n',
  '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
  '/proc/pressure/cpu': 'not pressure at all\n',
  '/proc/filesystems': 'nodev\tsysfs\nnodev\ttmpfs\n\txfs\n'
})
afterAll(() => made.cleanup())

describe('the report of ASCII inputs', async () => {
  const { report } = await inspectRoot(made.root)
  const json = JSON.stringify(report, null, 2)

  it('makes its cuts', () => {
    expect(json).toMatch(/\.\.\. \(\d+ more lines\)/)
    expect(report.checks.find((c) => c.id === 'kernel.cmdline')?.evidence[0].excerpt).toMatch(/quiet \.\.\.$/)
    expect(json).toContain('unparseable')
  })

  it('is Latin-1 throughout, so its JSON is a one-byte string', () => {
    const beyond = [...json].map((ch, i) => [ch, i] as const).filter(([ch]) => ch.charCodeAt(0) > 0xff)
    expect(beyond.map(([ch, i]) => `${JSON.stringify(ch)} at ${i}: ${json.slice(Math.max(0, i - 60), i + 10)}`)).toEqual([])
  })
})
