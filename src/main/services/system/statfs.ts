import { statfsSync } from 'node:fs'
import path from 'node:path'
import type { RootFs } from './rootfs'

/** f_type magics from linux/magic.h (and bcachefs/zfs/exfat sources) for the filesystems a workstation meets. */
const MAGIC: Record<number, string> = {
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x63677270: 'cgroup2',
  0x27e0eb: 'cgroup',
  0x794c7630: 'overlay',
  0x6969: 'nfs',
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x2fc12fc1: 'zfs',
  0xf2f52010: 'f2fs',
  0x4d44: 'vfat',
  0x2011bab0: 'exfat',
  0x65735546: 'fuse',
  0x73717368: 'squashfs',
  0x858458f6: 'ramfs',
  0xca451a4e: 'bcachefs',
  0x5346544e: 'ntfs',
  0x9660: 'iso9660',
  0xff534d42: 'cifs',
  0xfe534d42: 'smb2',
  0x01021997: '9p',
  0xde5e81e4: 'efivarfs'
}

export const CGROUP2_MAGIC = 0x63677270
export const TMPFS_MAGIC = 0x01021994

export const fsTypeName = (magic: number): string => MAGIC[magic] ?? `0x${magic.toString(16)}`

export interface StatfsResult {
  /** The system path that was measured (the requested path or its nearest existing parent). */
  path: string
  magic: number
  type: string
}

/** statfs(2) of a system path under the root; live use only (a fixture root would report the host's filesystem). */
export async function statfsType(fs: RootFs, systemPath: string): Promise<StatfsResult | undefined> {
  try {
    const st = statfsSync(fs.resolve(systemPath))
    return { path: systemPath, magic: st.type, type: fsTypeName(st.type) }
  } catch {
    return undefined
  }
}

/** The path itself if it exists under the root, else its nearest existing parent. */
export async function nearestExisting(fs: RootFs, systemPath: string): Promise<string> {
  let p = path.posix.normalize(systemPath)
  while (p !== '/' && !(await fs.exists(p))) p = path.posix.dirname(p)
  return p
}
