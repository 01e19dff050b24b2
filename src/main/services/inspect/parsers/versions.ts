/** Version strings printed or embedded by system tools. */

/** First line of `systemctl --version`: "systemd 252 (252.39-1~deb12u2)". */
export function parseSystemctlVersion(text: string): { major: number; full: string } | undefined {
  const m = /^systemd (\d+)(?: \(([^)]+)\))?/m.exec(text)
  return m ? { major: Number(m[1]), full: m[2] ?? m[1] } : undefined
}

/** systemd's private library name carries its version: libsystemd-shared-252.so, libsystemd-shared-256.11-1.fc41.so. */
export function parseLibsystemdShared(name: string): { major: number; full: string } | undefined {
  const m = /^libsystemd-shared-(\d+)([^/]*)\.so$/.exec(name)
  return m ? { major: Number(m[1]), full: m[1] + m[2] } : undefined
}

/** `btrfs --version`: "btrfs-progs v6.2" (newer releases add a feature line below). */
export function parseBtrfsVersion(text: string): string | undefined {
  return /^btrfs-progs v(\S+)/m.exec(text)?.[1]
}

/** `xfs_info` prints "reflink=1" in its geometry table when the filesystem was made with reflink. */
export function parseXfsReflink(text: string): boolean | undefined {
  const m = /\breflink=(\d)/.exec(text)
  return m ? m[1] === '1' : undefined
}

/**
 * An efivarfs file is a 4-byte attribute word followed by the data; SecureBoot and
 * SetupMode are one byte (1 = on).
 */
export function parseEfiBoolVar(buf: Buffer): boolean | undefined {
  if (buf.length < 5) return undefined
  return buf[4] === 1
}
