#!/bin/sh
# The RADIUS benchmark of docs/benchmarks.md (issue 6): Access-Request ->
# Access-Challenge round trips per second against a live latchkeyd (its
# embedded slapd holds the pending approvals), beside FreeRADIUS 3.2
# answering PAP from a users file (Access-Accept), in the same run on the
# same machine, with the same load generator (bench_radius) at a few
# windows of requests in flight.  Not a test.
# Usage: tests/bench/run-radius.sh [SECONDS]   (make bench-radius runs it)
# BENCH_WINDOWS: the windows to try (default "16 64 256"); the best of
# each side makes the ratio.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/freeradius-pap.sh"

secs=${1:-3}
windows=${BENCH_WINDOWS:-16 64 256}
BENCH_RADIUS=${BENCH_RADIUS:-$top_builddir/tests/bench/bench_radius}
FREERADIUS=${FREERADIUS:-$(command -v freeradius || echo /usr/sbin/freeradius)}

if [ ! -x "$FREERADIUS" ]; then
	echo "freeradius not installed (Debian package freeradius)" >&2
	exit 1
fi

# latchkeyd: a fresh instance, challenge mode for 127.0.0.1.  The
# listener's default rate limits (200 requests a second per client, 5 per
# User-Name) guard a real VPN; they would measure themselves here, so this
# instance raises them.  The generator still spreads its requests over
# 1000 user names, as many people logging in would.
# It logs warnings only, as FreeRADIUS below logs nothing (at the default
# info level each challenge writes a line).  BENCH_NOSYNC=1, a diagnosis
# only: the embedded slapd's database without fsync (olcDbNoSync), to show
# what the durable write of each pending approval costs.
init_instance "$T/inst"
cat >>"$CONF" <<EOF
radius-rate-client 1000000/s
radius-rate-user 1000000/s
log-level warn
EOF
if [ -n "${BENCH_NOSYNC:-}" ]; then
	mdb=$(find "$T/inst/slapd" -name 'olcDatabase={1}mdb.ldif' | head -n 1)
	sed -i '/^olcDbMaxSize:/a olcDbNoSync: TRUE' "$mdb"
	echo "BENCH_NOSYNC: slapd without fsync (not the shipped setting)"
fi
start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	echo "latchkeyd did not become ready:" >&2
	cat "$T/daemon.log" >&2
	exit 1
fi

# FreeRADIUS answering PAP from a users file (freeradius-pap.sh).
freeradius_pap_start

best() {
	echo "$1" | sed -n 's/^[a-z]* W=[0-9]*: \([0-9]*\)\/s .*/\1/p'
}

lk_best=0
fr_best=0
for w in $windows; do
	line=$("$BENCH_RADIUS" 127.0.0.1 "$RADIUS_PORT" "$T/inst/radius-secret" \
	    challenge "$secs" "$w" 1000 bench)
	echo "latchkey $line"
	r=$(best "$line")
	[ "${r:-0}" -gt "$lk_best" ] && lk_best=$r
	line=$("$BENCH_RADIUS" 127.0.0.1 "$FR_PORT" "$FR/secret" \
	    accept "$secs" "$w" 0 bench)
	echo "freeradius-pap $line"
	r=$(best "$line")
	[ "${r:-0}" -gt "$fr_best" ] && fr_best=$r
done
echo "best: latchkey challenges $lk_best/s, FreeRADIUS PAP accepts $fr_best/s"
awk -v a="$lk_best" -v b="$fr_best" 'BEGIN {
	printf "ratio latchkey challenges / FreeRADIUS PAP accepts: %.2f (goal: 1)\n", a / b
}'

# The same, one core each: latchkeyd (with its slapd) and FreeRADIUS (all
# its threads) on CPU 1, the generator on CPU 0, so neither server can
# borrow the generator's core.  latchkeyd answers on one event loop;
# FreeRADIUS spreads its requests over a thread pool: this shows what each
# does with the same one core.  Skipped on a single-core machine.
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	for p in $DAEMON_PID $(embedded_slapd_pid "$T/inst") $FR_PID; do
		taskset -a -p -c 1 "$p" >/dev/null
	done
	lk_pin=0
	fr_pin=0
	for w in $windows; do
		line=$(taskset -c 0 "$BENCH_RADIUS" 127.0.0.1 "$RADIUS_PORT" \
		    "$T/inst/radius-secret" challenge "$secs" "$w" 1000 bench)
		echo "latchkey (1 core) $line"
		r=$(best "$line")
		[ "${r:-0}" -gt "$lk_pin" ] && lk_pin=$r
		line=$(taskset -c 0 "$BENCH_RADIUS" 127.0.0.1 "$FR_PORT" "$FR/secret" \
		    accept "$secs" "$w" 0 bench)
		echo "freeradius-pap (1 core) $line"
		r=$(best "$line")
		[ "${r:-0}" -gt "$fr_pin" ] && fr_pin=$r
	done
	echo "best on one core: latchkey challenges $lk_pin/s, FreeRADIUS PAP accepts $fr_pin/s"
	awk -v a="$lk_pin" -v b="$fr_pin" 'BEGIN {
		printf "ratio on one core: %.2f\n", a / b
	}'
fi
curl -s "$URL/metrics" | grep -E '^latchkey_vpn_(challenges|approvals_unpublished)' || true
