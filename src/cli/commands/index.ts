import type { CommandGroup } from '../command'

/** Every top-level word of `hsc`. Each group loads its code only when used. */
export const groups: CommandGroup[] = [
  { word: 'inspect', summary: 'Check kernel, cgroup, PSI, btrfs and systemd support', load: async () => (await import('./inspect')).commands },
  { word: 'repos', summary: 'Hyperscale repositories: list, enable/disable, setup, package provenance', load: async () => (await import('./repos')).commands },
  { word: 'oomd', summary: 'systemd-oomd: status, enable/disable, thresholds', load: async () => (await import('./oomd')).commands },
  { word: 'settings', summary: 'Show or change settings', load: async () => (await import('./settings')).commands },
  { word: 'gui', summary: 'Open the app (--browser: browser mode on 127.0.0.1)', load: async () => (await import('./gui')).commands }
]
