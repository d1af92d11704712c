#!/bin/sh
# Passkey profiles, the TAP policy and the registration campaign from the
# admin's side (issue 5), against the embedded directory: the default
# profile after set-up; "admins: attested device-bound keys only; everyone
# else: any passkey" in two commands; show and list (text and --json);
# every bad input refused naming its option, with nothing written; the TAP
# policy's bounds as `tap issue` then applies them; the campaign and its
# progress figures; delete (never the last profile); the audit lines.
. "$(dirname "$0")/lib.sh"

init_instance "$T/inst"
start_daemon "$CONF" "$T/daemon.log"
check "/readyz answers 200" wait_for "$URL/readyz" 200 20
ctl group add admins >/dev/null
ctl group add staff >/dev/null
ctl user add alice --group admins >/dev/null
ctl user add bob --group staff >/dev/null
ctl user add carol >/dev/null

# json_get FILE EXPR: a Python expression over the JSON document j.
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# The default profile exists after set-up and targets everyone.
ctl profile list >"$T/list0.txt"
check "profile list shows the default profile after set-up" \
	grep -q '^default  *deviceBound,synced  *disabled  *off  *required  *(everyone)' "$T/list0.txt"
ctl --json profile list >"$T/list0.json"
check "profile list --json: one profile, default, both types, nobody excluded" \
	test "$(json_get "$T/list0.json" '[(p["name"], p["types"], p["exclude"]) for p in j["profiles"]]')" = \
	"[('default', ['deviceBound', 'synced'], [])]"

# "admins: attested device-bound keys only; everyone else: any passkey".
check "profile add admins --types deviceBound --attestation registrationOnly --include admins" \
	sh -c "'$LATCHKEYCTL' -c '$CONF' profile add admins --types deviceBound --attestation registrationOnly --include admins >'$T/add.out'"
check "profile add says it added the profile" grep -q 'passkey profile admins added' "$T/add.out"
check "profile set default --exclude admins" \
	sh -c "'$LATCHKEYCTL' -c '$CONF' profile set default --exclude admins >/dev/null"
ctl --json profile show admins >"$T/admins.json"
check "profile show --json admins: device-bound, attestation, admins only" \
	test "$(json_get "$T/admins.json" '(j["types"], j["attestation"], j["keys"], j["userVerification"], j["include"], j["exclude"])')" = \
	"(['deviceBound'], 'registrationOnly', 'off', 'required', ['admins'], [])"
ctl --json profile show default >"$T/default.json"
check "profile show --json default: any passkey, admins excluded" \
	test "$(json_get "$T/default.json" '(j["types"], j["attestation"], j["include"], j["exclude"])')" = \
	"(['deviceBound', 'synced'], 'disabled', [], ['admins'])"
ctl profile show admins >"$T/admins.txt"
check "profile show (text) names the types, attestation and include group" \
	sh -c "grep -q '^types  *deviceBound$' '$T/admins.txt' && grep -q '^attestation  *registrationOnly$' '$T/admins.txt' && grep -q '^include  *admins$' '$T/admins.txt'"
ctl profile list >"$T/list1.txt"
check "profile list (text): both profiles as set" \
	sh -c "grep -q '^admins  *deviceBound  *registrationOnly  *off  *required  *admins  *-$' '$T/list1.txt' && grep -q '^default  *deviceBound,synced  *disabled  *off  *required  *(everyone)  *admins$' '$T/list1.txt'"

# Key restrictions: a list edited in place, the count in the list.
ctl profile set admins --keys allow --aaguid CB69481E-8FF7-4039-93EC-0A2729A154A8 \
	--aaguid ee882879-721c-4913-9775-3dfcce97072a >/dev/null
