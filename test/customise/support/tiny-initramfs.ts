import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'

/**
 * A tiny initramfs for the boot test: busybox-static as /init plus the guest kernel's
 * virtio and isofs modules. It prints /proc/cmdline, finds the filesystem that
 * rd.live.overlay=LABEL= names (and its ext2/3/4 magic), mounts the volume inst.ks=hd:LABEL=
 * names and prints the kickstart at the path the argument gives, then powers off. Lines
 * start with HSC- so the test reads them out of the serial log.
 */
export const MODULES = [
  'kernel/drivers/virtio/virtio_ring.ko',
  'kernel/drivers/virtio/virtio.ko',
  'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
  'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
  'kernel/drivers/virtio/virtio_pci.ko',
  'kernel/drivers/block/virtio_blk.ko',
  'kernel/drivers/cdrom/cdrom.ko',
  'kernel/fs/isofs/isofs.ko'
]

const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /mnt /bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${MODULES.map((m) => path.basename(m, '.ko')).join(' ')}; do insmod /lib/$m.ko || echo "HSC-ERROR insmod $m"; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
echo "HSC-CMDLINE $(cat /proc/cmdline)"
for a in $(cat /proc/cmdline); do
  case "$a" in
    rd.live.overlay=LABEL=*)
      lbl=\${a#rd.live.overlay=LABEL=}
      d=$(findfs "LABEL=$lbl" 2>/dev/null)
      magic=$(od -An -tx1 -j1080 -N2 "$d" 2>/dev/null | tr -d ' ')
      echo "HSC-OVERLAY label=$lbl device=\${d:-none} magic=\${magic:-none}";;
    inst.ks=hd:LABEL=*)
      v=\${a#inst.ks=hd:LABEL=}; vol=\${v%%:*}; f=\${v#*:}
      d=$(findfs "LABEL=$vol" 2>/dev/null)
      if mount -t iso9660 -o ro "$d" /mnt; then
        echo "HSC-KS file=$f device=$d sha256=$(sha256sum "/mnt$f" | cut -d' ' -f1)"
        umount /mnt
      else echo "HSC-KS file=$f device=\${d:-none} unreadable"; fi;;
  esac
done
echo HSC-DONE
poweroff -f
`

/** Pulls the modules out of the guest root image with debugfs (no mount, no root needed). */
export function buildInitramfs(rootfsImg: string, kernelVersion: string, work: string): string {
  const dir = path.join(work, 'initramfs')
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true })
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'))
  fs.writeFileSync(path.join(dir, 'init'), INIT, { mode: 0o755 })
  for (const m of MODULES) {
    const out = path.join(dir, 'lib', path.basename(m))
    const r = spawnSync('debugfs', ['-R', `dump /lib/modules/${kernelVersion}/${m} ${out}`, rootfsImg], { encoding: 'utf8' })
    if (r.status !== 0 || !fs.existsSync(out) || fs.statSync(out).size === 0) throw new Error(`debugfs could not copy ${m} out of ${rootfsImg}: ${r.stderr}`)
  }
  const list: string[] = []
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name
      list.push(p)
      if (e.isDirectory()) walk(p)
    }
  }
  walk('')
  const cpio = spawnSync('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: dir, input: list.join('\n') + '\n', maxBuffer: 64 * 1024 * 1024 })
  if (cpio.status !== 0) throw new Error(`cpio failed: ${cpio.stderr}`)
  const img = path.join(work, 'initrd.img')
  fs.writeFileSync(img, gzipSync(cpio.stdout, { level: 1 }))
  return img
}
