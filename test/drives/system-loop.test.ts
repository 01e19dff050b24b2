// The system-disk filter follows loop backing files and overlay layers: a stick whose image
// file is loop-mounted at /home, or whose directories form an overlay at /boot (the live-USB
// layouts), holds the running system. Real udisksd, real loop devices, real ext4 and overlay
// mounts; the mounts at /home and /boot exist only inside a private mount namespace
// (unshare -m) in which the real `hsc drives list` runs, so the machine's own /home and /boot
// are never touched.
import { execFileSync, spawnSync } from 'node:child_process'
import path from 'node:path'
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import type { DriveList } from '../../src/shared/contract/drives'
import { HSC } from '../support/paths'
import { loopDelete, loopSetup, tmpDir, udisksSkipReason } from './support'

const skip =
  (await udisksSkipReason()) ??
  (spawnSync('sh', ['-c', 'command -v unshare && command -v mkfs.ext4']).status === 0 ? undefined : 'unshare or mkfs.ext4 missing')
const MiB = 1024 * 1024
const loops: string[] = []
const dirs: string[] = []

afterAll(() => {
  for (const l of loops) loopDelete(l)
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Runs `script` in a private mount namespace, then `hsc drives list --json` there; returns the list. */
function listInNamespace(script: string, env: Record<string, string>): DriveList {
  const full = `set -e\n${script}\n"$NODE" "$HSC" --no-color --json drives list\n`
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', full], {
    encoding: 'utf8',
    env: { ...process.env, ...env, NODE: process.execPath, HSC, HSC_TEST_ALLOW_LOOP: '1' }
  })
  if (r.status !== 0) throw new Error(`namespace script failed (${r.status}): ${r.stderr}`)
  return JSON.parse(r.stdout) as DriveList
}

describe.skipIf(skip)(`system disks through loop files and overlays (real loop devices, private mount namespace)${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('a stick whose image file is loop-mounted at /home holds the system; so does the loop device itself', () => {
    const dir = tmpDir('hsc-liveusb-')
    dirs.push(dir)
    const stick = loopSetup(path.join(dir, 'stick.img'), 64 * MiB)
    loops.push(stick)
    execFileSync('mkfs.ext4', ['-q', '-F', stick])
    const mnt = path.join(dir, 'live')
    const inner = path.join(mnt, 'LiveOS/rootfs.img')
    // The inner loop device is global: detach it when the namespace's script ends.
    const list = listInNamespace(
      `mkdir -p "$MNT"; mount "$STICK" "$MNT"; mkdir -p "$MNT/LiveOS"; truncate -s 32M "$INNER"; mkfs.ext4 -q -F "$INNER"
INNERDEV=$(losetup -f --show "$INNER"); trap 'umount /home 2>/dev/null; losetup -d "$INNERDEV"' EXIT
echo "$INNERDEV" > "$DIR/inner-dev"; udevadm settle --timeout=10; mount "$INNERDEV" /home`,
      { MNT: mnt, STICK: stick, INNER: inner, DIR: dir }
    )
    const innerDev = execFileSync('cat', [path.join(dir, 'inner-dev')], { encoding: 'utf8' }).trim()
    const s = list.drives.find((d) => d.device === stick)
    expect(s, `${stick} listed`).toBeDefined()
    expect(s?.offered).toBe(false)
    expect(s?.reasons.join('; ')).toMatch(/holds the running system \(\/home\)/)
    const i = list.drives.find((d) => d.device === innerDev)
    if (i) expect(i.offered).toBe(false)
  })

  it('a stick whose directories are the layers of an overlay at /boot holds the system', () => {
    const dir = tmpDir('hsc-overlay-')
    dirs.push(dir)
    const stick = loopSetup(path.join(dir, 'stick.img'), 64 * MiB)
    loops.push(stick)
    execFileSync('mkfs.ext4', ['-q', '-F', stick])
    const mnt = path.join(dir, 'live')
    const list = listInNamespace(
      `mkdir -p "$MNT"; mount "$STICK" "$MNT"; mkdir -p "$MNT/lower" "$MNT/upper" "$MNT/work"
mount -t overlay overlay -o "lowerdir=$MNT/lower,upperdir=$MNT/upper,workdir=$MNT/work" /boot`,
      { MNT: mnt, STICK: stick }
    )
    const s = list.drives.find((d) => d.device === stick)
    expect(s?.offered).toBe(false)
    expect(s?.reasons.join('; ')).toMatch(/holds the running system \(\/boot\)/)
  })
})