check "profile list: keys allow(2)" grep -q '^admins .* allow(2) ' "$(ctl profile list >"$T/l2"; echo "$T/l2")"
ctl profile set admins --remove-aaguid ee882879-721c-4913-9775-3dfcce97072a --add-include staff >/dev/null
ctl --json profile show admins >"$T/admins2.json"
check "--remove-aaguid and --add-include edit the lists (AAGUIDs in lowercase)" \
	test "$(json_get "$T/admins2.json" '(j["keys"], j["aaguids"], j["include"])')" = \
	"('allow', ['cb69481e-8ff7-4039-93ec-0a2729a154a8'], ['admins', 'staff'])"
ctl profile set admins --keys off --no-aaguids --remove-include staff >/dev/null
ctl --json profile show admins >"$T/admins3.json"
check "--no-aaguids and --remove-include restore the profile" \
	cmp -s "$T/admins.json" "$T/admins3.json"

# Bad input: refused with the option and the allowed values named, exit 1
# (2 for usage), and nothing written.
snapshot() {
	for w in "profile list" "tap-policy show" "campaign show"; do
		# shellcheck disable=SC2086
		"$LATCHKEYCTL" -c "$CONF" --json $w
	done
}
# refused DESCRIPTION STATUS PATTERN ARGS...: fails with STATUS, PATTERN on stderr, no change.
refused() {
	desc=$1 want=$2 pat=$3
	shift 3
	snapshot >"$T/before.json"
	set +e
	"$LATCHKEYCTL" -c "$CONF" "$@" >"$T/r.out" 2>"$T/r.err"
	st=$?
	set -e
	snapshot >"$T/after.json"
	if [ "$st" -eq "$want" ] && grep -q -e "$pat" "$T/r.err" && cmp -s "$T/before.json" "$T/after.json"; then
		ok "$desc"
	else
		not_ok "$desc (exit $st, stderr: $(cat "$T/r.err"))"
	fi
}
refused "unknown passkey type" 1 '^latchkeyctl: --types: unknown passkey type "roaming": use deviceBound, synced' \
	profile set admins --types deviceBound,roaming
refused "malformed AAGUID" 1 '--aaguid "cb69481e-8ff7" is not an AAGUID: .*8-4-4-4-12' \
	profile set admins --keys block --aaguid cb69481e-8ff7
refused "unknown attestation enforcement" 1 '--attestation "sometimes": use disabled or registrationOnly' \
	profile set admins --attestation sometimes
refused "unknown key restriction" 1 '--keys "deny": use off, allow or block' \
	profile set admins --keys deny
refused "an allow list without AAGUIDs" 1 '--keys allow: name the allowed authenticators' \
	profile set admins --keys allow
refused "unknown include group, with a valid change beside it" 1 '--include: group "nosuch" does not exist' \
	profile set admins --uv preferred --include nosuch
refused "unknown exclude group on a new profile" 1 '--exclude: group "ghosts" does not exist' \
	profile add contractors --exclude ghosts
refused "a profile that exists already" 1 'passkey profile admins exists already' \
	profile add admins
refused "a profile that does not exist" 1 'no passkey profile "nobody"' \
	profile set nobody --uv preferred
refused "an unknown option is a usage error" 2 'usage: latchkeyctl profile set' \
	profile set admins --colour blue
refused "set without options" 2 'nothing to change' profile set admins
refused "TAP lifetime under 10 minutes" 1 '--min "5m": the TAP lifetime must be a duration from 10m to 30d' \
	tap-policy set --min 5m
refused "TAP lifetime over 30 days" 1 '--max "31d": .* from 10m to 30d' tap-policy set --max 31d
refused "TAP minimum above the default" 1 'min <= default <= max; they would be 2h, 1h, 8h' \
	tap-policy set --min 2h
refused "TAP default above the maximum" 1 'min <= default <= max' tap-policy set --default 9h
refused "TAP length 7" 1 '--length "7": use a whole number from 8 to 48' tap-policy set --length 7
refused "TAP length 49" 1 '--length "49": use a whole number from 8 to 48' tap-policy set --length 49
refused "TAP one-time maybe" 1 '--one-time "maybe": use yes or no' tap-policy set --one-time maybe
refused "snooze days 15" 1 '--snooze-days "15": use a whole number from 0 to 14' campaign set --snooze-days 15
refused "snooze days -1" 1 '--snooze-days "-1": use a whole number from 0 to 14' campaign set --snooze-days -1
refused "campaign state" 1 '--state "on": use enabled or disabled' campaign set --state on
refused "campaign unknown group" 1 '--include: group "nosuch" does not exist' \
	campaign set --state enabled --include nosuch
