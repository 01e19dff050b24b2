#!/usr/bin/env bash
# Starts the system daemons the integration tests use (system D-Bus, udevd, udisksd).
# Idempotent: already-running daemons are left alone. Needs root; CI and dev machines only.
set -u
if [ "$(id -u)" != 0 ]; then echo "start-services: not root, skipping daemons" >&2; exit 0; fi

mkdir -p /run/dbus
if ! [ -S /run/dbus/system_bus_socket ] || ! dbus-send --system --dest=org.freedesktop.DBus --type=method_call --print-reply / org.freedesktop.DBus.GetId >/dev/null 2>&1; then
  rm -f /run/dbus/pid /run/dbus/system_bus_socket
  dbus-daemon --system --fork
fi

if ! pgrep -x systemd-udevd >/dev/null; then
  /lib/systemd/systemd-udevd --daemon
fi
udevadm trigger --action=add --subsystem-match=block >/dev/null 2>&1 || true
udevadm settle --timeout=20 || true

if ! pgrep -f /usr/libexec/udisks2/udisksd >/dev/null; then
  nohup /usr/libexec/udisks2/udisksd >/tmp/udisksd.log 2>&1 &
  for _ in $(seq 1 50); do
    busctl --system status org.freedesktop.UDisks2 >/dev/null 2>&1 && break
    dbus-send --system --dest=org.freedesktop.UDisks2 --print-reply /org/freedesktop/UDisks2/Manager org.freedesktop.DBus.Properties.Get string:org.freedesktop.UDisks2.Manager string:Version >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
echo "start-services: dbus $(pgrep -x dbus-daemon | head -1), udevd $(pgrep -x systemd-udevd | head -1), udisksd $(pgrep -f udisks2/udisksd | head -1)"
