#!/bin/sh
# Quick start: installs the dependencies, builds, creates an instance on the
# embedded default in ./demo (as root: /var/lib/latchkey/demo; or
# $LATCHKEY_DEMO_DIR) (a private slapd and latchkeyd on
# http://localhost:PORT), adds a demo user, issues a fresh Temporary Access
# Pass for it, and runs latchkeyd in the foreground until Ctrl-C.  LATCHKEY_PORT (default 8080) and
# LATCHKEY_RADIUS_PORT (default 1812) change the ports.
set -eu
cd "$(dirname "$0")/.."
./scripts/build.sh
port=${LATCHKEY_PORT:-8080}
rport=${LATCHKEY_RADIUS_PORT:-1812}
# As root latchkeyd runs as a service account, which may not reach a
# checkout under /root: the instance then lives in /var/lib/latchkey/demo.
if [ -n "${LATCHKEY_DEMO_DIR:-}" ]; then
	dir=$LATCHKEY_DEMO_DIR
elif [ "$(id -u)" -eq 0 ]; then
	dir=/var/lib/latchkey/demo
else
	dir=$(pwd)/demo
fi
url=http://localhost:$port
conf=$dir/latchkey.conf

if [ ! -f "$conf" ]; then
	./latchkeyctl init "$dir" --url "$url" --radius "127.0.0.1:$rport"
fi
# An instance made by an earlier run keeps its addresses: say those.
url=$(sed -n 's/^listen \(http[^ ]*\).*/\1/p' "$conf" | head -n 1)
rport=$(sed -n 's/^radius-listen .*:\([0-9][0-9]*\)$/\1/p' "$conf" | head -n 1)
./latchkeyd -n -c "$conf"
./latchkeyd -d -c "$conf" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' INT TERM EXIT

# Wait until the directory answers (the embedded slapd starts with latchkeyd).
i=0
until curl -fsS "$url/readyz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "quickstart: latchkeyd did not become ready; see the lines above" >&2
		exit 1
	fi
	sleep 0.2
done
ctl() { ./latchkeyctl -c "$conf" "$@"; }
ctl user show demo >/dev/null 2>&1 || ctl user add demo --display-name "Demo User"
# A fresh one-time Temporary Access Pass: the code is the last line.
code=$(ctl tap issue demo --lifetime 1h | tail -n 1)

cat <<MSG

================================================================
latchkey is running: $url
  $url/healthz -> $(curl -fsS "$url/healthz")
  $url/readyz  -> $(curl -fsS "$url/readyz")

Set up a passkey as the demo user:
  1. open $url/setup in your browser
  2. user name: demo
     temporary access pass: $code   (one use, valid for 1 hour)
  3. unlock with your face, fingerprint or PIN; then sign in at $url

Then log in to a VPN with that passkey: radclient (freeradius-utils) is the VPN.
  4. printf 'User-Name = "demo"\\nMessage-Authenticator = 0x00\\n' |
       radclient -x 127.0.0.1:$rport auth "\$(cat $dir/radius-secret)"
     The Access-Challenge says "Unlock with your passkey at $url/vpn?code=...":
     open that address, unlock, then send the same request again with the
     reply's State added (a line State = 0x...): Access-Accept.
     (docs/vpn.md: real VPNs, hold mode, FreeRADIUS in front.)

The demo user in the directory:
$(ctl user show demo)

Configuration: $conf
Ctrl-C stops latchkeyd and its directory.
================================================================
MSG
wait "$pid"
