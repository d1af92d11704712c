#!/bin/sh
# Issue 6, a FreeRADIUS kept in front: a real FreeRADIUS 3.2 (Debian's,
# with freeradius-rest) runs plugins/freeradius as shipped (the rlm_rest
# instance and the virtual server, only the address, port and secret
# filled in) and delegates every Access-Request to latchkeyd's
# POST /api/v1/radius/authorize.  radclient is the VPN talking to
# FreeRADIUS: the challenge with latchkey's code and State, "not approved
# yet", the approval with a passkey (vpn_approve), the Access-Accept with
# latchkey's Class and a group's reply attribute, the replayed State, an
# unknown user, and a FreeRADIUS holding the wrong secret.  Then the
# endpoint itself with curl: bad bodies, no secret; Linux PAM's
# pam_radius_auth under pamtester through FreeRADIUS (as root); hold mode.
. "$(dirname "$0")/lib.sh"

APPROVE=$top_builddir/tests/integration/vpn_approve
PLUGIN=$top_srcdir/plugins/freeradius
FREERADIUS=${FREERADIUS:-$(command -v freeradius || echo /usr/sbin/freeradius)}
for tool in radclient ldapsearch curl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done
if [ ! -x "$FREERADIUS" ] || [ ! -f /usr/lib/freeradius/rlm_rest.so ]; then
	echo "1..0 # SKIP FreeRADIUS 3.2 with rlm_rest is not installed (freeradius, freeradius-rest)"
	exit 0
fi

init_instance "$T/inst"
SECRET=$(cat "$T/inst/radius-secret")
# The init's client for 127.0.0.1 may also call the endpoint; a group's reply attribute.
sed -i 's/^\(radius-client 127\.0\.0\.1 .*\)$/\1 rest/' "$CONF"
echo "radius-reply staff Filter-Id vpn-staff" >>"$CONF"
check "the client is marked rest" grep -q '^radius-client 127.0.0.1 .* rest$' "$CONF"
URI=$(ctl --json directory status 2>/dev/null | sed -n 's/.*"uri": "\([^"]*\)".*/\1/p')

start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	not_ok "latchkeyd is ready"
	sed 's/^/# /' "$T/daemon.log"
	finish
	exit 1
fi
ctl group add staff >/dev/null
ctl user add alice --group staff >/dev/null
ctl tap issue alice >"$T/tap.out" 2>&1 && tail -n 1 "$T/tap.out" >"$T/tap-alice" ||
	sed 's/^/# /' "$T/tap.out"

# FreeRADIUS: a small radiusd.conf, the plugin's module and site as an
# admin installs them (connect_uri, password, listen address and port set),
# and a second copy of both holding a wrong secret on another port.
FR=$T/freeradius
FR_PORT=$(free_port)
FR_BAD_PORT=$(free_port)
FR_SECRET=fr$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$FR/mods-enabled" "$FR/sites-enabled"
{ freeradius_paths "$FR"; cat <<EOF
max_request_time = 40
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
	destination = stdout
	auth = yes
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
}
thread pool {
	start_servers = 2
	max_servers = 8
	min_spare_servers = 1
	max_spare_servers = 4
	max_requests_per_server = 0
}
client localhost {
	ipaddr = 127.0.0.1
	secret = "$FR_SECRET"
	require_message_authenticator = yes
}
# Linux PAM's pam_radius_auth 2.0.0 (Debian 12) sends no Message-Authenticator:
# it gets a client of its own, binding 127.0.0.2.
client pam {
	ipaddr = 127.0.0.2
	secret = "$FR_SECRET"
	require_message_authenticator = no
}
# handled, reject and ok are rlm_always instances (Debian's mods-enabled/always).
modules {
	always handled {
		rcode = handled
	}
	always reject {
		rcode = reject
	}
	always ok {
		rcode = ok
	}
	\$INCLUDE mods-enabled/
}
\$INCLUDE sites-enabled/
EOF
} >"$FR/radiusd.conf"
# install_plugin NAME SECRET PORT: the shipped files, as an admin edits them.
install_plugin() {
	sed -e "s|^\(rest\) latchkey {|\1 $1 {|" \
	    -e "s|connect_uri = \".*\"|connect_uri = \"$URL\"|" \
	    -e "s|password = \".*\"|password = \"$2\"|" \
	    "$PLUGIN/mods-available/latchkey" >"$FR/mods-enabled/$1"
	sed -e "s|^server latchkey {|server $1 {|" \
	    -e "s|^\(\t\t\)latchkey\$|\1$1|" \
	    -e "s|ipaddr = \*|ipaddr = 127.0.0.1|" \
	    -e "s|port = 0|port = $3|" \
	    "$PLUGIN/sites-available/latchkey" >"$FR/sites-enabled/$1"
}
install_plugin latchkey "$SECRET" "$FR_PORT"
install_plugin latchkey_bad "wrong-$SECRET" "$FR_BAD_PORT"
check "the module calls latchkey's endpoint" \
	grep -q "connect_uri = \"$URL\"" "$FR/mods-enabled/latchkey"
