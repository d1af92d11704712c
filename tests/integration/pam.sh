#!/bin/sh
# Issue 6 with a real RADIUS client: Linux PAM's pam_radius_auth (Debian 12
# ships 2.0.0) under pamtester, in challenge mode.  pamtester asks for the
# password; latchkey answers Access-Challenge, and pam_radius shows its
# Reply-Message (the /vpn address and the code) as the next prompt.  The
# person approves the code (vpn_approve: a passkey sign-in and POST
# /api/v1/vpn/approve), presses Enter, and pam_radius sends the State back:
# "successfully authenticated".
#
# pam_radius_auth 2.0.0 sends no Message-Authenticator (research §2, §4), so
# the first login is dropped (ma_missing) while the client still requires
# it; with "require-message-authenticator no" for that client (the legacy
# client opt-out) and a reload, the same login goes through.
#
# PAM reads services only from /etc/pam.d, so the test writes
# /etc/pam.d/latchkey-test-PID for the run and removes it on exit: root only.
. "$(dirname "$0")/lib.sh"

APPROVE=$top_builddir/tests/integration/vpn_approve
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - pam_radius_auth login # SKIP not root (needs /etc/pam.d)"
	echo "1..1"
	exit 0
fi
for f in pamtester ldapsearch; do
	if ! command -v "$f" >/dev/null 2>&1; then
		echo "1..0 # SKIP $f is not installed"
		exit 0
	fi
done
if ! have_pam_radius; then
	echo "1..0 # SKIP pam_radius_auth.so is not installed (libpam-radius-auth)"
	exit 0
fi

SERVICE=latchkey-test-$$
PAM_FILE=/etc/pam.d/$SERVICE
pam_cleanup() {
	rm -f "$PAM_FILE"
	cleanup
}
trap pam_cleanup EXIT INT TERM

init_instance "$T/inst"
SECRET=$(cat "$T/inst/radius-secret")
# The server line: address:port, secret, timeout (30 s, as docs/vpn.md
# advises; the default 3 s is enough on loopback, but not for a person).
printf '127.0.0.1:%s %s 30\n' "$RADIUS_PORT" "$SECRET" >"$T/pam_radius.conf"
chmod 600 "$T/pam_radius.conf"
printf 'auth required pam_radius_auth.so conf=%s\naccount required pam_permit.so\n' \
    "$T/pam_radius.conf" >"$PAM_FILE"

start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	not_ok "latchkeyd is ready"
	sed 's/^/# /' "$T/daemon.log"
	finish
	exit 1
fi
ok "latchkeyd is ready"
ctl user add alice >/dev/null
ctl tap issue alice >"$T/tap.out" 2>&1 && tail -n 1 "$T/tap.out" >"$T/tap-alice" ||
	sed 's/^/# /' "$T/tap.out"

# The person at the terminal: pamtester on a pseudo-terminal (PAM's
# conversation turns echo off for the password), answering its prompts.
# Writes what the terminal showed to OUT; with APPROVE set, approves the
# code the challenge showed before pressing Enter; first answers once
# before approving, to see "Not approved yet".
PERSON=$top_srcdir/tests/integration/pam_person.py

metric() {
	curl -s "$URL/metrics" | sed -n "s/^latchkey_radius_drops_total{reason=\"$1\"} //p"
}

# 1. The client as Debian configures it, latchkey requiring
#    Message-Authenticator (the default): every request is dropped.
ma0=$(metric ma_missing)
printf '127.0.0.1:%s %s 2\n' "$RADIUS_PORT" "$SECRET" >"$T/pam_radius.conf"
python3 "$PERSON" "$SERVICE" "$T/term1" >/dev/null 2>&1 || true
ma1=$(metric ma_missing)
check "pam_radius_auth 2.0.0 sends no Message-Authenticator: its requests are dropped (ma_missing ${ma0:-0} -> ${ma1:-0}) and the login fails" \
    sh -c "[ '${ma1:-0}' -gt '${ma0:-0}' ] && ! grep -q 'successfully authenticated' '$T/term1'"
check "pamtester saw no challenge while its requests were dropped" \
    sh -c "! grep -q '/vpn?code=' '$T/term1'"

# 2. The legacy-client opt-out for 127.0.0.1, and a reload (SIGHUP).
printf '127.0.0.1:%s %s 30\n' "$RADIUS_PORT" "$SECRET" >"$T/pam_radius.conf"
sed -i "s|^\(radius-client 127.0.0.1 .*\)\$|\1 require-message-authenticator no|" "$CONF"
check "the client is configured require-message-authenticator no" \
    grep -q '^radius-client 127.0.0.1 .* require-message-authenticator no' "$CONF"
kill -HUP "$DAEMON_PID"
sleep 1
python3 "$PERSON" "$SERVICE" "$T/term2" "$APPROVE" "$URL" "$T/tap-alice" alice \
    >/dev/null 2>&1 || true
sed 's/^/# pamtester: /' "$T/term2" | tr -d '\r'
check "the password prompt is answered with a challenge: pam_radius shows the /vpn address and the code" \
    grep -Eq "Unlock with your passkey at $URL/vpn\?code=[A-Z0-9]{6}, code [A-Z0-9]{3}-[A-Z0-9]{3}, then press Continue" "$T/term2"
check "Enter before approving: the next prompt says \"Not approved yet\"" \
    grep -q 'Not approved yet' "$T/term2"
if [ -f "$T/term2.approve" ]; then
	tap_merge "$T/term2.approve"
else
	not_ok "the code was approved on /api/v1/vpn/approve"
fi
check "after the approval and Enter, pamtester: \"successfully authenticated\"" \
    grep -q "pamtester: successfully authenticated" "$T/term2"
check "audit: the VPN login" grep -q '"event":"vpn.login","outcome":"success"' \
    "$T/inst/audit.log"
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
[ "$nfail" -eq 0 ] || tail -n 30 "$T/daemon.log" | sed 's/^/# daemon: /'
finish
