#!/bin/sh
# Runs the whole test suite (make check: unit tests plain and under ASan and
# UBSan, then the integration tests against a real slapd) and ends with one
# summary line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
make -j"$(nproc)" check
rc=$?
log=test-suite.log
if [ -f "$log" ]; then
	pass=$(sed -n 's/^# PASS: *//p' "$log")
	fail=$(sed -n 's/^# FAIL: *//p' "$log")
	err=$(sed -n 's/^# ERROR: *//p' "$log")
	skip=$(sed -n 's/^# SKIP: *//p' "$log")
	if [ "$rc" -ne 0 ]; then
		# Show what failed, so a CI log says why without the artefacts.
		for f in $(find tests -name '*.log' ! -name test-suite.log); do
			trs=${f%.log}.trs
			if [ -f "$trs" ] && grep -qE '^:test-result: (FAIL|ERROR)' "$trs"; then
				echo "===== $f"
				tail -n 60 "$f"
			fi
		done
	fi
	echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} )) failed, ${skip:-0} skipped"
else
	echo "0 passed, 1 failed"
fi
exit "$rc"
