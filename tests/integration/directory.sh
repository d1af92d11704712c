#!/bin/sh
# latchkeyd against a directory it does not run: a real slapd started here,
# killed and started again (readyz 503, then 200 without restarting
# latchkeyd); a directory that is not there at all; a missing slapd binary.
. "$(dirname "$0")/lib.sh"

SLAPD=${SLAPD:-/usr/sbin/slapd}

# A directory made by init, served by a slapd this test runs itself.
init_instance "$T/ext"
URI=$("$LATCHKEYCTL" -c "$CONF" --json directory status | sed -n 's/.*"uri": "\([^"]*\)".*/\1/p')
check "directory status names the ldapi URI" test -n "$URI"
start_slapd() {
	"$SLAPD" -d 0 -h "$URI" -F "$T/ext/slapd/slapd.d" >>"$T/slapd.log" 2>&1 &
	SLAPD_PID=$!
	PIDS="$PIDS $SLAPD_PID"
}
start_slapd

PORT=$(free_port)
B=http://127.0.0.1:$PORT
mkdir -p "$T/b"
cat >"$T/b/latchkey.conf" <<CONF
state-dir $T/b
listen $B
directory $URI
sasl-external yes
base-dn dc=latchkey,dc=local
ldap-timeout 2s
ldap-backoff-max 1s
CONF
check "the external-directory configuration checks out" "$LATCHKEYD" -n -c "$T/b/latchkey.conf"
start_daemon "$T/b/latchkey.conf" "$T/b.log"
check "readyz 200 with the external slapd up" wait_for "$B/readyz" 200 20

kill "$SLAPD_PID"
wait "$SLAPD_PID" 2>/dev/null || true
check "readyz goes 503 when slapd is killed" wait_for "$B/readyz" 503 10
curl -s "$B/readyz" >"$T/readyz.json"
check "the 503 says why, as JSON" grep -q '"error": *"directory_unavailable"' "$T/readyz.json"
check "the 503 carries a message" grep -q '"message": *"[^"]' "$T/readyz.json"
check "healthz stays 200 while the directory is down" test "$(http_status "$B/healthz")" = 200
lines_before=$(grep -c 'warning' "$T/b.log" || true)
sleep 3
lines_after=$(grep -c 'warning' "$T/b.log" || true)
check "no log line per retry while down (3 s, backoff max 1 s)" \
	test "$((lines_after - lines_before))" -le 1

start_slapd
check "readyz is 200 again once slapd is back, without restarting latchkeyd" \
	wait_for "$B/readyz" 200 15
check "latchkeyd is the same process" kill -0 "$DAEMON_PID"
check "one line says the directory came back" grep -qi 'directory.*up\|connected' "$T/b.log"

# A directory that does not exist at all.
PORT2=$(free_port)
NOWHERE=$(free_port)
C=http://127.0.0.1:$PORT2
mkdir -p "$T/c"
cat >"$T/c/latchkey.conf" <<CONF
state-dir $T/c
listen $C
directory ldap://127.0.0.1:$NOWHERE
base-dn dc=example,dc=com
ldap-timeout 1s
ldap-backoff-max 1s
CONF
start_daemon "$T/c/latchkey.conf" "$T/c.log"
check "unreachable directory: healthz 200" wait_for "$C/healthz" 200 10
check "unreachable directory: readyz 503" wait_for "$C/readyz" 503 10
sleep 2
check "unreachable directory: latchkeyd keeps running" kill -0 "$DAEMON_PID"
check "unreachable directory: the state change is logged once" \
	test "$(grep -c 'warning' "$T/c.log")" -le 2

# The embedded directory without a slapd binary: a message naming the package.
mkdir -p "$T/d"
cat >"$T/d/latchkey.conf" <<CONF
state-dir $T/d
listen http://127.0.0.1:$(free_port)
directory embedded
slapd $T/no/such/slapd
CONF
rc=0
"$LATCHKEYD" -d -c "$T/d/latchkey.conf" >"$T/d.log" 2>&1 || rc=$?
check "missing slapd: latchkeyd refuses to start" test "$rc" -ne 0
check "missing slapd: the message names the Debian package" grep -q 'install the Debian package slapd' "$T/d.log"
finish
