/**
 * The kernel options the inspector reports, grouped by purpose. `want`: "on" (y or m),
 * "off" (not set), "empty" (a string option that must be ""), "info" (shown, never judged).
 * `miss` is the status when the wish is not met.
 */
export interface OptionSpec {
  name: string
  want: 'on' | 'off' | 'empty' | 'info'
  miss?: 'warn' | 'fail'
  why: string
}

export interface OptionGroup {
  id: string
  title: string
  options: OptionSpec[]
}

export const HYPERSCALE_GROUPS: OptionGroup[] = [
  {
    id: 'kconfig.storage',
    title: 'Kernel config: storage and compression',
    options: [
      { name: 'BTRFS_FS', want: 'on', miss: 'warn', why: 'btrfs filesystems (stock CentOS Stream kernels leave it out)' },
      { name: 'ZSTD_COMPRESS', want: 'on', miss: 'warn', why: 'zstd compression for btrfs and zram' },
      { name: 'CRYPTO_BLAKE2B', want: 'info', why: 'BLAKE2b checksums for btrfs (mkfs.btrfs --csum blake2)' },
      { name: 'ZRAM', want: 'on', miss: 'warn', why: 'compressed swap in RAM (zram-generator)' }
    ]
  },
  {
    id: 'kconfig.resources',
    title: 'Kernel config: cgroups, PSI and BPF',
    options: [
      { name: 'CGROUPS', want: 'on', miss: 'fail', why: 'control groups, required by systemd' },
      { name: 'MEMCG', want: 'on', miss: 'fail', why: 'memory controller, required by systemd-oomd' },
      { name: 'PSI', want: 'on', miss: 'fail', why: 'pressure stall information, required by systemd-oomd' },
      // Judged together with the command line (psi=1) in kconfigChecks.
      { name: 'PSI_DEFAULT_DISABLED', want: 'off', miss: 'warn', why: 'PSI off unless booted with psi=1' },
      { name: 'CGROUP_BPF', want: 'on', miss: 'warn', why: 'BPF programs on cgroups (IPAddressDeny=, device access)' },
      { name: 'BPF_SYSCALL', want: 'on', miss: 'warn', why: 'the bpf() system call' }
    ]
  },
  {
    id: 'kconfig.security',
    title: 'Kernel config: security and live patching',
    options: [
      { name: 'SECURITY_SELINUX', want: 'on', miss: 'warn', why: 'SELinux, the CentOS default security module' },
      { name: 'LIVEPATCH', want: 'info', why: 'kernel live patching' }
    ]
  },
  /*
   * From systemd's README, section REQUIREMENTS, "Kernel Config Options" (systemd/systemd
   * commit 32275253272f176b93e3412c1c366383b7f973ac): DEVTMPFS, CGROUPS, INOTIFY_USER,
   * SIGNALFD, TIMERFD, EPOLL, UNIX, SYSFS, PROC_FS, FHANDLE; "udev will fail to work with
   * the legacy sysfs layout: SYSFS_DEPRECATED=n"; UEVENT_HELPER_PATH=""; FW_LOADER_USER_HELPER=n
   * ("not supported and should be disabled"); DMIID; BLK_DEV_BSG; NET_NS (PrivateNetwork=,
   * "effectively required"); USER_NS (PrivateUsers=).
   */
  {
    id: 'kconfig.systemd',
    title: 'Kernel config: required by systemd',
    options: [
      { name: 'DEVTMPFS', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'CGROUPS', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'INOTIFY_USER', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'SIGNALFD', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'TIMERFD', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'EPOLL', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'UNIX', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'SYSFS', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'PROC_FS', want: 'on', miss: 'fail', why: 'systemd README: required' },
      { name: 'FHANDLE', want: 'on', miss: 'fail', why: 'systemd README: libudev, mount and bind mount handling' },
      { name: 'SYSFS_DEPRECATED', want: 'off', miss: 'fail', why: 'systemd README: udev fails with the legacy sysfs layout' },
      { name: 'UEVENT_HELPER_PATH', want: 'empty', miss: 'warn', why: 'systemd README: legacy hotplug slows boot and confuses udev' },
      { name: 'FW_LOADER_USER_HELPER', want: 'info', why: 'systemd README: userspace firmware loading should be disabled (EL9 kernels still enable it)' },
      { name: 'DMIID', want: 'on', miss: 'warn', why: 'systemd README: udev rules and virtualization detection' },
      { name: 'BLK_DEV_BSG', want: 'on', miss: 'warn', why: 'systemd README: SCSI serial numbers for /dev/disk links' },
      { name: 'NET_NS', want: 'on', miss: 'warn', why: 'systemd README: PrivateNetwork= (effectively required)' },
      { name: 'USER_NS', want: 'on', miss: 'warn', why: 'systemd README: PrivateUsers=' }
    ]
  },
  /* Same README, "Optional but strongly recommended". */
  {
    id: 'kconfig.systemd-recommended',
    title: 'Kernel config: recommended by systemd',
    options: [
      { name: 'IPV6', want: 'on', miss: 'warn', why: 'systemd README: strongly recommended' },
      { name: 'AUTOFS_FS', want: 'on', miss: 'warn', why: 'systemd README: strongly recommended (automount units)' },
      { name: 'TMPFS_XATTR', want: 'on', miss: 'warn', why: 'systemd README: strongly recommended' },
      { name: 'TMPFS_POSIX_ACL', want: 'on', miss: 'warn', why: 'systemd README: strongly recommended' },
      { name: 'SECCOMP', want: 'on', miss: 'warn', why: 'systemd README: strongly recommended' },
      { name: 'SECCOMP_FILTER', want: 'on', miss: 'warn', why: 'systemd README: required for seccomp support' }
    ]
  }
]
