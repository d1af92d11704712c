#!/bin/sh
# The assertion benchmark of docs/benchmarks.md: latchkey's whole ES256
# assertion verification beside OpenSSL's raw ECDSA P-256 verify, in the same
# run, on one core each (taskset pins both to CPU 0 when available).
# Usage: tests/bench/run.sh [SECONDS]   (make bench runs it)
set -eu
secs=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH_ASSERT:-$here/bench_assert}
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"

ours=$($pin "$bench" "$secs")
echo "$ours"
raw=$($pin openssl speed -seconds "$secs" ecdsap256 2>/dev/null | awk '/^ *256 bits ecdsa \(nistp256\)/ { print $(NF) }')
echo "openssl speed ecdsap256 verify: ${raw}/s"
for kind in warm cold; do
	rate=$(echo "$ours" | sed -n "s/.*, $kind: .*: \\([0-9.]*\\)\\/s,.*/\\1/p")
	awk -v k="$kind" -v a="$rate" -v b="$raw" 'BEGIN {
		printf "ratio latchkey/openssl, %s: %.3f (latchkey overhead per verify: %.1f us)\n", k, a / b, 1e6 / a - 1e6 / b
	}'
done
