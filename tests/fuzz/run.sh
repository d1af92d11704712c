#!/bin/sh
# Runs every libFuzzer harness tests/fuzz/fuzz_NAME: first over its seed
# corpus tests/fuzz/corpus/NAME (each file once), then fuzzing for
# FUZZ_SECONDS (default 10) from a copy of that corpus in a temporary
# directory, so the tree is never written.  A crash, a leak, a timeout or an
# exhausted memory limit fails the harness; the log keeps libFuzzer's output,
# and the input that failed is kept next to the harness as
# tests/fuzz/fuzz_NAME-crash-... (or -leak-, -timeout-, -oom-).  TAP output:
# one line per harness.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
: "${FUZZ_SECONDS:=10}"

T=$(mktemp -d "${TMPDIR:-/tmp}/lk-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
npass=0
nfail=0

# Leaks are failures; libFuzzer itself reports them, with the input.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS

# fuzz NAME: runs one harness; 0 if libFuzzer found nothing.
fuzz() {
	name=$1
	bin=$top_builddir/tests/fuzz/fuzz_$name
	seed=$top_srcdir/tests/fuzz/corpus/$name
	work=$T/$name
	prefix=$top_builddir/tests/fuzz/fuzz_$name-
	opts="-rss_limit_mb=2048 -max_len=8192 -timeout=5 -artifact_prefix=$prefix"

	if [ ! -x "$bin" ]; then
		echo "# $bin: not built"
		return 1
	fi
	echo "# $name: seed corpus $seed"
	# shellcheck disable=SC2086
	if ! "$bin" $opts "$seed"/* >"$T/$name.seed" 2>&1; then
		sed 's/^/# /' "$T/$name.seed"
		return 1
	fi
	mkdir "$work"
	cp "$seed"/* "$work"/
	echo "# $name: fuzzing for $FUZZ_SECONDS s"
	# shellcheck disable=SC2086
	if "$bin" $opts -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
	    "$work" >"$T/$name.fuzz" 2>&1; then
		tail -n 30 "$T/$name.fuzz" | sed 's/^/# /'
		return 0
	fi
	# The report, its stack and "Test unit written to PATH" come last.
	tail -n 100 "$T/$name.fuzz" | sed 's/^/# /'
	return 1
}

for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	if fuzz "$name"; then
		npass=$((npass + 1))
		echo "ok - fuzz_$name: seed corpus and $FUZZ_SECONDS s of fuzzing"
	else
		nfail=$((nfail + 1))
		echo "not ok - fuzz_$name: libFuzzer found a failing input (see above)"
	fi
done
echo "1..$((npass + nfail))"
echo "# $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
