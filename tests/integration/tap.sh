#!/bin/sh
# Temporary Access Passes from the helpdesk's side, against the embedded
# directory: init makes the TAP key; `tap issue` prints the code alone on
# its last line (8 characters of the TAP alphabet) and stores only a keyed
# hash; `user show` says until when, never the code; the policy's bounds
# and one-time rule are enforced; a new pass replaces the old; `tap
# revoke`; the audit file has tap.issued and tap.revoked without the code.
. "$(dirname "$0")/lib.sh"

ALPHABET=ACDEFGHJKMNPQRTUVWXY34679

init_instance "$T/inst"
check "init creates the TAP key, 32 bytes, mode 0600" \
	sh -c "test \"\$(stat -c '%a %s' '$T/inst/keys/tap.key')\" = '600 32'"
check "in a keys directory of mode 0700" test "$(stat -c %a "$T/inst/keys")" = 700
if [ "$(id -u)" -eq 0 ]; then
	check "the key belongs to the service user" \
		test "$(stat -c %U "$T/inst/keys/tap.key")" = "$(sed -n 's/^user //p' "$CONF")"
fi

start_daemon "$CONF" "$T/daemon.log"
check "/readyz answers 200" wait_for "$URL/readyz" 200 20
ctl user add alice >/dev/null

# Issue with the policy's defaults (1 h, 8 characters, one-time).
ctl tap issue alice >"$T/issue.out" 2>"$T/issue.err"
check "tap issue succeeds" test $? -eq 0
CODE=$(tail -n 1 "$T/issue.out")
check "the last line is the code alone, 8 characters" \
	sh -c "printf '%s' '$CODE' | grep -qx '[$ALPHABET]\{8\}'"
check "the output says until when and one-time" \
	sh -c "grep -q 'valid until: ' '$T/issue.out' && grep -q 'one-time: *yes' '$T/issue.out'"
check "the code is printed once" test "$(grep -c "$CODE" "$T/issue.out")" = 1

ctl user show alice >"$T/show.txt"
check "user show says a TAP is valid and until when" \
	grep -q 'TAP: *valid, from .* until 20[0-9-]*T[0-9:]*Z, one-time' "$T/show.txt"
check "user show never prints the code" sh -c "! grep -q '$CODE' '$T/show.txt'"
ctl --json user show alice >"$T/show.json"
check "user show --json: tapExpiry, not the code" \
	sh -c "grep -q '\"tapExpiry\": \"20' '$T/show.json' && ! grep -q '$CODE' '$T/show.json'"
START=$(sed -n 's/.*"tapStart": "\([^"]*\)".*/\1/p' "$T/show.json")
EXPIRY=$(sed -n 's/.*"tapExpiry": "\([^"]*\)".*/\1/p' "$T/show.json")
check "the default lifetime is the policy's 1 h" \
	test $(( $(date -d "$EXPIRY" +%s) - $(date -d "$START" +%s) )) -eq 3600

