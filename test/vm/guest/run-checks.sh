#!/bin/sh
# Entry point of hsc-guest-checks.service in the test guest (scripts/vm/build-guest.sh).
# ttyS1 carries the results to the host: raw, so nothing rewrites the JSON lines.
stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null || true
# The root helper's launcher runs node from fixed system directories only (never PATH):
# give the guest the app's node there, as the distribution's nodejs package would.
mkdir -p /usr/local/bin && ln -sf /opt/hsc/bin/node /usr/local/bin/node
exec /opt/hsc/bin/node /opt/hsc/guest/checks.mjs
