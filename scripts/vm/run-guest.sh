#!/usr/bin/env bash
# Boots the test guest once (TCG; KVM guests fail on this machine, see docs/ARCHITECTURE.md):
#   IMAGE_DIR  vmlinuz, initrd.img, rootfs.img from build-guest.sh (used read-only: snapshot=on)
#   APP_IMG    ext4 image with node, the built app and the guest checks (mounted at /opt/hsc)
#   WORK       per-run directory: the USB stick images, console.log (ttyS0), results.log
#              (ttyS1, one JSON object a line), qmp.sock (the QEMU monitor the host test uses
#              to pull a stick out with device_del)
# Three USB sticks on one xHCI controller: A (restore, write + eject), B (write + power-off),
# C (pulled out mid-write). The guest powers itself off after the checks (-no-reboot).
set -euo pipefail
IMAGES=${1:?usage: run-guest.sh IMAGE_DIR APP_IMG WORK}
APP=${2:?usage: run-guest.sh IMAGE_DIR APP_IMG WORK}
WORK=${3:?usage: run-guest.sh IMAGE_DIR APP_IMG WORK}
mkdir -p "$WORK"
sticks=()
for s in A:2048M B:256M C:1024M; do
  id=${s%%:*}
  rm -f "$WORK/stick$id.img"
  truncate -s "${s#*:}" "$WORK/stick$id.img"
  sticks+=(-drive "if=none,id=stick$id,file=$WORK/stick$id.img,format=raw,cache=unsafe"
    -device "usb-storage,bus=xhci.0,drive=stick$id,id=usb$id,removable=on,serial=HSCSTICK$id")
done
: >"$WORK/console.log"
: >"$WORK/results.log"
exec qemu-system-x86_64 -accel tcg -nodefaults -display none -no-reboot -m 2048 -smp 2 \
  -kernel "$IMAGES/vmlinuz" -initrd "$IMAGES/initrd.img" \
  -append "console=ttyS0 systemd.unified_cgroup_hierarchy=1 panic=-1" \
  -drive "file=$IMAGES/rootfs.img,format=raw,if=virtio,snapshot=on" \
  -drive "file=$APP,format=raw,if=virtio,readonly=on" \
  -serial "file:$WORK/console.log" -serial "file:$WORK/results.log" \
  -qmp "unix:$WORK/qmp.sock,server=on,wait=off" \
  -device qemu-xhci,id=xhci \
  "${sticks[@]}"
