import { mkdirSync, rmSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspectRoot, makeRoot } from './fixture-root'

/**
 * The operator checks on crafted trees. File formats follow the kernel's documentation
 * (Documentation/admin-guide/cgroup-v2.rst for io.cost.qos/io.cost.model/io.max,
 * Documentation/block/queue-sysfs.rst for scheduler/wbt_lat_usec/rotational) and real
 * outputs: mountinfo lines from a Fedora btrfs install, /sys/kernel/security/lsm of a
 * CentOS Stream 9 machine.
 */

const REL = '6.12.0-77.el10.x86_64'
const NVME = '259:0'
const CONFIG = `# Linux/x86_64 ${REL} Kernel Configuration
CONFIG_CGROUPS=y
CONFIG_BLK_CGROUP_IOCOST=y
CONFIG_BLK_DEV_THROTTLING=y
# CONFIG_BLK_CGROUP_IOLATENCY is not set
CONFIG_BPF_LSM=y
CONFIG_DEBUG_INFO_BTF=y
CONFIG_LSM="lockdown,yama,integrity,selinux,bpf,landlock,ipe"
`
const btrfsLine = (opts: string) => `71 1 0:33 /root / rw,relatime shared:1 - btrfs /dev/nvme0n1p3 rw,seclabel,${opts},subvolid=256,subvol=/root`
const cgroup2 = (recursive: boolean) =>
  `35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,seclabel,nsdelegate${recursive ? ',memory_recursiveprot' : ''}`

function tree(opts: { recursive: boolean; btrfsOpts: string; scheduler: string; wbt: string; ioMax?: string; lsm: string; swapKiB: number; iocost: boolean }) {
  const t = makeRoot({
    '/proc/sys/kernel/osrelease': REL + '\n',
    [`/boot/config-${REL}`]: CONFIG,
    '/proc/self/mountinfo': [btrfsLine(opts.btrfsOpts), cgroup2(opts.recursive)].join('\n') + '\n',
    '/proc/meminfo': 'MemTotal:       32768000 kB\nMemFree:        1000000 kB\n',
    '/proc/swaps':
      'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' +
      (opts.swapKiB ? `/dev/zram0                              partition\t${opts.swapKiB}\t\t0\t\t100\n` : ''),
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
    '/sys/fs/cgroup/io.cost.qos': opts.iocost ? `${NVME} enable=1 ctrl=auto rpct=0.00 rlat=250000 wpct=0.00 wlat=250000 min=1.00 max=10000.00\n` : '',
    '/sys/fs/cgroup/io.cost.model': opts.iocost
      ? `${NVME} ctrl=auto model=linear rbps=2706339840 rseqiops=89698 rrandiops=110036 wbps=1063126016 wseqiops=135560 wrandiops=130734\n`
      : '',
    '/sys/fs/cgroup/system.slice/io.max': opts.ioMax ?? '',
    '/sys/block/nvme0n1/dev': NVME + '\n',
    '/sys/block/nvme0n1/queue/scheduler': opts.scheduler + '\n',
    '/sys/block/nvme0n1/queue/wbt_lat_usec': opts.wbt + '\n',
    '/sys/block/nvme0n1/queue/rotational': '0\n',
    '/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p3/partition': '3\n',
    '/sys/kernel/security/lsm': opts.lsm
  })
  // sysfs links the way the kernel makes them: relative, through /sys/devices.
  mkdirSync(path.join(t.root, 'sys/class/block'), { recursive: true })
  symlinkSync('../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p3', path.join(t.root, 'sys/class/block/nvme0n1p3'))
  mkdirSync(path.join(t.root, 'sys/block/loop0/queue'), { recursive: true })
  return t
}

describe('a tuned Hyperscale-style machine', () => {
  let t: ReturnType<typeof tree>
  beforeAll(() => {
    t = tree({
      recursive: true,
      btrfsOpts: 'compress=zstd:1,ssd,discard=async,space_cache=v2',
      scheduler: '[none] mq-deadline kyber bfq',
      wbt: '0',
      lsm: 'lockdown,capability,yama,selinux,bpf,landlock',
      swapKiB: 16 * 1024 * 1024,
      iocost: true
    })
  })
  afterAll(() => t.cleanup())

  it('every operator check is ok, with evidence', async () => {
    const { get } = await inspectRoot(t.root)
    for (const id of ['io.controller', 'io.cost', 'io.throttle', 'io.wbt', 'io.scheduler', 'btrfs.options', 'swap.size', 'cgroup.recursiveprot', 'bpf.lsm']) {
      expect(get(id).status, `${id}: ${get(id).value}`).toBe('ok')
      expect(get(id).evidence.length).toBeGreaterThan(0)
    }
    expect(get('io.cost').value).toBe(`enabled on ${NVME}, model linear`)
    expect(get('io.scheduler').details?.devices).toEqual([
      { name: 'nvme0n1', active: 'none', available: ['none', 'mq-deadline', 'kyber', 'bfq'], rotational: false, iocost: true }
    ])
    expect((get('btrfs.options').details?.filesystems as Array<{ ssd: boolean }>)[0]).toMatchObject({
      ssd: true,
      discard: 'async',
      spaceCache: 'v2',
      compression: 'zstd:1'
    })
    expect(get('systemd.taint')).toMatchObject({ status: 'unknown', notApplicable: true })
  })
})

