# Shared helpers for the integration tests (sourced).  Each test gets its
# own temporary directory and free loopback ports, and a trap that stops
# everything it started.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
LATCHKEYD=$top_builddir/latchkeyd
LATCHKEYCTL=$top_builddir/latchkeyctl

T=$(mktemp -d "${TMPDIR:-/tmp}/lk-test.XXXXXX")
# The daemon drops to an unprivileged user when the tests run as root.
chmod 755 "$T"
PIDS=""
npass=0
nfail=0

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	# Whatever slapd a test started under $T, also ones latchkeyd left behind.
	pkill -f "slapd.*$T" 2>/dev/null || true
	if [ "${KEEP_TEST_DIR:-}" = "" ]; then
		rm -rf "$T"
	else
		echo "test directory kept: $T"
	fi
}
trap cleanup EXIT INT TERM

# A free TCP/UDP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Results are TAP lines, counted by the automake TAP driver.
ok() {
	npass=$((npass + 1))
	echo "ok - $*"
}

not_ok() {
	nfail=$((nfail + 1))
	echo "not ok - $*"
}

# check DESCRIPTION COMMAND...: runs the command, counts the outcome.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Ends the test: the TAP plan, and "N passed, N failed" as a diagnostic.
finish() {
	echo "1..$((npass + nfail))"
	echo "# $npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}

# init_instance DIR: a fresh instance on the embedded default with free ports.
init_instance() {
	HTTP_PORT=$(free_port)
	RADIUS_PORT=$(free_port)
	URL=http://127.0.0.1:$HTTP_PORT
	"$LATCHKEYCTL" init "$1" --url "$URL" --radius "127.0.0.1:$RADIUS_PORT" >"$T/init.out"
	CONF=$(tail -n 1 "$T/init.out")
}

# start_daemon CONF LOG: runs latchkeyd -d in the background; sets DAEMON_PID.
start_daemon() {
	"$LATCHKEYD" -d -c "$1" >"$2" 2>&1 &
	DAEMON_PID=$!
	PIDS="$PIDS $DAEMON_PID"
}

# wait_for URL CODE [SECONDS]: polls until URL answers with the HTTP status CODE.
wait_for() {
	n=$(( ${3:-15} * 10 ))
	while [ "$n" -gt 0 ]; do
		c=$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null || true)
		[ "$c" = "$2" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "# $1 did not answer $2 (last: $c)"
	return 1
}

# http_status URL: the status code alone.
http_status() {
	curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null || true
}

# embedded_slapd_pid DIR: the pid of the slapd serving DIR/slapd, if any.
embedded_slapd_pid() {
	pgrep -f "slapd.*$1/slapd" | head -n 1
}

ctl() {
	"$LATCHKEYCTL" -c "$CONF" "$@"
}

# freeradius_paths DIR: the first lines of a radiusd.conf for Debian's
# FreeRADIUS 3.2 keeping all its files in DIR; the caller appends the rest.
freeradius_paths() {
	cat <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = $1
sbindir = /usr/sbin
logdir = $1
raddbdir = $1
radacctdir = $1
name = freeradius
confdir = $1
modconfdir = $1
certdir = $1
cadir = $1
run_dir = $1
db_dir = $1
libdir = /usr/lib/freeradius
pidfile = $1/radiusd.pid
EOF
}

# tap_merge FILE [PREFIX]: a C driver's TAP lines (ok / not ok), printed
# (their descriptions after PREFIX) and counted as this test's own.
tap_merge() {
	grep -E '^(ok|not ok) ' "$1" | sed "s/^\(ok\|not ok\) - /&${2:-}/" || true
	npass=$((npass + $(grep -c '^ok ' "$1" || true)))
	nfail=$((nfail + $(grep -c '^not ok ' "$1" || true)))
}

# have_pam_radius: Linux PAM's pam_radius_auth module is installed
# (Debian's libpam-radius-auth).
have_pam_radius() {
	for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security \
	    /lib/security /usr/lib/security; do
		[ -f "$d/pam_radius_auth.so" ] && return 0
	done
	return 1
}
