import type { CommandGroup } from '../command'

/** Every top-level word of `hsc`. Each group loads its code only when used. */
export const groups: CommandGroup[] = [
  { word: 'inspect', summary: 'Check kernel, cgroup, PSI, btrfs and systemd support', load: async () => (await import('./inspect')).commands },
  { word: 'repos', summary: 'Hyperscale repositories: list, enable/disable, setup, package provenance', load: async () => (await import('./repos')).commands },
  { word: 'oomd', summary: 'systemd-oomd: status, enable/disable, thresholds', load: async () => (await import('./oomd')).commands },
  { word: 'drives', summary: 'USB drives and SD cards that can be written', load: async () => (await import('./drives')).commands },
  { word: 'write', summary: 'Write an image to USB drives and verify it (asks before erasing)', load: async () => (await import('./drives')).commands },
  {
    word: 'customise',
    summary: 'Customised copy of a verified live ISO: kernel arguments, kickstart, persistence',
    load: async () => (await import('./customise')).commands
  },
  { word: 'restore', summary: 'Make a written USB drive usable for files again (GPT + exFAT)', load: async () => (await import('./drives')).commands },
  { word: 'spins', summary: 'Hyperscale spin ISOs: list the catalogue, download (resumable) and verify', load: async () => (await import('./spins')).commands },
  {
    word: 'verify',
    summary: 'Verify an image against a checksum file, URL or SHA-256 (and its PGP signature)',
    load: async () => (await import('./spins')).commands
  },
  { word: 'facts', summary: 'Ansible local fact and Prometheus textfile: show, install, uninstall', load: async () => (await import('./facts')).commands },
  { word: 'fleet', summary: "Report on many hosts from Ansible's fact cache or saved reports", load: async () => (await import('./fleet')).commands },
  { word: 'settings', summary: 'Show or change settings', load: async () => (await import('./settings')).commands },
  { word: 'gui', summary: 'Open the app (--browser: browser mode on 127.0.0.1)', load: async () => (await import('./gui')).commands }
]
