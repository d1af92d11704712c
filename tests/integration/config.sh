#!/bin/sh
# latchkeyd -n on good and bad configuration files: "configuration OK" and
# exit 0, or "FILE:LINE: reason" and exit 2.
. "$(dirname "$0")/lib.sh"

# expect_error NAME LINE PATTERN: latchkeyd -n on $T/NAME fails with FILE:LINE: and PATTERN.
expect_error() {
	rc=0
	out=$("$LATCHKEYD" -n -c "$T/$1" 2>&1) || rc=$?
	if [ "$rc" -eq 2 ] && echo "$out" | grep -q "^$T/$1:$2: .*$3"; then
		ok "$1: line $2, $3"
	else
		not_ok "$1: expected exit 2 and '$T/$1:$2: ...$3', got $rc: $out"
	fi
}

cat >"$T/good.conf" <<EOF2
# a comment
state-dir $T/state
listen http://127.0.0.1:8080
directory embedded
log-level debug
EOF2
check "a good file: configuration OK" sh -c "'$LATCHKEYD' -n -c '$T/good.conf' | grep -qx 'configuration OK'"

printf 'state-dir /tmp/x\n\n# comment\nlistn http://127.0.0.1:8080\n' >"$T/unknown.conf"
expect_error unknown.conf 4 'listn'

printf 'state-dir /tmp/x\nldap-timeout 5x\n' >"$T/duration.conf"
expect_error duration.conf 2 'ldap-timeout'

printf 'state-dir /tmp/x\nlisten http://0.0.0.0:8080\n' >"$T/plain.conf"
expect_error plain.conf 2 'loopback'

printf 'state-dir /tmp/x\nlog-level loud\n' >"$T/level.conf"
expect_error level.conf 2 'log-level'

printf 'state-dir /tmp/x\nstate-dir /tmp/y\n' >"$T/twice.conf"
expect_error twice.conf 2 'state-dir'

printf 'state-dir /tmp/x\nbind-password hunter2\n' >"$T/password.conf"
expect_error password.conf 2 'bind-password-file'
check "a refused inline password is never echoed" sh -c "! '$LATCHKEYD' -n -c '$T/password.conf' 2>&1 | grep -q hunter2"

rc=0
"$LATCHKEYD" -n -c "$T/missing.conf" >"$T/out" 2>&1 || rc=$?
check "a missing file: exit 2" test "$rc" -eq 2
check "a missing file: named in the message" grep -q "$T/missing.conf" "$T/out"
finish
