#!/bin/sh
# The complete-login benchmark of docs/benchmarks.md (issue 6): challenge-
# mode VPN logins per second against a live latchkeyd and its embedded
# slapd (bench_login: Access-Request -> Access-Challenge, the code approved
# over HTTP with a passkey session, Access-Request with the State ->
# Access-Accept), beside FreeRADIUS 3.2 answering PAP from a users file
# (one Access-Request -> Access-Accept: its whole login), in the same run
# on the same machine.  Not a test.
# Usage: tests/bench/run-logins.sh [SECONDS]   (make bench-radius runs it
# after run-radius.sh)
# BENCH_LOGIN_C: the logins in flight to try (default "4 16 64");
# BENCH_WINDOWS: FreeRADIUS's requests in flight (default "16 64 256").
# The best of each side makes the ratio.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/freeradius-pap.sh"

secs=${1:-3}
concs=${BENCH_LOGIN_C:-4 16 64}
windows=${BENCH_WINDOWS:-16 64 256}
BENCH_LOGIN=${BENCH_LOGIN:-$top_builddir/tests/bench/bench_login}
BENCH_RADIUS=${BENCH_RADIUS:-$top_builddir/tests/bench/bench_radius}
FREERADIUS=${FREERADIUS:-$(command -v freeradius || echo /usr/sbin/freeradius)}

if [ ! -x "$FREERADIUS" ]; then
	echo "freeradius not installed (Debian package freeradius)" >&2
	exit 1
fi

# latchkeyd: a fresh instance, challenge mode for 127.0.0.1, the RADIUS
# rate limits raised as in run-radius.sh (they guard a real VPN and would
# measure themselves here), warnings only (each login writes info lines).
init_instance "$T/inst"
cat >>"$CONF" <<EOC
radius-rate-client 1000000/s
radius-rate-user 1000000/s
log-level warn
EOC
# BENCH_NOSYNC=1, a diagnosis only: the embedded slapd's database without
# fsync (olcDbNoSync), to show what the durable writes of each login cost.
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

# As many users as the most logins in flight: each has one at a time.
nusers=0
for c in $concs; do
	[ "$c" -gt "$nusers" ] && nusers=$c
done
: >"$T/users"
i=0
while [ "$i" -lt "$nusers" ]; do
	ctl user add "login$i" >/dev/null
	echo "login$i $(ctl tap issue "login$i" | tail -n 1)" >>"$T/users"
	i=$((i + 1))
done

# FreeRADIUS answering PAP from a users file (freeradius-pap.sh).
freeradius_pap_start

# One process enrols the users, then runs each concurrency in turn (the
# sessions stay fresh: a few seconds each).
lk_best=0
lines=$("$BENCH_LOGIN" "$URL" "$RADIUS_PORT" "$T/inst/radius-secret" "$T/users" \
    "$secs" $concs) || {
	echo "$lines"
	echo "bench_login failed; latchkeyd's log:" >&2
	tail -n 20 "$T/daemon.log" >&2
	exit 1
}
echo "$lines" | sed 's/^/latchkey /'
for r in $(echo "$lines" | sed -n 's/^logins C=[0-9]*: \([0-9]*\)\/s .*/\1/p'); do
	[ "$r" -gt "$lk_best" ] && lk_best=$r
done
fr_best=0
for w in $windows; do
	line=$("$BENCH_RADIUS" 127.0.0.1 "$FR_PORT" "$FR/secret" accept "$secs" "$w" 0 bench)
	echo "freeradius-pap $line"
	r=$(echo "$line" | sed -n 's/^[a-z]* W=[0-9]*: \([0-9]*\)\/s .*/\1/p')
	[ "${r:-0}" -gt "$fr_best" ] && fr_best=$r
done
echo "best: latchkey complete logins $lk_best/s, FreeRADIUS PAP logins $fr_best/s"
awk -v a="$lk_best" -v b="$fr_best" 'BEGIN {
	printf "ratio latchkey logins / FreeRADIUS PAP logins: %.3f\n", a / b
}'
curl -s "$URL/metrics" | grep -E '^latchkey_vpn_(challenges|approvals_unpublished)' || true
