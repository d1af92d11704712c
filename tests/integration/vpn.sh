#!/bin/sh
# Issue 6, challenge mode, end to end: radclient is the VPN (with
# Message-Authenticator), vpn_live is the person who unlocks a passkey on
# /vpn.  A fresh instance (init writes radius-listen and a radius-client
# for 127.0.0.1 whose secret is DIR/radius-secret), two users with passes
# that the driver turns into passkeys, then every round of the VPN login:
# challenge, not yet, approve, accept, replay, an unknown user, a forged
# State, five wrong codes, an expired approval.
. "$(dirname "$0")/lib.sh"

DRIVER=$top_builddir/tests/integration/vpn_live
for tool in radclient ldapadd; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done

init_instance "$T/inst"
check "init wrote a RADIUS client for 127.0.0.1 with a secret file" \
	grep -q "^radius-client 127.0.0.1 secret-file $T/inst/radius-secret" "$CONF"
URI=$(ctl --json directory status 2>/dev/null | sed -n 's/.*"uri": "\([^"]*\)".*/\1/p')
mkdir -p "$T/drv"
chmod 755 "$T/drv"

start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	not_ok "latchkeyd is ready"
	sed 's/^/# /' "$T/daemon.log"
	finish
	exit 1
fi
S() { ldapsearch -LLL -Q -Y EXTERNAL -H "$URI" "$@" 2>/dev/null; }
SUFFIX=$(S -s base -b '' namingContexts | sed -n 's/^namingContexts: //p' | head -n 1)
LKBASE=$(S -b "$SUFFIX" '(&(objectClass=latchkeyPasskeyProfile)(cn=default))' dn |
	sed -n 's/^dn: cn=default,//p')
check "the latchkey base is found ($LKBASE)" test -n "$LKBASE"
echo "$LKBASE" >"$T/drv/base"

for u in alice bob; do
	ctl user add "$u" >/dev/null
	ctl tap issue "$u" >"$T/tap-$u.out" 2>&1 &&
		tail -n 1 "$T/tap-$u.out" >"$T/drv/tap-$u" ||
		sed 's/^/# /' "$T/tap-$u.out"
done

check "the /vpn page is served" test "$(http_status "$URL/vpn?code=K7Q2MX")" = 200

rc=0
"$DRIVER" "$URL" "$T/drv" "$RADIUS_PORT" "$T/inst/radius-secret" "$URI" \
	>"$T/drv.out" 2>"$T/drv.err" || rc=$?
tap_merge "$T/drv.out"
check "vpn_live exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { sed 's/^/# /' "$T/drv.err"; sed 's/^/# /' "$T/daemon.log" | tail -40; }

AUDIT=$T/inst/audit.log
check "audit: the approval" grep -q '"event":"vpn.approved","outcome":"success"' "$AUDIT"
check "audit: the VPN login" grep -q '"event":"vpn.login","outcome":"success"' "$AUDIT"
check "audit: another user's code refused" \
	grep -q '"event":"vpn.refused","outcome":"vpn_user_mismatch"' "$AUDIT"
check "audit: the request removed after five wrong codes" \
	grep -q '"event":"vpn.refused","outcome":"too_many_codes"' "$AUDIT"
curl -s "$URL/metrics" >"$T/metrics"
rejects() {
	sed -n "s/^latchkey_vpn_rejects_total{reason=\"$1\"} //p" "$T/metrics"
}
check "metrics: Access-Rejects counted by reason: forged State (3 and more)" \
	test "$(rejects state_unknown)" -ge 3
check "metrics: ... a used State brought back (1 and more)" test "$(rejects state_used)" -ge 1
check "metrics: ... after five wrong codes (1)" test "$(rejects too_many_codes)" -eq 1
check "metrics: ... an expired approval (1)" test "$(rejects expired)" -eq 1
check "metrics: the new challenges are counted, and every one was written" sh -c \
	"grep -Eq '^latchkey_vpn_challenges_total [1-9]' '$T/metrics' &&
	 grep -q '^latchkey_vpn_approvals_unpublished_total{reason=\"busy\"} 0$' '$T/metrics'"
check "no approval code in the audit trail or the log" sh -c \
	"! grep -Eq 'code=[A-Z0-9]{6}|code [A-Z0-9]{3}-[A-Z0-9]{3}' '$AUDIT' '$T/daemon.log'"
count_approvals() {
	ldapsearch -LLL -Q -Y EXTERNAL -H "$URI" -b "$LKBASE" \
	    "(&(objectClass=latchkeyApproval)$1)" dn 2>/dev/null | grep -c '^dn:' || true
}
check "no approval is left pending or approved (but the unknown user's, never approvable)" \
	test "$(count_approvals '(!(latchkeyApprovalUser=mallory))(|(latchkeyApprovalState=pending)(latchkeyApprovalState=approved))')" = 0
check "used and denied approvals stay, marked, until their expiry (a replayed State finds them)" \
	test "$(count_approvals '(|(latchkeyApprovalState=used)(latchkeyApprovalState=denied))')" -ge 3
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
finish
