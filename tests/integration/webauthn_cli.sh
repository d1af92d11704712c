#!/bin/sh
# latchkeyctl webauthn verify-registration and verify-assertion, as an admin
# uses them on a pasted response: the record on success (exit 0), the error
# code and a sentence on refusal (exit 1), no configuration file needed.
. "$(dirname "$0")/lib.sh"

D=$top_srcdir/tests/data/webauthn
# field FILE EXPR: a value out of a case file.
field() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}
wa() {
	"$LATCHKEYCTL" webauthn "$@"
}

reg=$D/w3c-packed-es256-reg.json
field "$reg" 'd["response"]' >"$T/reg.json"
ch=$(field "$reg" 'd["challenge"]')
rc=0
wa verify-registration --rp-id example.org --origin https://example.org --challenge "$ch" \
	--trust "$D/roots/w3c-attestation-ca.pem" <"$T/reg.json" >"$T/record.json" || rc=$?
check "a good registration: exit 0" test "$rc" -eq 0
check "the record is the stored JSON with v, id and publicKey" \
	sh -c "grep -q '\"v\":1' '$T/record.json' && grep -q '\"publicKey\":\"' '$T/record.json'"
check "the record says packed, trusted by the W3C test CA" \
	sh -c "grep -q '\"fmt\":\"packed\"' '$T/record.json' && grep -q '\"trust\":\"trusted\"' '$T/record.json'"

rc=0
wa verify-registration --rp-id example.org --origin https://example.org --challenge "$ch" \
	<"$T/reg.json" >"$T/untrusted.json" || rc=$?
check "without the root the same registration is recorded as untrusted" \
	sh -c "test $rc -eq 0 && grep -q '\"trust\":\"untrusted\"' '$T/untrusted.json'"

rc=0
wa verify-registration --rp-id example.org --origin https://example.org --challenge "$ch" \
	--require-trusted <"$T/reg.json" >"$T/refused.json" || rc=$?
check "--require-trusted refuses it: exit 1" test "$rc" -eq 1
check "... with attestation_untrusted and a sentence" \
	grep -q '"error":"attestation_untrusted","message":"[^"]' "$T/refused.json"

rc=0
wa verify-registration --rp-id example.org --origin https://login.example.org --challenge "$ch" \
	<"$T/reg.json" >"$T/origin.json" || rc=$?
check "a wrong origin: exit 1, origin_mismatch" \
	sh -c "test $rc -eq 1 && grep -q '\"error\":\"origin_mismatch\"' '$T/origin.json'"

rc=0
wa verify-registration --rp-id example.com --origin https://example.org --challenge "$ch" \
	<"$T/reg.json" >"$T/rpid.json" || rc=$?
check "a wrong RP ID: rp_id_hash" grep -q '"error":"rp_id_hash"' "$T/rpid.json"

rc=0
wa verify-registration --rp-id example.org --origin https://example.org \
	--challenge AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA <"$T/reg.json" >"$T/ch.json" || rc=$?
check "another challenge: challenge_mismatch" grep -q '"error":"challenge_mismatch"' "$T/ch.json"

echo '{"id": 3' >"$T/garbage.json"
rc=0
wa verify-registration --rp-id example.org --origin https://example.org --challenge "$ch" \
	<"$T/garbage.json" >"$T/garbage.out" || rc=$?
check "garbage: json_malformed, exit 1" \
	sh -c "test $rc -eq 1 && grep -q '\"error\":\"json_malformed\"' '$T/garbage.out'"

rc=0
wa verify-registration --rp-id example.org --challenge "$ch" <"$T/reg.json" 2>/dev/null || rc=$?
check "a missing --origin is a usage error: exit 2" test "$rc" -eq 2

# The assertion, against the record the registration produced.
auth=$D/w3c-packed-es256-auth.json
field "$auth" 'd["response"]' >"$T/auth.json"
ach=$(field "$auth" 'd["challenge"]')
rc=0
wa verify-assertion --rp-id example.org --origin https://example.org --challenge "$ach" \
	--credential "$T/record.json" <"$T/auth.json" >"$T/updated.json" || rc=$?
check "a good assertion: exit 0" test "$rc" -eq 0
check "the updated record has lastUsed set" grep -q '"lastUsed":"20' "$T/updated.json"
rc=0
wa verify-assertion --rp-id example.org --origin https://example.org --challenge "$ch" \
	--credential "$T/record.json" <"$T/auth.json" >"$T/badch.json" || rc=$?
check "an assertion for another challenge: challenge_mismatch" \
	sh -c "test $rc -eq 1 && grep -q '\"error\":\"challenge_mismatch\"' '$T/badch.json'"
other=$D/w3c-packed-es384-reg.json
field "$other" 'd["response"]' >"$T/reg384.json"
wa verify-registration --rp-id example.org --origin https://example.org \
	--challenge "$(field "$other" 'd["challenge"]')" <"$T/reg384.json" >"$T/record384.json"
rc=0
wa verify-assertion --rp-id example.org --origin https://example.org --challenge "$ach" \
	--credential "$T/record384.json" <"$T/auth.json" >"$T/mismatch.json" || rc=$?
check "an assertion checked against another passkey's record is refused" \
	sh -c "test $rc -eq 1 && grep -q '\"error\":\"credential_mismatch\"' '$T/mismatch.json'"
echo '{"v": 99}' >"$T/future.json"
rc=0
wa verify-assertion --rp-id example.org --origin https://example.org --challenge "$ach" \
	--credential "$T/future.json" <"$T/auth.json" >"$T/future.out" || rc=$?
check "a record from an unknown future version is refused with a reason" \
	sh -c "test $rc -eq 1 && grep -q 'credential_malformed' '$T/future.out'"
finish
