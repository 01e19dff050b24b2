import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { FIXTURES } from '../support/paths'

/**
 * Fixture system trees for fleet tests, built from the committed fixtures (test/fixtures):
 * real CentOS Stream 9 os-release, real kernel configs, the real Hyperscale hs.repo.
 */

const fixture = (rel: string): string => readFileSync(path.join(FIXTURES, rel), 'utf8')

/** mountinfo lines in the kernel's format (proc(5)). */
const MOUNT = {
  cgroup2: '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,seclabel,nsdelegate,memory_recursiveprot',
  xfsRoot: '23 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/cs-root rw,seclabel,attr2,inode64,logbufs=8,logbsize=32k,noquota'
}

/** A file tree under a tmp dir; keys are system paths, values file contents. */
function makeRoot(files: Record<string, string>): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hsc-fleet-root-'))
  for (const [p, content] of Object.entries(files)) {
    const full = path.join(root, p)
    mkdirSync(path.dirname(full), { recursive: true })
    writeFileSync(full, content)
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

export const PRESSURE = {
  cpu: 'some avg10=1.25 avg60=0.50 avg300=0.10 total=4242\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  memory: 'some avg10=3.10 avg60=2.20 avg300=1.30 total=98765\nfull avg10=1.00 avg60=0.75 avg300=0.50 total=1234\n',
  io: 'some avg10=0.00 avg60=0.08 avg300=0.12 total=555\nfull avg10=0.00 avg60=0.08 avg300=0.10 total=444\n'
}

/** Stock CentOS Stream 9: stock kernel, PSI compiled in but off at boot (no psi=1), XFS root. */
export function stockRoot(hostname: string): { root: string; cleanup: () => void } {
  const R = '5.14.0-580.el9.x86_64'
  return makeRoot({
    '/etc/hostname': hostname + '\n',
    '/etc/os-release': fixture('os-release/centos-stream-9'),
    '/proc/sys/kernel/osrelease': R + '\n',
    [`/boot/config-${R}`]: fixture(`kernel-config/${R}`),
    '/proc/cmdline': `BOOT_IMAGE=(hd0,gpt2)/vmlinuz-${R} root=/dev/mapper/cs-root ro rhgb quiet\n`,
    '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.cgroup2].join('\n') + '\n',
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
    '/proc/filesystems': 'nodev\tsysfs\nnodev\ttmpfs\n\txfs\n',
    '/sys/fs/selinux/enforce': '1',
    '/usr/lib64/systemd/libsystemd-shared-252-51.el9.so': ''
  })
}

/** CentOS Stream 9 converted to Hyperscale: hsx kernel, psi=1, PSI readable, the Hyperscale repos configured. */
export function hyperscaleRoot(hostname: string): { root: string; cleanup: () => void } {
  const R = '6.10.9-0.hs1.hsx.el9.x86_64'
  return makeRoot({
    '/etc/hostname': hostname + '\n',
    '/etc/os-release': fixture('os-release/centos-stream-9'),
    '/proc/sys/kernel/osrelease': R + '\n',
    [`/boot/config-${R}`]: fixture(`kernel-config/${R}`),
    '/proc/cmdline': `BOOT_IMAGE=(hd0,gpt2)/vmlinuz-${R} root=/dev/mapper/cs-root ro psi=1 rhgb quiet\n`,
    '/proc/self/mountinfo': [MOUNT.xfsRoot, MOUNT.cgroup2].join('\n') + '\n',
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
    '/proc/filesystems': 'nodev\tsysfs\nnodev\ttmpfs\n\txfs\n\tbtrfs\n',
    '/proc/pressure/cpu': PRESSURE.cpu,
    '/proc/pressure/memory': PRESSURE.memory,
    '/proc/pressure/io': PRESSURE.io,
    '/sys/fs/selinux/enforce': '1',
    '/usr/lib64/systemd/libsystemd-shared-252-51.el9.so': '',
    '/etc/yum.repos.d/hs.repo': fixture('yum.repos.d/hyperscale-el9/hs.repo')
  })
}
