#!/bin/sh
# The JSON API of ARCHITECTURE §5 against a live latchkeyd and its embedded
# slapd: api_live (libevent's HTTP client, the software authenticator)
# redeems TAPs, registers, signs in and out, renames and removes passkeys,
# and checks every refusal of issue 4 by its status and error code.  Then
# the audit file: the events are there, the TAP codes are not.
. "$(dirname "$0")/lib.sh"

API_LIVE=$top_builddir/tests/integration/api_live

init_instance "$T/inst"
start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	not_ok "latchkeyd is ready"
	sed 's/^/# /' "$T/daemon.log"
	finish
	exit 1
fi
for u in alice bob carol; do
	ctl user add "$u" >/dev/null
done
issue() {
	ctl tap issue "$1" --one-time >"$T/tap-$1.out" && tail -n 1 "$T/tap-$1.out"
}
A=$(issue alice)
B=$(issue bob)
C=$(issue carol)

# The driver prints its own TAP lines; we add ours after its plan.
rc=0
"$API_LIVE" "$URL" "$A" "$B" "$C" >"$T/api.out" 2>"$T/api.err" || rc=$?
tap_merge "$T/api.out"
check "api_live exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/api.err"

AUDIT=$T/inst/audit.log
for ev in tap.redeemed tap.failed tap.locked registration signin passkey.renamed passkey.removed; do
	check "audit file has $ev" grep -q "\"event\":\"$ev\"" "$AUDIT"
done
check "audit: the failed sign-in has its reason" \
	grep -q '"event":"signin","outcome":"bad_signature"' "$AUDIT"
check "audit: no TAP code" sh -c "! grep -q -e '$A' -e '$B' -e '$C' '$AUDIT'"
check "daemon log: no TAP code" sh -c "! grep -q -e '$A' -e '$B' -e '$C' '$T/daemon.log'"
check "GET / serves the sign-in page" \
	sh -c "curl -s -D - '$URL/' | grep -qi '^content-type: text/html'"
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
finish