# The directory holds a keyed hash only.
ldap_tap() {
	ldapsearch -LLL -o ldif-wrap=no -Y EXTERNAL -H "$(sed -n 's/.*"uri": "\([^"]*\)".*/\1/p' "$T/status.json")" \
		-b "ou=people,dc=latchkey,dc=local" "(uid=alice)" latchkeyTap 2>/dev/null
}
ctl --json directory status >"$T/status.json"
if command -v ldapsearch >/dev/null 2>&1; then
	ldap_tap >"$T/ldap.txt"
	check "the directory holds the TAP as JSON with a hash" grep -q '"hash":"' "$T/ldap.txt"
	check "the directory never holds the code" sh -c "! grep -q '$CODE' '$T/ldap.txt'"
fi

# The policy's bounds, named in the refusal.
check "--lifetime 10m is refused with the bounds" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap issue alice --lifetime 10m 2>'$T/e1' && grep -q 'from 1h to 8h' '$T/e1'"
check "--lifetime 9h is refused with the bounds" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap issue alice --lifetime 9h 2>'$T/e2' && grep -q 'from 1h to 8h' '$T/e2'"
check "--multi-use is refused: the policy makes passes one-time" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap issue alice --multi-use 2>'$T/e3' && grep -q 'one-time' '$T/e3'"
check "a refused issue leaves the first pass in place" \
	sh -c "'$LATCHKEYCTL' -c '$CONF' --json user show alice | grep -q '\"tapExpiry\": \"$EXPIRY\"'"
check "a bad --start is refused" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap issue alice --start yesterday 2>/dev/null"
check "tap issue for a missing user fails" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap issue nobody-here 2>/dev/null"

# A new pass replaces the old one: 8 h from a later start, --json.
ctl --json tap issue alice --lifetime 8h --start +2h >"$T/issue2.json"
check "tap issue --json has user, code, start, expiry, oneTime" \
	sh -c "grep -q '\"user\":\"alice\"' '$T/issue2.json' && grep -q '\"code\":\"[$ALPHABET]\{8\}\"' '$T/issue2.json' && grep -q '\"oneTime\":true' '$T/issue2.json' && grep -q '\"expiry\":\"20' '$T/issue2.json'"
CODE2=$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$T/issue2.json")
check "the new code differs from the old" test "$CODE2" != "$CODE"
ctl user show alice >"$T/show2.txt"
check "user show: the new pass is not yet valid" grep -q 'TAP: *not yet valid' "$T/show2.txt"
if command -v ldapsearch >/dev/null 2>&1; then
	check "one TAP per user: a single latchkeyTap value" \
		test "$(ldap_tap | grep -c '^latchkeyTap:')" = 1
fi

# Revoke.
check "tap revoke" sh -c "'$LATCHKEYCTL' -c '$CONF' tap revoke alice | grep -q 'TAP of alice revoked'"
check "user show: no TAP" sh -c "'$LATCHKEYCTL' -c '$CONF' user show alice | grep -q 'TAP: *none'"
check "tap revoke without a TAP says so and fails" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap revoke alice 2>'$T/e4' && grep -q 'has no TAP' '$T/e4'"

# A user made outside latchkey gets the latchkeyUser class with the pass.
if command -v ldapadd >/dev/null 2>&1; then
	URI=$(sed -n 's/.*"uri": "\([^"]*\)".*/\1/p' "$T/status.json")
	ldapadd -Y EXTERNAL -H "$URI" >/dev/null 2>&1 <<LDIF
dn: uid=carol,ou=people,dc=latchkey,dc=local
objectClass: inetOrgPerson
uid: carol
cn: Carol
sn: Carol
LDIF
	check "tap issue for a user without latchkeyUser" \
		sh -c "'$LATCHKEYCTL' -c '$CONF' tap issue carol >/dev/null"
	check "the user now has the latchkeyUser class" \
		sh -c "ldapsearch -LLL -Y EXTERNAL -H '$URI' -b 'uid=carol,ou=people,dc=latchkey,dc=local' -s base objectClass 2>/dev/null | grep -q 'objectClass: latchkeyUser'"
	check "a second pass for her replaces the first (class already there)" \
		sh -c "'$LATCHKEYCTL' -c '$CONF' tap issue carol >/dev/null"
fi

AUDIT=$T/inst/audit.log
if [ "$(id -u)" -eq 0 ]; then
	check "the audit file belongs to the service user" \
		test "$(stat -c %U "$AUDIT")" = "$(sed -n 's/^user //p' "$CONF")"
fi
check "the audit file has tap.issued for alice" \
	sh -c "grep '\"event\":\"tap.issued\"' '$AUDIT' | grep -q '\"subject\":\"alice\"'"
check "tap.issued lines for alice and carol, one tap.revoked" \
	sh -c "test \$(grep '\"event\":\"tap.issued\"' '$AUDIT' | grep -c '\"subject\":\"alice\"') = 2 && test \$(grep -c '\"event\":\"tap.revoked\"' '$AUDIT') = 1"
check "audit lines name the pass, its expiry and one-time" \
	sh -c "grep '\"event\":\"tap.issued\"' '$AUDIT' | head -n 1 | grep -q '\"tapId\":\".*\"expiry\":\"20.*\"oneTime\":true'"
check "the audit file never holds a code" \
	sh -c "! grep -q -e '$CODE' -e '$CODE2' '$AUDIT'"
check "every audit line is JSON" \
	sh -c "python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' '$AUDIT'"
check "the daemon log never holds a code" \
	sh -c "! grep -q -e '$CODE' -e '$CODE2' '$T/daemon.log'"

finish