check "no profile contractors was written" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' profile list | grep -q contractors"
"$LATCHKEYCTL" -c "$CONF" --json profile set admins --types sideways >"$T/err.json" 2>/dev/null || true
check "--json refusal: {error, message} naming the field" \
	test "$(json_get "$T/err.json" '(j["error"], "--types" in j["message"])')" = "('invalid_value', True)"

# The TAP policy, and `tap issue` within its new bounds.
ctl tap-policy show >"$T/tap0.txt"
check "tap-policy show: the set-up defaults 1h, 8h, 1h, 8, one-time" \
	sh -c "grep -q '^minLifetime  *1h$' '$T/tap0.txt' && grep -q '^maxLifetime  *8h$' '$T/tap0.txt' && grep -q '^defaultLifetime  *1h$' '$T/tap0.txt' && grep -q '^length  *8$' '$T/tap0.txt' && grep -q '^oneTime  *yes$' '$T/tap0.txt'"
check "tap-policy set --min 30m --max 2d --default 2h --length 12 --one-time no --include staff" \
	sh -c "'$LATCHKEYCTL' -c '$CONF' tap-policy set --min 30m --max 2d --default 2h --length 12 --one-time no --include staff >/dev/null"
ctl --json tap-policy show >"$T/tap1.json"
check "tap-policy show --json reflects it (seconds)" \
	test "$(json_get "$T/tap1.json" '(j["minLifetime"], j["maxLifetime"], j["defaultLifetime"], j["length"], j["oneTime"], j["include"])')" = \
	"(1800, 172800, 7200, 12, False, ['staff'])"
check "tap issue --lifetime 20m is refused with the new bounds" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap issue bob --lifetime 20m 2>'$T/t1' && grep -q 'from 30m to 2d' '$T/t1'"
check "tap issue --lifetime 3d is refused with the new bounds" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' tap issue bob --lifetime 3d 2>/dev/null"
ctl tap issue bob --lifetime 1d --multi-use >"$T/t2.out"
check "tap issue --lifetime 1d --multi-use within the new policy: a 12-character code" \
	sh -c "tail -n 1 '$T/t2.out' | grep -qx '[A-Z0-9]\{12\}' && grep -q 'one-time: *no' '$T/t2.out'"

# The campaign: show, set, status.
ctl --json campaign show >"$T/camp0.json"
check "campaign show --json: disabled, 1 day, 3 snoozes, everyone" \
	test "$(json_get "$T/camp0.json" '(j["state"], j["snoozeDays"], j["snoozeLimit"], j["include"])')" = \
	"('disabled', 1, 3, [])"
check "campaign set --state enabled --snooze-days 3 --snooze-limit 5 --include staff --include admins" \
	sh -c "'$LATCHKEYCTL' -c '$CONF' campaign set --state enabled --snooze-days 3 --snooze-limit 5 --include staff --include admins >/dev/null"
ctl campaign show >"$T/camp1.txt"
check "campaign show (text) reflects it" \
	sh -c "grep -q '^state  *enabled$' '$T/camp1.txt' && grep -q '^snoozeDays  *3$' '$T/camp1.txt' && grep -q '^snoozeLimit  *5$' '$T/camp1.txt' && grep -q '^include  *staff, admins$' '$T/camp1.txt'"
ctl --json campaign status >"$T/st0.json"
check "campaign status: 3 users, alice and bob targeted, none with a passkey" \
	test "$(json_get "$T/st0.json" '(j["state"], j["users"], j["targeted"], j["withPasskey"], j["withoutPasskey"], j["byProfile"], j["byKind"])')" = \
	"('enabled', 3, 2, 0, 2, {}, {})"

