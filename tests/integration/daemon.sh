#!/bin/sh
# latchkeyd on the embedded default, as `latchkeyctl init` makes it: health
# endpoints, the directory round trip through latchkeyctl, hostile user
# names, the embedded slapd supervised, SIGHUP reload and a clean stop.
. "$(dirname "$0")/lib.sh"

init_instance "$T/inst"
check "init prints the configuration path on its last line" test "$CONF" = "$T/inst/latchkey.conf"
check "init writes the RADIUS secret with mode 0600" \
	test "$(stat -c %a "$T/inst/radius-secret")" = 600
check "the RADIUS secret is 48 hex digits (never taken for a command-line option)" \
	grep -qxE '[0-9a-f]{48}' "$T/inst/radius-secret"
check "the new configuration checks out" sh -c "'$LATCHKEYD' -n -c '$CONF' | grep -qx 'configuration OK'"

start_daemon "$CONF" "$T/daemon.log"
check "/healthz answers 200" wait_for "$URL/healthz" 200
check "/healthz says ok" sh -c "curl -s '$URL/healthz' | grep -q '\"ok\"'"
check "/readyz answers 200 once the embedded directory is up" wait_for "$URL/readyz" 200 20
check "the embedded slapd runs" test -n "$(embedded_slapd_pid "$T/inst")"
check "the embedded slapd listens only on its ldapi socket" \
	sh -c "ps -o args= -p $(embedded_slapd_pid "$T/inst") | grep -q 'ldapi://' && \
	! ps -o args= -p $(embedded_slapd_pid "$T/inst") | grep -q 'ldap://'"
if [ "$(id -u)" -eq 0 ]; then
	mkdir -m 700 "$T/private"
	rc=0
	"$LATCHKEYCTL" init "$T/private/inst" >"$T/private.out" 2>&1 || rc=$?
	check "as root, init refuses a directory the service user cannot reach" \
		sh -c "test $rc -eq 1 && ! test -f '$T/private/inst/latchkey.conf'"
	check "... and names the directory that blocks it" \
		grep -q "cannot reach it: $T/private is mode 0700" "$T/private.out"
	check "started as root, latchkeyd runs as the service user" \
		sh -c "test \"\$(ps -o user= -p $DAEMON_PID)\" != root"
fi

# The directory round trip.
check "group add" ctl group add staff
check "group add refuses a duplicate" sh -c "! '$LATCHKEYCTL' -c '$CONF' group add staff 2>/dev/null"
check "user add" ctl user add alice --display-name "Alice Liddell" --group staff
check "user add refuses a duplicate" sh -c "! '$LATCHKEYCTL' -c '$CONF' user add alice 2>/dev/null"
check "user add refuses a missing group, saying how to create it" sh -c "'$LATCHKEYCTL' -c '$CONF' user add bob --group nosuch 2>&1 | grep -q 'group add nosuch'"
check "a refused user add writes nothing" sh -c "! '$LATCHKEYCTL' -c '$CONF' user show bob >/dev/null 2>&1"
ctl user add bob >/dev/null
ctl --json user show alice >"$T/alice.json"
check "user show finds alice" grep -q '"user": "alice"' "$T/alice.json"
check "user show has her display name" grep -q '"displayName": "Alice Liddell"' "$T/alice.json"
check "user show has her group (memberof overlay)" grep -q '"staff"' "$T/alice.json"
check "user show: alice has a user handle" grep -q '"userHandle": true' "$T/alice.json"
check "user show text form" sh -c "'$LATCHKEYCTL' -c '$CONF' user show alice | grep -q 'groups: *staff'"
check "user show of a missing user fails" sh -c "! '$LATCHKEYCTL' -c '$CONF' user show carol 2>/dev/null"

# Hostile names never change the meaning of a filter: none of them finds
# alice or bob, and none of them breaks the daemon.
long=$(head -c 10240 /dev/zero | tr '\0' 'a')
for name in '*' 'a*' '*)(uid=*' ')(uid=*' 'alice)(|(uid=*' 'alice*' '\2a' '(uid=alice)' "$long"; do
	out=$("$LATCHKEYCTL" -c "$CONF" --json user show "$name" 2>&1 || true)
	if echo "$out" | grep -q '"user": "'; then
		not_ok "hostile name '$(echo "$name" | cut -c1-20)' found an entry: $out"
	else
		ok "hostile name '$(echo "$name" | cut -c1-20)' finds nobody"
	fi
done
check "hostile names leave the daemon ready" wait_for "$URL/readyz" 200 5
check "directory status says up" sh -c "'$LATCHKEYCTL' -c '$CONF' directory status | grep -q 'directory: up'"

# The embedded slapd dies: the supervisor restarts it, readyz comes back.
old=$(embedded_slapd_pid "$T/inst")
kill -9 "$old"
n=0
new=""
while [ "$n" -lt 100 ]; do
	new=$(embedded_slapd_pid "$T/inst")
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	sleep 0.1
	n=$((n + 1))
done
check "a killed embedded slapd is restarted" sh -c "test -n '$new' && test '$new' != '$old'"
check "/readyz is 200 again after the restart" wait_for "$URL/readyz" 200 20
check "the data survived the restart" sh -c "'$LATCHKEYCTL' -c '$CONF' user show alice >/dev/null"

# /metrics in the Prometheus text format.
curl -s "$URL/metrics" >"$T/metrics"
check "/metrics has HTTP counters" grep -q '^latchkey_http_requests_total' "$T/metrics"
check "/metrics has directory state" grep -q '^latchkey_directory_up 1' "$T/metrics"
check "/metrics has process metrics" grep -q '^process_resident_memory_bytes' "$T/metrics"

# SIGHUP with a broken file: refused with its reason, the old one stays.
cp "$CONF" "$T/conf.good"
echo "frobnicate yes" >>"$CONF"
kill -HUP "$DAEMON_PID"
sleep 0.5
check "a bad reload is refused with file and line" \
	grep -q "reload refused.*latchkey.conf:[0-9]*: .*frobnicate" "$T/daemon.log"
check "after a bad reload latchkeyd still serves" wait_for "$URL/readyz" 200 5
cp "$T/conf.good" "$CONF"
kill -HUP "$DAEMON_PID"
sleep 0.5
check "a good reload is taken" grep -q "configuration reloaded" "$T/daemon.log"
check "after a good reload latchkeyd still serves" wait_for "$URL/readyz" 200 5

# SIGTERM: latchkeyd exits 0 and takes its slapd with it.
slapd_pid=$(embedded_slapd_pid "$T/inst")
kill -TERM "$DAEMON_PID"
rc=0
wait "$DAEMON_PID" || rc=$?
check "SIGTERM stops latchkeyd with status 0" test "$rc" -eq 0
check "SIGTERM stops the embedded slapd" sh -c "! kill -0 $slapd_pid 2>/dev/null"
check "latchkeyctl says the directory is down when latchkeyd is stopped" \
	sh -c "'$LATCHKEYCTL' -c '$CONF' user show alice 2>&1 | grep -q 'is latchkeyd running'"
finish