check "the site calls the module from authorize" grep -q '^		latchkey$' "$FR/sites-enabled/latchkey"

if ! "$FREERADIUS" -C -d "$FR" >"$T/fr-check.log" 2>&1; then
	not_ok "FreeRADIUS accepts the plugin's configuration"
	sed 's/^/# /' "$T/fr-check.log" | tail -n 30
	finish
	exit 1
fi
ok "FreeRADIUS accepts the plugin's configuration"
"$FREERADIUS" -f -d "$FR" -l stdout >"$T/freeradius.log" 2>&1 &
PIDS="$PIDS $!"

# ask PORT NAME [STATE]: radclient as the VPN (Message-Authenticator);
# the reply in $T/out (and $T/out.N).
n=0
ask() {
	n=$((n + 1))
	{ printf 'User-Name = "%s"\nMessage-Authenticator = 0x00\n' "$2"
	  [ -z "${3:-}" ] || printf 'State = %s\n' "$3"; } |
	    radclient -x -r 1 -t 10 "127.0.0.1:$1" auth "$FR_SECRET" >"$T/out" 2>&1 || true
	cp "$T/out" "$T/out.$n"
}
state_of() { sed -n 's/^[[:space:]]*State = \(0x[0-9a-f]*\).*/\1/p' "$1" | head -n 1; }
metric() {
	curl -s "$URL/metrics" | sed -n "s/^latchkey_radius_rest_requests_total{outcome=\"$1\"} //p"
}
# The listener's per-user rate: a pause between a user's rounds.
pause() { sleep 1.2; }

# FreeRADIUS is ready when it answers.
i=0
while [ "$i" -lt 50 ]; do
	ask "$FR_PORT" alice
	grep -q '^Received Access-' "$T/out" && break
	sleep 0.2
	i=$((i + 1))
done
check "FreeRADIUS answers the VPN with an Access-Challenge (from latchkey)" \
	grep -q 'Received Access-Challenge' "$T/out"
check "its Reply-Message has the approval address and code" \
	grep -Eq "Reply-Message = \"Unlock with your passkey at $URL/vpn\?code=[A-Z0-9]{6}, code [A-Z0-9]{3}-[A-Z0-9]{3}" "$T/out"
STATE=$(state_of "$T/out")
CODE=$(sed -n 's/.*vpn?code=\([A-Z0-9]\{6\}\).*/\1/p' "$T/out" | head -n 1)
check "the State is latchkey's (present, passed through)" test -n "$STATE"
check "latchkey saw it as a REST challenge" sh -c "[ \"\$(curl -s '$URL/metrics' |
	sed -n 's/^latchkey_radius_rest_requests_total{outcome=\"challenge\"} //p')\" -ge 1 ]"

pause
ask "$FR_PORT" alice "$STATE"
check "the follow-up before approval: another Access-Challenge, \"not approved yet\"" sh -c \
	"grep -q 'Received Access-Challenge' '$T/out' && grep -qi 'not approved yet' '$T/out'"
STATE2=$(state_of "$T/out")
[ -n "$STATE2" ] || STATE2=$STATE

if "$APPROVE" "$URL" "$T/tap-alice" alice "$CODE" >"$T/approve.out" 2>&1; then
	ok "alice approves the code with a passkey (vpn_approve)"
else
	not_ok "alice approves the code with a passkey (vpn_approve)"
	sed 's/^/# /' "$T/approve.out"
fi
pause
ask "$FR_PORT" alice "$STATE2"
check "the approved follow-up: Access-Accept" grep -q 'Received Access-Accept' "$T/out"
check "with Class latchkey:aal2" grep -q 'Class = 0x6c617463686b65793a61616c32' "$T/out"
check "and the staff group's Filter-Id" grep -q 'Filter-Id = "vpn-staff"' "$T/out"

pause
ask "$FR_PORT" alice "$STATE2"
check "the same State again: Access-Reject" grep -q 'Received Access-Reject' "$T/out"

# An unknown user gets the same challenge, and never more.
ask "$FR_PORT" mallory
check "an unknown user: the same Access-Challenge" sh -c \
	"grep -q 'Received Access-Challenge' '$T/out' && grep -q 'vpn?code=' '$T/out'"
