#!/bin/sh
# slapd.sh: the embedded directory, live.  slapd_setup in a temporary
# directory; the supervisor starts slapd; SASL EXTERNAL over ldapi sees the
# base DIT and the default policies while anonymous clients see nothing;
# memberOf, the equality lookups and the delete-by-value compare-and-swap
# work; slapd killed with SIGKILL comes back; stop leaves no process.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
LIVE=$top_builddir/tests/integration/slapd_live
BASE=dc=example,dc=com
T=$(mktemp -d "${TMPDIR:-/tmp}/lk-slapd.XXXXXX")
driver=
cleanup() {
	# Stop what this test started: the driver, then any slapd it ran.
	[ -n "$driver" ] && kill -TERM "$driver" 2>/dev/null && sleep 1
	[ -n "$driver" ] && kill -KILL "$driver" 2>/dev/null
	if [ -f "$T/out" ]; then
		for p in $(sed -n 's/^pid //p' "$T/out"); do kill -KILL "$p" 2>/dev/null || :; done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fails=0
tap_n=0
ok() { tap_n=$((tap_n + 1)); echo "ok - $*"; }
fail() { tap_n=$((tap_n + 1)); echo "not ok - $*"; fails=$((fails + 1)); }
S() { ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$URI" "$@"; }
M() { ldapmodify -Q -Y EXTERNAL -H "$URI" "$@"; }
# Waits up to $1 tenths of a second for the command after it to succeed.
waitfor() {
	n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
lastpid() { sed -n 's/^pid //p' "$T/out" | tail -1; }

# --- setup errors a user can meet -----------------------------------------
long=$T/$(printf 'x%.0s' $(seq 1 100))
if "$LIVE" setup "$long" $BASE 2> "$T/err"; then fail "setup took a 100+ byte socket path"
elif grep -q 'exceeds the 107 bytes' "$T/err"; then ok "too long a socket path is refused: $(cat "$T/err")"
else fail "long path error unclear: $(cat "$T/err")"; fi

if "$LIVE" -s /nonexistent/slapd setup "$T/missing" $BASE 2> "$T/err"; then
	fail "setup ran without slapd"
elif grep -q 'slapd not found: install the Debian package slapd' "$T/err"; then
	ok "missing slapd names the package"
else fail "missing slapd error unclear: $(cat "$T/err")"; fi

if "$LIVE" setup "$T/bad" "cn=x+uid=y,$BASE" 2> "$T/err"; then fail "setup took a multi-valued RDN base"
elif grep -q 'multi-valued RDNs' "$T/err" && [ ! -e "$T/bad/slapd/slapd.d/cn=config.ldif" ]; then
	ok "bad base DN refused, nothing half-made left"
else fail "bad base DN: $(cat "$T/err")"; fi

# --- setup ---------------------------------------------------------------
D=$T/state
"$LIVE" setup "$D" $BASE 2> "$T/setup.err" || { cat "$T/setup.err"; echo "FAIL - setup"; exit 1; }
ok "setup"
URI=$("$LIVE" uri "$D")
enc=$(printf '%s' "$D/slapd/ldapi" | sed 's,/,%2F,g')
[ "$URI" = "ldapi://$enc" ] && ok "uri $URI" || fail "uri $URI != ldapi://$enc"
# conf.c derives the same URI for "directory embedded", odd characters and all.
odd="$T/a b+c%d"
mkdir "$odd"
printf 'state-dir "%s"\ndirectory embedded\n' "$odd" > "$T/latchkey.conf"
if "$LIVE" conf-uri "$T/latchkey.conf" > "$T/cu" 2>&1; then ok "conf.c and slapd_uri agree: $(sed -n 's/^slapd //p' "$T/cu")"
else fail "URI mismatch: $(cat "$T/cu")"; fi
if [ -z "$(find "$D/slapd" ! -user "$(id -u)")" ] &&
    [ -z "$(find "$D/slapd" -type d ! -perm 700)" ] &&
    [ -z "$(find "$D/slapd" -type f ! -perm 600)" ]; then
	ok "tree owned by uid $(id -u), directories 0700, files 0600"
else fail "ownership or modes: $(ls -lR "$D/slapd" | head -20)"; fi
if "$LIVE" setup "$D" $BASE 2> "$T/err"; then fail "setup ran twice"
elif grep -q 'already holds a directory' "$T/err"; then ok "second setup refused"
else fail "second setup: $(cat "$T/err")"; fi

# --- start ---------------------------------------------------------------
: > "$T/out"
"$LIVE" run "$D" > "$T/out" 2> "$T/log" &
driver=$!
if waitfor 100 S -b $BASE -s base dn > /dev/null 2>&1; then ok "slapd answers on $URI"
else cat "$T/log"; fail "slapd never answered"; exit 1; fi
# The driver writes "pid N" on a timer: wait for it before using it (under
# load slapd may answer before the line is written).
waitfor 100 sh -c "[ -n \"\$(sed -n 's/^pid //p' '$T/out')\" ]" || :
pid1=$(lastpid)
[ -n "$pid1" ] && kill -0 "$pid1" && ok "slapd runs as pid $pid1" || fail "no slapd pid"

S -b $BASE > "$T/dit" 2>&1 || :
for dn in "dn: $BASE" "dn: ou=people,$BASE" "dn: ou=groups,$BASE" "dn: ou=latchkey,$BASE" \
    "dn: cn=default,ou=latchkey,$BASE" "dn: cn=tap-policy,ou=latchkey,$BASE" \
    "dn: cn=campaign,ou=latchkey,$BASE"; do
	grep -qx "$dn" "$T/dit" && ok "found $dn" || fail "missing $dn"
done
prof=$(S -b "cn=default,ou=latchkey,$BASE" -s base latchkeyPasskeyType latchkeyUserVerification \
    latchkeyAttestationEnforcement latchkeyKeyRestriction latchkeyIncludeGroup | sort | tr '\n' ' ')
[ "$prof" = " dn: cn=default,ou=latchkey,$BASE latchkeyAttestationEnforcement: disabled latchkeyKeyRestriction: off latchkeyPasskeyType: deviceBound latchkeyPasskeyType: synced latchkeyUserVerification: required " ] &&
	ok "default profile: both types, no attestation, UV required, no include group" ||
	fail "default profile: $prof"
tap=$(S -b "cn=tap-policy,ou=latchkey,$BASE" -s base latchkeyTapMinLifetime latchkeyTapMaxLifetime \
    latchkeyTapDefaultLifetime latchkeyTapDefaultLength latchkeyTapOneTime | sed 1d | sort | tr '\n' ' ')
[ "$tap" = " latchkeyTapDefaultLength: 8 latchkeyTapDefaultLifetime: 3600 latchkeyTapMaxLifetime: 28800 latchkeyTapMinLifetime: 3600 latchkeyTapOneTime: TRUE " ] &&
	ok "TAP policy 3600/28800/3600 s, length 8, one-time" || fail "TAP policy: $tap"

# Anonymous: the root DSE only.
anon=$(ldapsearch -x -LLL -H "$URI" -b $BASE 2>&1 || :)
dse=$(ldapsearch -x -LLL -H "$URI" -b "" -s base namingContexts 2>&1 || :)
if ! echo "$anon" | grep -q '^dn:' && echo "$dse" | grep -q "namingContexts: $BASE"; then
	ok "anonymous sees the root DSE and no entries"
else fail "anonymous access: $anon / $dse"; fi
cfg=$(S -b "olcDatabase={1}mdb,cn=config" -s base olcDbIndex 2>&1 | grep -c '^olcDbIndex:' || :)
[ "$cfg" -eq 11 ] && ok "root manages cn=config; 11 indexes" || fail "cn=config indexes: $cfg"

# --- the schema at work ------------------------------------------------
HANDLE=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
ldapadd -Q -Y EXTERNAL -H "$URI" > "$T/add.out" 2>&1 <<EOF || fail "ldapadd: $(cat "$T/add.out")"
dn: uid=alice,ou=people,$BASE
objectClass: inetOrgPerson
objectClass: latchkeyUser
uid: alice
cn: Alice
sn: Example
latchkeyUserHandle:: $HANDLE
latchkeyPasskeyId:: AQID
latchkeyPasskeyId:: BAUG
latchkeyPasskey: {"v":1,"id":"AQID","signCount":0}
latchkeyPasskey: {"v":1,"id":"BAUG","signCount":7}
latchkeyTap: {"v":1,"id":"t1","uses":0}

dn: cn=staff,ou=groups,$BASE
objectClass: groupOfNames
cn: staff
member: uid=alice,ou=people,$BASE

dn: latchkeyApprovalId=0a0b,ou=latchkey,$BASE
objectClass: latchkeyApproval
latchkeyApprovalId: 0a0b
latchkeyApprovalUser: alice
latchkeyApprovalExpiry: 20200101000000Z
latchkeyApprovalState: pending

dn: latchkeyApprovalId=0c0d,ou=latchkey,$BASE
objectClass: latchkeyApproval
latchkeyApprovalId: 0c0d
latchkeyApprovalUser: alice
latchkeyApprovalExpiry: 20991231000000Z
latchkeyApprovalState: pending
EOF
[ "$(S -b $BASE uid=alice memberOf | sed -n 's/^memberOf: //p')" = "cn=staff,ou=groups,$BASE" ] &&
	ok "memberOf appears on alice" || fail "no memberOf on alice"
[ "$(S -b $BASE '(latchkeyPasskeyId=\04\05\06)' dn)" = "dn: uid=alice,ou=people,$BASE" ] &&
	ok "lookup by credential id" || fail "lookup by credential id"
hx=$(printf '%s' "$HANDLE" | base64 -d | od -An -tx1 | tr -d ' \n' | sed 's/../\\&/g')
[ "$(S -b $BASE "(latchkeyUserHandle=$hx)" dn)" = "dn: uid=alice,ou=people,$BASE" ] &&
	ok "lookup by user handle" || fail "lookup by user handle"
exp=$(S -b "ou=latchkey,$BASE" '(&(objectClass=latchkeyApproval)(latchkeyApprovalExpiry<=20260101000000Z))' dn)
[ "$exp" = "dn: latchkeyApprovalId=0a0b,ou=latchkey,$BASE" ] &&
	ok "expired approvals found by ordering search" || fail "expiry search: $exp"

# Compare-and-swap: delete the old value, add the new one, in one modify.
cas() {
	M > "$T/cas.out" 2>&1 <<EOF
dn: uid=alice,ou=people,$BASE
changetype: modify
delete: latchkeyPasskey
latchkeyPasskey: {"v":1,"id":"BAUG","signCount":$1}
-
add: latchkeyPasskey
latchkeyPasskey: {"v":1,"id":"BAUG","signCount":$2}
-
EOF
}
cas 7 8 && ok "passkey value swapped by value (7 -> 8)" || fail "swap: $(cat "$T/cas.out")"
if cas 7 9; then fail "stale swap (7 -> 9) succeeded"
elif grep -q 'No such attribute (16)' "$T/cas.out"; then ok "stale swap refused: noSuchAttribute"
else fail "stale swap: $(cat "$T/cas.out")"; fi
n=$(S -b $BASE uid=alice latchkeyPasskey | grep -c '^latchkeyPasskey:')
[ "$n" -eq 2 ] && S -b $BASE uid=alice latchkeyPasskey | grep -q '"signCount":8}' &&
	ok "two passkeys kept, counter 8" || fail "passkeys after swap: $n"
consume() {
	M > "$T/tap.out" 2>&1 <<EOF
dn: uid=alice,ou=people,$BASE
changetype: modify
delete: latchkeyTap
latchkeyTap: {"v":1,"id":"t1","uses":0}
-
EOF
}
consume && ok "one-time TAP consumed" || fail "consume: $(cat "$T/tap.out")"
consume && fail "TAP consumed twice" || ok "second consumption refused"

# --- supervision ------------------------------------------------------------
[ -n "$pid1" ] && kill -KILL "$pid1"
if waitfor 100 sh -c "[ -n \"\$(sed -n 's/^pid //p' '$T/out' | tail -1 | grep -vx '$pid1')\" ]"; then
	pid2=$(lastpid)
	ok "slapd restarted after SIGKILL: pid $pid1 -> $pid2"
else fail "no restart after SIGKILL"; pid2=; fi
if waitfor 100 S -b $BASE uid=alice dn > /dev/null 2>&1; then ok "data survives the restart"
else fail "no answer after restart"; fi
grep -q "slapd (pid $pid1) was killed by signal 9" "$T/log" && ok "one log line for the death" ||
	fail "death not logged"

# --- stop ----------------------------------------------------------------
kill -TERM "$driver"
if waitfor 100 sh -c "! kill -0 $driver 2>/dev/null"; then
	wait "$driver" 2>/dev/null || :
	driver=
	grep -qx stopped "$T/out" && ok "driver stopped cleanly" || fail "driver did not report stop"
else fail "driver still running"; fi
if [ -n "$pid2" ] && kill -0 "$pid2" 2>/dev/null; then fail "slapd $pid2 survived stop"
else ok "no slapd left running"; fi
if [ -z "$(pgrep -f -- "-F $D/slapd/slapd.d" || :)" ]; then ok "no process serves $D"
else fail "left over: $(pgrep -af -- "-F $D/slapd/slapd.d")"; fi

# --- root sets up for a service user, which then runs slapd -----------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	chmod 711 "$T"
	"$LIVE" -u 65534 setup "$T/svc" $BASE 2> "$T/err" || fail "setup for uid 65534: $(cat "$T/err")"
	[ -z "$(find "$T/svc/slapd" ! -user 65534)" ] && ok "tree handed to uid 65534" ||
		fail "tree not handed over"
	URI=$("$LIVE" uri "$T/svc")
	: > "$T/out"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$LIVE" run "$T/svc" > "$T/out" 2> "$T/log" &
	driver=$!
	if waitfor 100 S -b "cn=default,ou=latchkey,$BASE" -s base dn > /dev/null 2>&1; then
		ok "slapd runs as uid 65534; root still manages the data"
	else fail "service-user slapd: $(tail -3 "$T/log")"; fi
	kill -TERM "$driver"; waitfor 100 sh -c "! kill -0 $driver 2>/dev/null" || :
	wait "$driver" 2>/dev/null || :
	driver=
fi

# TAP plan at the end: one line per check above.
echo "1..$tap_n"
[ "$fails" -eq 0 ]
