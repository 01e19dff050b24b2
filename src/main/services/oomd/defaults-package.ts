import type { OomdDefaultsPackage } from '../../../shared/contract/oomd'
import type { RootFs } from '../system/rootfs'

/**
 * Vendor drop-ins that switch systemd-oomd on for real workloads. Fedora ships them as
 * systemd-oomd-defaults (older releases: root-slice + user-service files, newer: per-slice);
 * Debian's systemd-oomd package ships the older set.
 */
const CANDIDATES = [
  '/usr/lib/systemd/oomd.conf.d/10-oomd-defaults.conf',
  '/usr/lib/systemd/system/-.slice.d/10-oomd-root-slice-defaults.conf',
  '/usr/lib/systemd/system/user@.service.d/10-oomd-user-service-defaults.conf',
  '/usr/lib/systemd/system/system.slice.d/10-oomd-per-slice-defaults.conf',
  '/usr/lib/systemd/system/slice.d/10-oomd-per-slice-defaults.conf',
  '/usr/lib/systemd/user/slice.d/10-oomd-per-slice-defaults.conf'
]

export async function detectDefaultsPackage(fs: RootFs): Promise<OomdDefaultsPackage> {
  const found = new Set<string>()
  for (const p of CANDIDATES) if (await fs.exists(p)) found.add(p)
  // Names change between releases; any vendor "*oomd*" drop-in in oomd.conf.d counts too.
  for (const name of await fs.list('/usr/lib/systemd/oomd.conf.d')) {
    if (name.endsWith('.conf') && name.includes('oomd')) found.add(`/usr/lib/systemd/oomd.conf.d/${name}`)
  }
  const files = [...found].sort()
  return { installed: files.length > 0, files }
}