MSTATE=$(state_of "$T/out")
MCODE=$(sed -n 's/.*vpn?code=\([A-Z0-9]\{6\}\).*/\1/p' "$T/out" | head -n 1)
"$APPROVE" "$URL" "$T/tap-alice" alice "$MCODE" >"$T/approve-m.out" 2>&1 || true
pause
ask "$FR_PORT" mallory "$MSTATE"
check "its follow-up (after alice tried its code): no Access-Accept" sh -c \
	"grep -q '^Received Access-' '$T/out' && ! grep -q 'Received Access-Accept' '$T/out'"

# A FreeRADIUS holding the wrong secret: refused by latchkey, rejected by FreeRADIUS.
f0=$(metric forbidden)
ask "$FR_BAD_PORT" alice
f1=$(metric forbidden)
check "wrong Basic secret: FreeRADIUS answers Access-Reject" grep -q 'Received Access-Reject' "$T/out"
check "latchkey counts it forbidden (${f0:-?} -> ${f1:-?})" \
	sh -c "[ '${f1:-0}' -gt '${f0:-0}' ]"
check "latchkey logs the refusal" grep -q 'wrong or missing shared secret: refused' "$T/daemon.log"
check "and no secret reaches its log" sh -c "! grep -qF -- '$SECRET' '$T/daemon.log'"

# The endpoint itself.
post() {
	curl -s -o "$T/body" -w '%{http_code}' -u "freeradius:$1" \
	    -H 'Content-Type: application/json' --data-binary "$2" \
	    "$URL/api/v1/radius/authorize" 2>/dev/null || true
}
check "no secret: 403" test "$(curl -s -o /dev/null -w '%{http_code}' \
	-H 'Content-Type: application/json' --data-binary '{"User-Name":{"type":"string","value":["bob"]}}' \
	"$URL/api/v1/radius/authorize")" = 403
# expect STATUS ERROR DESCRIPTION BODY: a call with the right secret.
expect() {
	st=$(post "$SECRET" "$4")
	check "$3: $1${2:+ $2}" sh -c "[ '$st' = '$1' ] &&
		{ [ -z '$2' ] || grep -q '\"error\": *\"$2\"' '$T/body'; }"
}
expect 400 json_malformed "not JSON" 'nope'
expect 400 json_malformed "a JSON array" '[]'
expect 400 attribute_missing "no User-Name" '{}'
LONG=$(printf '%0300d' 0)
expect 400 attribute_invalid "a User-Name of 300 bytes" \
	"{\"User-Name\":{\"type\":\"string\",\"value\":[\"$LONG\"]}}"
expect 400 attribute_invalid "two User-Name values" \
	'{"User-Name":{"type":"string","value":["bob","eve"]}}'
expect 400 attribute_invalid "a State that is not hex" \
	'{"User-Name":{"type":"string","value":["bob"]},"State":{"type":"octets","value":["0xzz"]}}'
st=$(post "$SECRET" '{"User-Name":{"type":"string","value":["bob"]}}')
check "a well-formed call: 200 with an Access-Challenge in rlm_rest's form" sh -c \
	"[ '$st' = 200 ] &&
	grep -q '\"control:Response-Packet-Type\": *\"Access-Challenge\"' '$T/body' &&
	grep -q '\"reply:State\": *\"0x' '$T/body'"

# Linux PAM through FreeRADIUS: pam_radius_auth under pamtester (root only:
# PAM reads services from /etc/pam.d) asks FreeRADIUS from 127.0.0.2; the
# password prompt is answered with latchkey's challenge, "Not approved yet"
# before the approval, "successfully authenticated" after it.
PERSON=$top_srcdir/tests/integration/pam_person.py
if [ "$(id -u)" -ne 0 ] || ! have_pam_radius || ! command -v pamtester >/dev/null 2>&1; then
	echo "ok - pamtester through FreeRADIUS # SKIP needs root, pamtester and pam_radius_auth"
	npass=$((npass + 1))
