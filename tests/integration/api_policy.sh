#!/bin/sh
# Issue 5 against a live latchkeyd and its embedded slapd: passkey profiles
# at registration and sign-in (attested device-bound passkeys for admins
# at aal3, any passkey for everyone else at aal2, an AAGUID block list that
# takes effect at the next sign-in), the TAP policy's groups, and the
# registration campaign's "Not now" until its limit.  api_policy_live
# drives the API with a test attestation CA that latchkeyd trusts here only
# (attestation-root); the policy is written with ldapmodify over ldapi.
. "$(dirname "$0")/lib.sh"

DRIVER=$top_builddir/tests/integration/api_policy_live
if ! command -v ldapmodify >/dev/null 2>&1; then
	echo "1..0 # SKIP ldapmodify (ldap-utils) is not installed"
	exit 0
fi

init_instance "$T/inst"
URI=$(ctl --json directory status 2>/dev/null | sed -n 's/.*"uri": "\([^"]*\)".*/\1/p')
mkdir -p "$T/drv"
chmod 755 "$T/drv"

# The driver makes its CA first; latchkeyd must trust it from the start.
"$DRIVER" "$URL" "$T/drv" "$URI" >"$T/drv.out" 2>"$T/drv.err" &
DRIVER_PID=$!
PIDS="$PIDS $DRIVER_PID"
n=0
while [ ! -f "$T/drv/ca.pem" ] && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "the driver wrote its test CA" test -f "$T/drv/ca.pem"
echo "attestation-root $T/drv/ca.pem" >>"$CONF"

start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	not_ok "latchkeyd is ready"
	sed 's/^/# /' "$T/daemon.log"
	finish
	exit 1
fi
M() {
	ldapmodify -Q -Y EXTERNAL -H "$URI" >"$T/ldapmodify.out" 2>&1 ||
		{ sed 's/^/# /' "$T/ldapmodify.out"; return 1; }
}
S() { ldapsearch -LLL -Q -Y EXTERNAL -H "$URI" "$@" 2>/dev/null; }
SUFFIX=$(S -s base -b '' namingContexts | sed -n 's/^namingContexts: //p' | head -n 1)
LKBASE=$(S -b "$SUFFIX" '(&(objectClass=latchkeyPasskeyProfile)(cn=default))' dn |
	sed -n 's/^dn: cn=default,//p')
check "the default profile is found under the latchkey base ($LKBASE)" test -n "$LKBASE"

ctl group add admins >/dev/null
ctl group add staff >/dev/null
ctl user add ann --group admins >/dev/null
for u in sam cam cid; do
	ctl user add "$u" --group staff >/dev/null
done
ctl user add olly >/dev/null

check "policy: an admins profile, the default profile leaves admins out, passes for \
admins and staff (reusable), a campaign for staff" M <<LDIF
dn: cn=admins,$LKBASE
changetype: add
objectClass: top
objectClass: latchkeyPasskeyProfile
cn: admins
latchkeyPasskeyType: deviceBound
latchkeyAttestationEnforcement: registrationOnly
latchkeyKeyRestriction: off
latchkeyUserVerification: required
latchkeyIncludeGroup: admins

dn: cn=default,$LKBASE
changetype: modify
add: latchkeyExcludeGroup
latchkeyExcludeGroup: admins

dn: cn=tap-policy,$LKBASE
changetype: modify
add: latchkeyIncludeGroup
latchkeyIncludeGroup: admins
latchkeyIncludeGroup: staff
-
replace: latchkeyTapOneTime
latchkeyTapOneTime: FALSE

dn: cn=campaign,$LKBASE
changetype: modify
replace: latchkeyCampaignState
latchkeyCampaignState: enabled
-
replace: latchkeySnoozeDays
latchkeySnoozeDays: 0
-
replace: latchkeySnoozeLimit
latchkeySnoozeLimit: 2
-
add: latchkeyIncludeGroup
latchkeyIncludeGroup: staff
LDIF

# A pass for olly too: a pass can be issued to anyone, only users in scope redeem it.
for u in ann sam olly cam cid; do
	ctl tap issue "$u" --multi-use >"$T/tap-$u.out" 2>&1 &&
		tail -n 1 "$T/tap-$u.out" >"$T/drv/tap-$u" ||
		sed 's/^/# /' "$T/tap-$u.out"
done
echo "$LKBASE" >"$T/drv/base"
touch "$T/drv/go"

rc=0
wait "$DRIVER_PID" || rc=$?
tap_merge "$T/drv.out"
check "api_policy_live exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/drv.err"

AUDIT=$T/inst/audit.log
check "audit: the admin's synced passkey refused with its reason" \
	grep -q '"event":"registration","outcome":"passkey_type"' "$AUDIT"
check "audit: the sign-in refused by the block list" \
	grep -q '"event":"signin","outcome":"aaguid_blocked"' "$AUDIT"
check "audit: the redemption out of scope" \
	grep -q '"event":"tap.refused","outcome":"out_of_scope"' "$AUDIT"
check "audit: the snoozes and the refused one" sh -c \
	"grep -q '\"event\":\"campaign.snoozed\",\"outcome\":\"success\"' '$AUDIT' && \
	 grep -q '\"event\":\"campaign.snoozed\",\"outcome\":\"snooze_limit\"' '$AUDIT'"
check "the snooze count is in the directory" sh -c \
	"ldapsearch -LLL -Q -Y EXTERNAL -H '$URI' -b '$SUFFIX' '(uid=cam)' latchkeyCampaign | \
	 grep -q '\"count\":2'"
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
finish
