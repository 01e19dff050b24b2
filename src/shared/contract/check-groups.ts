/** Check groups and their titles: no zod here, the renderer imports this directly. */
export type CheckGroup = 'system' | 'kernel' | 'kernel-config' | 'cgroup' | 'psi' | 'btrfs' | 'storage' | 'security' | 'hardware'

/** Display order of the groups; every check's group is one of these. */
export const checkGroupOrder: readonly CheckGroup[] = ['system', 'kernel', 'kernel-config', 'cgroup', 'psi', 'btrfs', 'storage', 'security', 'hardware']

/** Section titles, the same in the app, the CLI table and the Markdown report. */
export const checkGroupTitles: Record<CheckGroup, string> = {
  system: 'System',
  kernel: 'Kernel',
  'kernel-config': 'Kernel configuration',
  cgroup: 'cgroups',
  psi: 'Pressure stall information',
  btrfs: 'btrfs',
  storage: 'Storage and RPM copy-on-write',
  security: 'Security',
  hardware: 'Hardware'
}
