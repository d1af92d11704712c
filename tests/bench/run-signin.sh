#!/bin/sh
# The sign-in benchmark of docs/benchmarks.md (issue 4): complete passkey
# sign-ins per second against a live latchkeyd and its embedded slapd
# (bench_signin: keep-alive HTTP, the software authenticator), beside
# @simplewebauthn/server's bare verifyAuthenticationResponse() in Node,
# in the same run on the same machine.  Not a test.
# Usage: tests/bench/run-signin.sh [SECONDS]   (make bench-signin runs it)
# BENCH_CONNECTIONS: the connection counts to try (default "1 4 8"); the
# best is the headline.
. "$(dirname "$0")/../integration/lib.sh"

secs=${1:-3}
conns=${BENCH_CONNECTIONS:-1 4 8}
BENCH_SIGNIN=${BENCH_SIGNIN:-$top_builddir/tests/bench/bench_signin}
SWA=$top_srcdir/tests/bench/swa

if [ ! -d "$SWA/node_modules/@simplewebauthn/server" ]; then
	(cd "$SWA" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

init_instance "$T/inst"
start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	echo "latchkeyd did not become ready:" >&2
	cat "$T/daemon.log" >&2
	exit 1
fi

# Two kinds of sign-in: by user name (begin looks the user up for
# allowCredentials), and usernameless (the "Sign in with a passkey" button
# and autofill: begin needs no directory, the passkey returns its user handle).
best=0
best_line=
for mode in name usernameless; do
	for c in $conns; do
		u="bench-$mode-$c"
		ctl user add "$u" >/dev/null
		tap=$(ctl tap issue "$u" | tail -n 1)
		if [ "$mode" = usernameless ]; then
			line=$(BENCH_USERNAMELESS=1 "$BENCH_SIGNIN" "$URL" "$u" "$tap" "$secs" "$c")
		else
			line=$("$BENCH_SIGNIN" "$URL" "$u" "$tap" "$secs" "$c")
		fi
		echo "$line, $mode"
		rate=$(echo "$line" | sed -n 's/^latchkey sign-ins: .*: \([0-9]*\)\/s .*/\1/p')
		if [ "${rate:-0}" -gt "$best" ]; then
			best=$rate
			best_line="$line, $mode"
		fi
	done
done

peer=$(node "$SWA/bench.mjs" "$secs")
echo "$peer"
swa=$(echo "$peer" | sed -n 's/.*: \([0-9]*\)\/s$/\1/p')
echo "best: $best_line"
awk -v a="$best" -v b="$swa" 'BEGIN {
	printf "ratio latchkey sign-ins / simplewebauthn verifications: %.2f (goal: 2)\n", a / b
}'
