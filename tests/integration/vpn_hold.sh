#!/bin/sh
# Issue 6, hold mode, end to end: the 127.0.0.1 RADIUS client is a VPN that
# cannot show a challenge ("mode hold hold-timeout 10s").  radclient (with
# Message-Authenticator) asks for alice and waits; it retransmits every 2 s,
# and each retransmission is dropped while the request is held.  After ~3 s
# vpn_hold_live signs in as alice with the software authenticator, finds
# the request on GET /api/v1/vpn/pending and approves it by id: radclient
# gets one Access-Accept with Class latchkey:aal2.  Meanwhile bob's request,
# which nobody approves, gets Access-Reject before the 10 s hold timeout.
. "$(dirname "$0")/lib.sh"

DRIVER=$top_builddir/tests/integration/vpn_hold_live
if ! command -v radclient >/dev/null 2>&1; then
	echo "1..0 # SKIP radclient is not installed"
	exit 0
fi

init_instance "$T/inst"
sed -i "s|^\(radius-client 127.0.0.1 .*\)$|\1 name office-vpn mode hold hold-timeout 10s|" "$CONF"
check "the RADIUS client for 127.0.0.1 is in hold mode, named office-vpn" \
	grep -q "^radius-client 127.0.0.1 .* name office-vpn mode hold hold-timeout 10s" "$CONF"
SECRET=$(cat "$T/inst/radius-secret")
mkdir -p "$T/drv"
chmod 755 "$T/drv"

start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	not_ok "latchkeyd is ready"
	sed 's/^/# /' "$T/daemon.log"
	finish
	exit 1
fi
for u in alice bob; do
	ctl user add "$u" >/dev/null
done
ctl tap issue alice >"$T/tap.out" 2>&1 && tail -n 1 "$T/tap.out" >"$T/drv/tap-alice" ||
	sed 's/^/# /' "$T/tap.out"

metric() {
	curl -s "$URL/metrics" | awk -v k="$1${2:+{$2\}}" '$1 == k { print $2 }'
}

# vpn USER TIMEOUT RETRIES OUT: one Access-Request as the VPN, in the background.
vpn() {
	printf 'User-Name = "%s"\nMessage-Authenticator = 0x00\nCalling-Station-Id = "%s"\n' \
		"$1" "198.51.100.7" >"$T/req-$1"
	(
		start=$(date +%s)
		radclient -x -t "$2" -r "$3" "127.0.0.1:$RADIUS_PORT" auth "$SECRET" \
			<"$T/req-$1" >"$4" 2>&1 || true
		echo "elapsed $(($(date +%s) - start))" >>"$4"
	) &
}

vpn alice 2 6 "$T/alice.out"
PID_ALICE=$!
vpn bob 12 1 "$T/bob.out"
PID_BOB=$!
sleep 3
rc=0
"$DRIVER" "$URL" "$T/drv" alice 198.51.100.7 >"$T/drv.out" 2>"$T/drv.err" || rc=$?
tap_merge "$T/drv.out"
check "vpn_hold_live exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/drv.err"
wait "$PID_ALICE" || true
wait "$PID_BOB" || true

check "alice's VPN gets Access-Accept once" \
	test "$(grep -c '^Received Access-Accept' "$T/alice.out")" = 1
check "with Class latchkey:aal2" \
	grep -q 'Class = 0x6c617463686b65793a61616c32' "$T/alice.out"
check "and no Access-Reject" sh -c "! grep -q '^Received Access-Reject' '$T/alice.out'"
check "radclient retransmitted while the request was held" \
	test "$(grep -c '^Sent Access-Request' "$T/alice.out")" -ge 2
DUP=$(metric latchkey_radius_drops_total 'reason="duplicate_in_progress"')
check "the retransmissions were dropped in progress (${DUP:-none})" \
	test "${DUP:-0}" -gt 0
check "bob's request, never approved, gets Access-Reject" \
	grep -q '^Received Access-Reject' "$T/bob.out"
check "saying it was not approved in time" \
	grep -q 'Not approved in time' "$T/bob.out"
BOBT=$(sed -n 's/^elapsed //p' "$T/bob.out")
check "before the 10 s hold timeout (${BOBT:-?} s)" test "${BOBT:-99}" -lt 10
check "bob's request was sent once: no retransmission needed" \
	test "$(grep -c '^Sent Access-Request' "$T/bob.out")" = 1
AUDIT=$T/inst/audit.log
check "audit: the request held" grep -q '"event":"vpn.held","outcome":"success"' "$AUDIT"
check "audit: one VPN login" \
	test "$(grep -c '"event":"vpn.login","outcome":"success"' "$AUDIT")" = 1
check "audit: bob not approved" grep -q '"event":"vpn.login","outcome":"not_approved"' "$AUDIT"
check "audit and metrics call the client by its name" sh -c \
	"grep -q '\"radiusClient\":\"office-vpn\"' '$AUDIT' &&
	 test \"\$(curl -s '$URL/metrics' | grep -c '^latchkey_radius_requests_total{client=\\\"office-vpn\\\"} [1-9]')\" = 1"
if [ "$nfail" -gt 0 ]; then
	sed 's/^/# alice: /' "$T/alice.out"
	sed 's/^/# bob: /' "$T/bob.out"
	tail -40 "$T/daemon.log" | sed 's/^/# /'
fi
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
finish
