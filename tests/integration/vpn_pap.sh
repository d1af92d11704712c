#!/bin/sh
# Issue 6, legacy passwords during the migration: radclient is a VPN that
# still sends PAP passwords, on a radius-client marked legacy.  A member of
# a radius-legacy-group gets in with the directory password (a bind as the
# user) and the reply attributes of the groups; a wrong or empty password
# is rejected; anyone else with the right password only gets the passkey
# challenge; the campaign's nudge comes when the campaign targets the user.
. "$(dirname "$0")/lib.sh"

APPROVE=$top_builddir/tests/integration/vpn_approve
for tool in radclient ldapmodify slappasswd; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done

init_instance "$T/inst"
SECRET=$(cat "$T/inst/radius-secret")
# The init's client for 127.0.0.1 becomes legacy; the groups' policy and replies.
sed -i 's/^\(radius-client 127\.0\.0\.1 .*\)$/\1 legacy/' "$CONF"
cat >>"$CONF" <<EOF
radius-legacy-group legacy
radius-reply legacy Filter-Id vpn-legacy
radius-reply staff Tunnel-Private-Group-Id 42
EOF
check "the client is marked legacy" grep -q '^radius-client 127.0.0.1 .* legacy$' "$CONF"
URI=$(ctl --json directory status 2>/dev/null | sed -n 's/.*"uri": "\([^"]*\)".*/\1/p')

start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	not_ok "latchkeyd is ready"
	sed 's/^/# /' "$T/daemon.log"
	finish
	exit 1
fi
S() { ldapsearch -LLL -Q -Y EXTERNAL -H "$URI" "$@" 2>/dev/null; }
M() { ldapmodify -Q -Y EXTERNAL -H "$URI" >/dev/null 2>"$T/ldapmodify.err"; }

ctl group add legacy >/dev/null
ctl group add staff >/dev/null
ctl user add carol --group legacy --group staff >/dev/null
ctl user add dave --group staff >/dev/null
PW='c0rrect horse'
HASH=$(slappasswd -s "$PW")
SUFFIX=$(S -s base -b '' namingContexts | sed -n 's/^namingContexts: //p' | head -n 1)
CAROL=$(S -b "$SUFFIX" '(uid=carol)' dn | sed -n 's/^dn: //p')
for u in carol dave; do
	dn=$(S -b "$SUFFIX" "(uid=$u)" dn | sed -n 's/^dn: //p')
	printf 'dn: %s\nchangetype: modify\nreplace: userPassword\nuserPassword: %s\n' \
		"$dn" "$HASH" | M
done
# The embedded directory lets a password be checked by a bind as its user
# (auth access), as any directory that checks passwords does.
check "the embedded directory allows password binds" \
	sh -c "ldapwhoami -x -H '$URI' -D '$CAROL' -w '$PW' >/dev/null 2>&1"

# ask NAME PASSWORD [STATE]: one Access-Request with Message-Authenticator; the reply in $T/out.
n=0
ask() {
	n=$((n + 1))
	{ printf 'User-Name = "%s"\nUser-Password = "%s"\nMessage-Authenticator = 0x00\n' \
		"$1" "$2"; [ -z "${3:-}" ] || printf 'State = %s\n' "$3"; } | radclient -x -r 1 -t 5 "127.0.0.1:$RADIUS_PORT" auth "$SECRET" \
		>"$T/out" 2>&1 || true
	cp "$T/out" "$T/out.$n"
}
# The listener's per-user rate: a pause between a user's rounds.
pause() { sleep 1.2; }

ask carol "$PW"
check "the right password of a legacy-group member: Access-Accept" grep -q 'Received Access-Accept' "$T/out"
check "Class latchkey:password" grep -q 'Class = 0x6c617463686b65793a70617373776f7264' "$T/out"
check "the legacy group's Filter-Id" grep -q 'Filter-Id = "vpn-legacy"' "$T/out"
check "the staff group's VLAN" grep -Eq 'Tunnel-Private-Group-Id(:0)? = "42"' "$T/out"
check "no campaign nudge while the campaign is off" sh -c "! grep -q 'Set up a passkey' '$T/out'"
pause
ask carol 'wrong horse'
check "a wrong password: Access-Reject" grep -q 'Received Access-Reject' "$T/out"
pause
ask carol ''
check "an empty password is not accepted" sh -c "! grep -q 'Received Access-Accept' '$T/out'"
pause
ask dave "$PW"
check "the right password of a user in no legacy group: the passkey challenge" \
	grep -q 'Received Access-Challenge' "$T/out"
check "no password attributes for them" sh -c "! grep -q 'Filter-Id' '$T/out'"
# dave approves with a passkey: the challenge flow's Accept carries staff's VLAN.
STATE=$(sed -n 's/^[[:space:]]*State = \(0x[0-9a-f]*\).*/\1/p' "$T/out" | head -n 1)
CODE=$(sed -n 's/.*vpn?code=\([A-Z0-9]\{6\}\).*/\1/p' "$T/out" | head -n 1)
ctl tap issue dave 2>&1 | tail -n 1 >"$T/tap-dave"
if "$APPROVE" "$URL" "$T/tap-dave" dave "$CODE" >"$T/approve.out" 2>&1; then
	ok "dave approves the code with a passkey"
else
	not_ok "dave approves the code with a passkey"
	sed 's/^/# /' "$T/approve.out"
fi
pause
ask dave "$PW" "$STATE"
check "the approved challenge: Access-Accept with Class latchkey:aal2" sh -c \
	"grep -q 'Received Access-Accept' '$T/out' &&
	 grep -q 'Class = 0x6c617463686b65793a61616c32' '$T/out'"
check "the challenge flow's Accept carries the staff group's VLAN" \
	grep -Eq 'Tunnel-Private-Group-Id(:0)? = "42"' "$T/out"
check "and not the legacy group's Filter-Id" sh -c "! grep -q 'Filter-Id' '$T/out'"
ask nobody "$PW"
check "an unknown user: the passkey challenge too" grep -q 'Received Access-Challenge' "$T/out"

ctl campaign set --state enabled --include legacy >/dev/null
# webflow caches the policy; the password path reads it at each login.
pause
ask carol "$PW"
check "the campaign targets carol: Accept with the nudge" sh -c \
	"grep -q 'Received Access-Accept' '$T/out' &&
	 grep -q 'Reply-Message = \"Set up a passkey at $URL/setup: passwords for the VPN will end\"' '$T/out'"

AUDIT=$T/inst/audit.log
check "audit: vpn.password success" grep -q '"event":"vpn.password","outcome":"success"' "$AUDIT"
check "audit: vpn.password wrong_password" \
	grep -q '"event":"vpn.password","outcome":"wrong_password"' "$AUDIT"
check "the password never reaches the log or the audit trail" sh -c \
	"! grep -rq -e 'c0rrect' -e 'wrong horse' '$T/daemon.log' '$AUDIT'"

# A radius-reply the dictionary does not know is refused on reload, with its line.
echo "radius-reply staff Not-An-Attribute 1" >>"$CONF"
kill -HUP "$DAEMON_PID"
sleep 1
check "a bad radius-reply: the reload is refused with FILE:LINE" \
	grep -q "reload refused.*$CONF:[0-9]*: radius-reply: Not-An-Attribute" "$T/daemon.log"
pause
ask carol "$PW"
check "the running configuration still answers" grep -q 'Received Access-Accept' "$T/out"
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
[ "$nfail" -eq 0 ] || sed 's/^/# /' "$T/daemon.log" | tail -40
finish