else
	SERVICE=latchkey-fr-test-$$
	PAM_FILE=/etc/pam.d/$SERVICE
	fr_cleanup() {
		rm -f "$PAM_FILE"
		cleanup
	}
	trap fr_cleanup EXIT INT TERM
	printf '127.0.0.1:%s %s 30 127.0.0.2\n' "$FR_PORT" "$FR_SECRET" >"$T/pam_radius.conf"
	chmod 600 "$T/pam_radius.conf"
	printf 'auth required pam_radius_auth.so conf=%s\naccount required pam_permit.so\n' \
	    "$T/pam_radius.conf" >"$PAM_FILE"
	ctl tap issue alice >"$T/tap2.out" 2>&1 && tail -n 1 "$T/tap2.out" >"$T/tap-alice2" ||
		sed 's/^/# /' "$T/tap2.out"
	pause
	python3 "$PERSON" "$SERVICE" "$T/term" "$APPROVE" "$URL" "$T/tap-alice2" alice \
	    >/dev/null 2>&1 || true
	sed 's/^/# pamtester: /' "$T/term" | tr -d '\r'
	check "pamtester via FreeRADIUS: the password prompt is answered with latchkey's challenge" \
	    grep -Eq "Unlock with your passkey at $URL/vpn\?code=[A-Z0-9]{6}, code [A-Z0-9]{3}-[A-Z0-9]{3}, then press Continue" "$T/term"
	check "  ... Enter before approving: \"Not approved yet\"" grep -q 'Not approved yet' "$T/term"
	if [ -f "$T/term.approve" ]; then
		tap_merge "$T/term.approve"
	else
		not_ok "  ... the code was approved on /api/v1/vpn/approve"
	fi
	check "  ... after the approval and Enter: \"successfully authenticated\"" \
	    grep -q "pamtester: successfully authenticated" "$T/term"
fi

# Hold mode through FreeRADIUS: the HTTP request waits for the approval or
# the hold timeout; a caller that goes away ends its request.  First a
# login approved on the portal while FreeRADIUS's request waits
# (vpn_hold_live, as in vpn_hold.sh: the client named office-vpn, the
# person at Calling-Station-Id 198.51.100.7).
HOLD_LIVE=$top_builddir/tests/integration/vpn_hold_live
sed -i 's/^\(radius-client 127\.0\.0\.1 .*\) rest$/\1 name office-vpn mode hold hold-timeout 12s rest/' "$CONF"
kill -HUP "$DAEMON_PID"
sleep 1
mkdir -p "$T/drv"
ctl tap issue alice >"$T/tap3.out" 2>&1 && tail -n 1 "$T/tap3.out" >"$T/drv/tap-alice" ||
	sed 's/^/# /' "$T/tap3.out"
pause
printf 'User-Name = "alice"\nMessage-Authenticator = 0x00\nCalling-Station-Id = "198.51.100.7"\n' |
	radclient -x -r 1 -t 20 "127.0.0.1:$FR_PORT" auth "$FR_SECRET" >"$T/hold.out" 2>&1 &
HOLD_PID=$!
rc=0
"$HOLD_LIVE" "$URL" "$T/drv" alice 198.51.100.7 >"$T/hold-drv.out" 2>"$T/hold-drv.err" || rc=$?
tap_merge "$T/hold-drv.out" "hold via FreeRADIUS: "
wait "$HOLD_PID" || true
check "hold mode through FreeRADIUS: approved on the portal, the waiting request gets Access-Accept" \
	grep -q 'Received Access-Accept' "$T/hold.out"
check "  ... with Class latchkey:aal2" grep -q 'Class = 0x6c617463686b65793a61616c32' "$T/hold.out"
sed -i 's/ hold-timeout 12s rest$/ hold-timeout 3s rest/' "$CONF"
kill -HUP "$DAEMON_PID"
sleep 1
g0=$(metric gone)
curl -s -o /dev/null --max-time 1 -u "freeradius:$SECRET" -H 'Content-Type: application/json' \
	--data-binary '{"User-Name":{"type":"string","value":["bob"]}}' \
	"$URL/api/v1/radius/authorize" || true
sleep 0.5
g1=$(metric gone)
check "hold mode: a caller that gives up after 1 s ends its request (gone ${g0:-?} -> ${g1:-?})" \
	sh -c "[ '${g1:-0}' -gt '${g0:-0}' ]"
check "and nothing waits any more" sh -c "[ \"\$(curl -s '$URL/metrics' |
	sed -n 's/^latchkey_radius_requests_in_flight //p')\" = 0 ]"
pause
t0=$(date +%s)
ask "$FR_PORT" alice
t1=$(date +%s)
check "hold mode through FreeRADIUS: no approval, Access-Reject after the hold timeout ($((t1 - t0)) s)" \
	sh -c "grep -q 'Received Access-Reject' '$T/out' && [ $((t1 - t0)) -ge 2 ]"
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
[ "$nfail" -eq 0 ] && [ -z "${VERBOSE_FR:-}" ] || {
	tail -n 40 "$T/daemon.log" | sed 's/^/# daemon: /'
	tail -n 60 "$T/freeradius.log" | sed 's/^/# freeradius: /'
}
finish