describe('a machine that fights its own IO controller', () => {
  let t: ReturnType<typeof tree>
  beforeAll(() => {
    t = tree({
      recursive: false,
      btrfsOpts: 'ssd,discard,space_cache',
      scheduler: 'none mq-deadline kyber [bfq]',
      wbt: '2000',
      ioMax: `${NVME} rbps=1048576 wbps=max riops=max wiops=max\n`,
      lsm: 'lockdown,capability,yama,selinux',
      swapKiB: 0,
      iocost: true
    })
  })
  afterAll(() => t.cleanup())

  it('warns, per problem, with a remedy naming the device and the command', async () => {
    const { get } = await inspectRoot(t.root)
    expect(get('io.throttle')).toMatchObject({ status: 'warn', details: { configured: ['/sys/fs/cgroup/system.slice/io.max'] } })
    expect(get('io.wbt').status).toBe('warn')
    expect(get('io.wbt').remedy?.command).toBe('echo 0 > /sys/block/nvme0n1/queue/wbt_lat_usec')
    expect(get('io.scheduler').status).toBe('warn')
    expect(get('io.scheduler').remedy?.command).toBe('echo mq-deadline > /sys/block/nvme0n1/queue/scheduler')
    const b = get('btrfs.options')
    expect(b.status).toBe('warn')
    expect(b.value).toMatch(/synchronous discard on an SSD.*space_cache v1.*no compression/)
    expect(get('swap.size')).toMatchObject({ status: 'warn', details: { swapBytes: 0, recommendedBytes: Math.round((32768000 * 1024) / 3) } })
    expect(get('cgroup.recursiveprot')).toMatchObject({ status: 'warn', remedy: { command: 'mount -o remount,memory_recursiveprot /sys/fs/cgroup' } })
    const lsm = get('bpf.lsm')
    expect(lsm.status).toBe('warn')
    expect(lsm.value).toMatch(/bpf not in the active LSM list/)
    expect(lsm.remedy?.command).toBe('grubby --update-kernel=ALL --args=lsm=lockdown,capability,yama,selinux,bpf')
  })
})

describe('no securityfs and no lsm= on the command line', () => {
  it('takes the active LSMs from CONFIG_LSM, without its quotes', async () => {
    const t = tree({ recursive: true, btrfsOpts: 'compress=zstd:1', scheduler: '[none]', wbt: '0', lsm: '', swapKiB: 0, iocost: false })
    rmSync(path.join(t.root, 'sys/kernel/security/lsm'))
    try {
      const { get } = await inspectRoot(t.root)
      expect(get('bpf.lsm').details).toMatchObject({
        activeLsms: ['lockdown', 'yama', 'integrity', 'selinux', 'bpf', 'landlock', 'ipe'],
        activeFrom: 'CONFIG_LSM (no lsm= and securityfs not readable)'
      })
      expect(get('bpf.lsm').status).toBe('ok')
    } finally {
      t.cleanup()
    }
  })
})

describe('iocost built but unused, and no disks to judge', () => {
  it('says which device to enable it on; with no disks, WBT and scheduler are unknown', async () => {
    const t = tree({
      recursive: true,
      btrfsOpts: 'compress=zstd:1,ssd,discard=async,space_cache=v2',
      scheduler: '[mq-deadline] none',
      wbt: '75000',
      lsm: 'bpf',
      swapKiB: 12 * 1024 * 1024,
      iocost: false
    })
    try {
      const { get } = await inspectRoot(t.root)
      expect(get('io.cost')).toMatchObject({
        status: 'warn',
        value: 'built in, but enabled on no device',
        remedy: { command: `echo "${NVME} enable=1" > /sys/fs/cgroup/io.cost.qos` }
      })
      // WBT on a disk that iocost does not manage is not a problem.
      expect(get('io.wbt').status).toBe('ok')
    } finally {
      t.cleanup()
    }
    const bare = makeRoot({ '/proc/sys/kernel/osrelease': REL + '\n' })
    try {
      const { get } = await inspectRoot(bare.root)
      for (const id of ['io.wbt', 'io.scheduler', 'io.cost', 'swap.size', 'bpf.lsm', 'cgroup.recursiveprot']) expect(get(id).status, id).toBe('unknown')
    } finally {
      bare.cleanup()
    }
  })
})
