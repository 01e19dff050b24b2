#!/usr/bin/env bash
# Builds the VM test tier's guest from Debian packages only: Debian's 6.1 kernel, a busybox
# initramfs and a minbase bookworm root file system with systemd, udisks2, polkit and
# systemd-oomd (scripts/vm/packages.txt). Writes vmlinuz, initrd.img and rootfs.img into OUT.
# The app is not part of this image (it changes every commit): run-guest.mjs adds it as a
# second disk. Needs root, mmdebstrap, busybox-static, e2fsprogs and working apt sources.
set -euo pipefail
OUT=${1:?usage: build-guest.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SUITE=bookworm
MIRROR=${HSC_VM_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "build-guest: needs root (mmdebstrap, mkfs.ext4 -d with owners)" >&2; exit 2; }
for t in mmdebstrap busybox mkfs.ext4 dpkg-deb apt-get; do
  command -v "$t" >/dev/null || { echo "build-guest: $t is missing" >&2; exit 2; }
done

mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hsc-vm-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
t0=$(date +%s)

# Kernel: the version linux-image-amd64 points at today.
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
KPKG=$(kernel_pkg)
[ -n "$KPKG" ] || { apt-get update -q >/dev/null; KPKG=$(kernel_pkg); }
[ -n "$KPKG" ] || { echo "build-guest: cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 1; }
(cd "$WORK" && apt-get download -q -o APT::Sandbox::User=root "$KPKG" >/dev/null)
dpkg-deb -x "$WORK"/"$KPKG"_*.deb "$WORK/kernel"
KVER=$(ls "$WORK/kernel/lib/modules")
echo "build-guest: kernel $KPKG ($KVER) after $(( $(date +%s) - t0 )) s"

# Root file system.
INCLUDE=$(grep -Ev '^\s*(#|$)' "$HERE/packages.txt" | paste -sd, -)
mmdebstrap --variant=minbase --include="$INCLUDE" \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  "$SUITE" "$WORK/root" "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" >"$WORK/mmdebstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/mmdebstrap.log" >&2; exit 1; }
echo "build-guest: mmdebstrap done after $(( $(date +%s) - t0 )) s"

# Modules, minus the big trees a headless guest with virtio and USB storage never loads.
R="$WORK/root"
MODS="$R/usr/lib/modules/$KVER"
mkdir -p "$R/usr/lib/modules"
cp -a "$WORK/kernel/lib/modules/$KVER" "$MODS"
for d in drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet drivers/infiniband drivers/staging \
  drivers/iio drivers/bluetooth drivers/isdn drivers/hwmon drivers/video drivers/mtd drivers/input/touchscreen \
  sound net/wireless net/mac80211 net/bluetooth fs/xfs fs/btrfs fs/ocfs2 fs/gfs2 fs/ceph fs/nfs fs/cifs fs/smb; do
  rm -rf "$MODS/kernel/$d"
done
# The guest's own depmod (kmod is in the guest, not necessarily on the host).
chroot "$R" /usr/sbin/depmod "$KVER"

# Guest configuration: root on vda, no network, no getty. The app disk (vdb) is mounted by the
# checks unit itself: a device timeout in fstab would leave a starved guest idling forever.
cat >"$R/etc/fstab" <<'FSTAB'
/dev/vda / ext4 rw,errors=remount-ro 0 1
FSTAB
cat >"$R/usr/local/sbin/hsc-guest-start" <<'START'
#!/bin/sh
# Waits (up to 10 min: TCG on a busy host is slow) for the app disk, mounts it, runs the checks.
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
mountpoint -q /opt/hsc || mount -o ro /dev/vdb /opt/hsc || { echo '{"type":"fatal","error":"cannot mount the app disk /dev/vdb"}' >/dev/ttyS1; exit 1; }
exec /opt/hsc/guest/run-checks.sh
START
chmod 0755 "$R/usr/local/sbin/hsc-guest-start"
mkdir -p "$R/opt/hsc"
echo hsc-guest >"$R/etc/hostname"
ln -sf /dev/null "$R/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$R/etc/systemd/system/getty@tty1.service"
ln -sf /dev/null "$R/etc/systemd/system/systemd-timesyncd.service"
ln -sf /dev/null "$R/etc/systemd/system/apt-daily.timer"
ln -sf /dev/null "$R/etc/systemd/system/apt-daily-upgrade.timer"
ln -sf /dev/null "$R/etc/systemd/system/e2scrub_all.timer"
ln -sf /dev/null "$R/etc/systemd/system/fstrim.timer"
# The guest test runner: a oneshot that runs the checks from the app disk and powers off.
cat >"$R/etc/systemd/system/hsc-guest-checks.service" <<'UNIT'
[Unit]
Description=Hyperscale Companion guest checks
After=multi-user.target dbus.service
# Whatever happens, the guest must end: the host waits for QEMU to exit.
FailureAction=poweroff-force
SuccessAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/hsc-guest-start
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=20min

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/hsc-guest-checks.service "$R/etc/systemd/system/multi-user.target.wants/hsc-guest-checks.service"
echo "$KVER" >"$R/etc/hsc-guest-kernel"

# Initramfs: busybox + the few modules the root disk needs.
I="$WORK/initramfs"
mkdir -p "$I/bin" "$I/modules"
cp "$(command -v busybox)" "$I/bin/busybox"
install -m 0755 "$HERE/init.sh" "$I/init"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk crc16 crc32c_generic libcrc32c mbcache jbd2 ext4; do
  f=$(find "$MODS" -name "$m.ko" | head -n 1)
  [ -n "$f" ] && cp "$f" "$I/modules/"
done
(cd "$I" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$OUT/initrd.img.tmp"

cp "$WORK/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
# Room for a swap file, the test image files and logs.
used=$(du -sm "$R" | cut -f1)
rm -f "$OUT/rootfs.img.tmp"
mkfs.ext4 -q -F -L hsc-root -d "$R" "$OUT/rootfs.img.tmp" "$(( used + 640 ))M"
mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
mv "$OUT/rootfs.img.tmp" "$OUT/rootfs.img"
echo "$KPKG" >"$OUT/kernel-package"
echo "build-guest: done in $(( $(date +%s) - t0 )) s: $OUT ($(du -sh "$OUT/rootfs.img" | cut -f1) root image, kernel $KVER)"