# Passkeys written straight into the directory: alice an attested
# device-bound one admitted by admins, bob a synced one by default, carol
# (not targeted) one more.
URI=$(ctl --json directory status | python3 -c 'import json,sys; print(json.load(sys.stdin)["uri"])')
passkey() { # PROFILE BE
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["profile"]=sys.argv[2]; r["be"]=r["bs"]=sys.argv[3]=="1"; r["type"]="synced" if r["be"] else "device-bound"; print(json.dumps(r, separators=(",", ":")))' \
		"$top_srcdir/tests/data/passkey-v1.json" "$1" "$2"
}
add_passkey() { # USER PROFILE BE
	printf 'dn: uid=%s,ou=people,dc=latchkey,dc=local\nchangetype: modify\nadd: latchkeyPasskey\nlatchkeyPasskey: %s\n' \
		"$1" "$(passkey "$2" "$3")" | ldapmodify -Y EXTERNAL -H "$URI" >/dev/null 2>&1
}
if command -v ldapmodify >/dev/null 2>&1; then
	check "a passkey added for alice over ldapi" add_passkey alice admins 0
	check "a passkey added for bob over ldapi" add_passkey bob default 1
	check "a passkey added for carol over ldapi" add_passkey carol default 1
	ctl --json campaign status >"$T/st1.json"
	check "campaign status: 2 of 2 targeted with a passkey, by profile and by kind" \
		test "$(json_get "$T/st1.json" '(j["users"], j["targeted"], j["withPasskey"], j["withoutPasskey"], sorted(j["byProfile"].items()), sorted(j["byKind"].items()))')" = \
		"(3, 2, 2, 0, [('admins', 1), ('default', 1)], [('device-bound', 1), ('synced', 1)])"
	ctl campaign status >"$T/st1.txt"
	check "campaign status (text)" \
		sh -c "grep -q '^targeted  *2$' '$T/st1.txt' && grep -q '^with a passkey  *2 (100%)$' '$T/st1.txt' && grep -q '^by kind  *.*synced 1' '$T/st1.txt'"
	ctl campaign set --no-include --exclude admins >/dev/null
	ctl --json campaign status >"$T/st2.json"
	check "campaign status after --no-include --exclude admins: bob and carol" \
		test "$(json_get "$T/st2.json" '(j["targeted"], j["withPasskey"], j["byProfile"], j["byKind"])')" = \
		"(2, 2, {'default': 2}, {'synced': 2})"
fi

# Delete: never the last profile.
check "profile delete admins" sh -c "'$LATCHKEYCTL' -c '$CONF' profile delete admins | grep -q 'passkey profile admins deleted'"
check "profile list no longer has admins" \
	sh -c "! '$LATCHKEYCTL' -c '$CONF' profile list | grep -q '^admins '"
refused "deleting the last profile is refused" 1 'the last passkey profile' profile delete default
refused "deleting a missing profile" 1 'no passkey profile "admins"' profile delete admins

AUDIT=$T/inst/audit.log
for ev in policy.profile.added policy.profile.changed policy.profile.deleted \
    policy.tap.changed policy.campaign.changed; do
	check "the audit file has $ev" grep -q "\"event\":\"$ev\"" "$AUDIT"
done
check "policy.profile.added names admins, its actor and the profile" \
	sh -c "grep '\"event\":\"policy.profile.added\"' '$AUDIT' | grep '\"subject\":\"admins\"' | grep '\"actor\":\"[^\"]' | grep -q '\"attestation\":\"registrationOnly\"'"
check "refused changes left no audit line (4 profile changes, 2 campaign changes)" \
	sh -c "test \$(grep -c '\"event\":\"policy.profile.changed\"' '$AUDIT') = 4 && test \$(grep -c '\"event\":\"policy.campaign.changed\"' '$AUDIT') = 2"
check "every audit line is JSON" \
	sh -c "python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' '$AUDIT'"

finish
