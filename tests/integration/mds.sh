#!/bin/sh
# latchkeyctl mds import and mds show on a BLOB minted here with the openssl
# command line: a test root and an RSA signer, a JWS signed RS256.  The same
# BLOB imported twice is refused by its serial; the installed FIDO root
# refuses a BLOB it did not sign.
. "$(dirname "$0")/lib.sh"

b64url() { basenc --base64url -w0 | tr -d '='; }

# The test PKI: a root (P-256) and a signer (RSA), both valid for 30 days.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/root.key" -out "$T/root.pem" -subj "/CN=Test MDS Root" \
	-days 30 -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$T/signer.key" \
	-out "$T/signer.csr" -subj "/CN=Test MDS Signer" 2>/dev/null
openssl x509 -req -in "$T/signer.csr" -CA "$T/root.pem" -CAkey "$T/root.key" \
	-CAcreateserial -days 30 -out "$T/signer.pem" 2>/dev/null

# mint NO: writes $T/blob-NO.jwt with two FIDO2 entries, one revoked.
mint() {
	x5c=$(openssl x509 -in "$T/signer.pem" -outform DER | base64 -w0)
	h=$(printf '{"alg":"RS256","typ":"JWT","x5c":["%s"]}' "$x5c" | b64url)
	p=$(printf '{"legalHeader":"test metadata","no":%s,"nextUpdate":"2099-01-01","entries":[%s,%s]}' "$1" \
	    '{"aaguid":"01020304-0506-0708-0102-030405060708","metadataStatement":{"description":"Test Key"},"statusReports":[{"status":"FIDO_CERTIFIED_L1","effectiveDate":"2020-01-01"}]}' \
	    '{"aaguid":"11020304-0506-0708-0102-030405060708","metadataStatement":{"description":"Revoked Key"},"statusReports":[{"status":"REVOKED","effectiveDate":"2021-01-01"}]}' | b64url)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$T/signer.key" | b64url)
	printf '%s.%s.%s\n' "$h" "$p" "$s" >"$T/blob-$1.jwt"
}

cat >"$T/latchkey.conf" <<EOF2
state-dir $T/state
mds-root $top_srcdir/data/fido-mds-root.pem
EOF2
mint 5
mint 6

rc=0
"$LATCHKEYCTL" -c "$T/latchkey.conf" mds show >"$T/out" 2>&1 || rc=$?
check "mds show before any import: exit 1" test "$rc" -eq 1
check "mds show before any import: says so" grep -q "no metadata BLOB imported" "$T/out"

rc=0
"$LATCHKEYCTL" -c "$T/latchkey.conf" mds import "$T/blob-5.jwt" --root "$T/root.pem" >"$T/out" 2>&1 || rc=$?
check "import with --root: exit 0" test "$rc" -eq 0
check "import prints serial, entries, compromised, next update" \
	grep -qx "imported BLOB no 5, 2 entries (1 compromised), next update 2099-01-01" "$T/out"
# Stored as received, less the newline a download ends with.
check "the BLOB is stored as imported" sh -c "tr -d '\\n' <'$T/blob-5.jwt' | cmp -s - '$T/state/mds/blob.jwt'"
check "the serial is stored" grep -qx 5 "$T/state/mds/serial"

rc=0
"$LATCHKEYCTL" -c "$T/latchkey.conf" mds show >"$T/out" 2>&1 || rc=$?
# show verifies against mds-root (the FIDO root), which did not sign the test BLOB.
check "mds show against the FIDO root: exit 1" test "$rc" -eq 1
check "mds show against the FIDO root: the chain is refused" grep -q "certificate chain does not verify" "$T/out"

cat >"$T/test-root.conf" <<EOF2
state-dir $T/state
mds-root $T/root.pem
EOF2
rc=0
"$LATCHKEYCTL" -c "$T/test-root.conf" mds show >"$T/out" 2>&1 || rc=$?
check "mds show with the test root: exit 0" test "$rc" -eq 0
check "mds show: serial" grep -qx "BLOB no 5" "$T/out"
check "mds show: next update" grep -qx "next update 2099-01-01" "$T/out"
check "mds show: entries" grep -q "^entries 2 (1 compromised" "$T/out"
"$LATCHKEYCTL" -c "$T/test-root.conf" --json mds show >"$T/out.json"
check "mds show --json" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["no"] == 5 and d["entries"] == 2 and d["compromised"] == 1))' "$T/out.json"

rc=0
"$LATCHKEYCTL" -c "$T/latchkey.conf" mds import "$T/blob-5.jwt" --root "$T/root.pem" >"$T/out" 2>&1 || rc=$?
check "the same BLOB again: exit 1" test "$rc" -eq 1
check "the same BLOB again: refused by its serial" \
	grep -q "BLOB no 5 is not newer than the imported BLOB no 5" "$T/out"

rc=0
"$LATCHKEYCTL" -c "$T/latchkey.conf" mds import "$T/blob-6.jwt" >"$T/out" 2>&1 || rc=$?
check "a newer BLOB not signed under the FIDO root: exit 1" test "$rc" -eq 1
check "a newer BLOB not signed under the FIDO root: chain refused" \
	grep -q "certificate chain does not verify" "$T/out"
check "a refused import leaves the stored serial" grep -qx 5 "$T/state/mds/serial"

sed 's/\.[^.]*$/.AAAA/' "$T/blob-6.jwt" >"$T/bad.jwt"
rc=0
"$LATCHKEYCTL" -c "$T/latchkey.conf" mds import "$T/bad.jwt" --root "$T/root.pem" >"$T/out" 2>&1 || rc=$?
check "a bad signature: exit 1" test "$rc" -eq 1
check "a bad signature: said so" grep -q "bad BLOB signature" "$T/out"

rc=0
"$LATCHKEYCTL" -c "$T/latchkey.conf" mds import "$T/blob-6.jwt" --root "$T/root.pem" >"$T/out" 2>&1 || rc=$?
check "a newer BLOB under the test root: exit 0" test "$rc" -eq 0
check "a newer BLOB: serial 6 stored" grep -qx 6 "$T/state/mds/serial"
finish
