#!/bin/sh
# schema.sh: the committed schema files are exactly what the generator makes
# from schema/latchkey-schema.txt now; OpenLDAP accepts the .schema and the
# cn=config .ldif; the three formats define the same OIDs; the sample DIT
# loads into a database that has the schema.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
T=$(mktemp -d "${TMPDIR:-/tmp}/lk-schema.XXXXXX")
trap 'rm -rf "$T"' EXIT

fails=0
tap_n=0
ok() { tap_n=$((tap_n + 1)); echo "ok - $*"; }
fail() { tap_n=$((tap_n + 1)); echo "not ok - $*"; fails=$((fails + 1)); }

S=$top_srcdir/schema
python3 "$S/gen-schema.py" "$S/latchkey-schema.txt" --schema "$T/latchkey.schema" \
	--ldif "$T/latchkey.ldif" --ldf "$T/latchkey.ldf" --c "$T/schema_data.c"

# 1. Generated files are current.
for f in latchkey.schema latchkey.ldif latchkey.ldf; do
	if cmp -s "$T/$f" "$S/$f"; then ok "schema/$f is current"
	else fail "schema/$f differs from the generator's output: run make"; fi
done
if cmp -s "$T/schema_data.c" "$top_builddir/broker/schema_data.c"; then
	ok "broker/schema_data.c is current"
else fail "broker/schema_data.c differs from the generator's output"; fi

# 2. A broken source is refused with its line number, not half-generated.
sed 's/^attribute 2 latchkeyPasskey$/attribute 1 latchkeyPasskey/' "$S/latchkey-schema.txt" \
	> "$T/bad.txt"
if python3 "$S/gen-schema.py" "$T/bad.txt" --schema "$T/bad.schema" 2> "$T/bad.err"; then
	fail "generator accepted a reused attribute number"
elif grep -q 'bad.txt:[0-9]*: number 1 reused' "$T/bad.err" && [ ! -e "$T/bad.schema" ]; then
	ok "generator refuses a reused number: $(cat "$T/bad.err")"
else fail "generator error unclear: $(cat "$T/bad.err")"; fi

# 3. slapd accepts the slapd.conf form.
cat > "$T/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $S/latchkey.schema
EOF
if slaptest -u -f "$T/slapd.conf" > "$T/slaptest.out" 2>&1; then
	ok "slaptest accepts latchkey.schema"
else fail "slaptest rejects latchkey.schema: $(tail -3 "$T/slaptest.out")"; fi

# 4. slapd accepts the cn=config form.
mkdir "$T/slapd.d"
cat > "$T/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

include: file://$S/latchkey.ldif
EOF
if slapadd -n0 -F "$T/slapd.d" -l "$T/config.ldif" > "$T/slapadd.out" 2>&1 &&
    slaptest -u -F "$T/slapd.d" >> "$T/slapadd.out" 2>&1 &&
    grep -q latchkeyApprovalExpiry "$T/slapd.d/cn=config/cn=schema/cn={3}latchkey.ldif"; then
	ok "slapd loads latchkey.ldif into cn=config"
else fail "cn=config load failed: $(tail -3 "$T/slapadd.out")"; fi

# 5. The three formats name the same OIDs (28 attributes, 5 classes).
oids() { grep -o '2\.25\.10006954054920699135359816551416321493\.[12]\.[0-9]*' "$1" | sort -u; }
oids "$S/latchkey.schema" > "$T/o.schema"
oids "$S/latchkey.ldif" > "$T/o.ldif"
oids "$S/latchkey.ldf" > "$T/o.ldf"
n=$(wc -l < "$T/o.schema")
if cmp -s "$T/o.schema" "$T/o.ldif" && cmp -s "$T/o.schema" "$T/o.ldf" && [ "$n" -eq 33 ]; then
	ok "schema, ldif and ldf define the same $n OIDs"
else fail "OID sets differ or count $n != 33"; fi
# Indexed in AD exactly where OpenLDAP indexes (searchFlags 1).
if [ "$(grep -c '^searchFlags: 1$' "$S/latchkey.ldf")" -eq 6 ] &&
    grep -q '^schemaUpdateNow: 1$' "$S/latchkey.ldf"; then
	ok "ldf indexes 3 attributes and refreshes the schema cache"
else fail "ldf searchFlags or schemaUpdateNow missing"; fi

# 6. The sample DIT fits the schema (real slapadd into an mdb database).
"$top_builddir/tests/integration/slapd_live" setup "$T/st" dc=example,dc=com 2> "$T/setup.err" ||
	fail "setup: $(cat "$T/setup.err")"
rm -f "$T/st/slapd/data/"*.mdb
if slapadd -F "$T/st/slapd/slapd.d" -b dc=example,dc=com -l "$S/sample-dit.ldif" \
    > "$T/sample.out" 2>&1; then
	ok "sample-dit.ldif loads"
else fail "sample-dit.ldif rejected: $(tail -3 "$T/sample.out")"; fi
# ... and entries the classes forbid are refused, so the check above can fail.
printf 'dn: cn=x,ou=latchkey,dc=example,dc=com\nobjectClass: latchkeyTapPolicy\ncn: x\nlatchkeyPasskeyType: synced\n' \
	> "$T/bad1.ldif"
printf 'dn: latchkeyApprovalId=ab,ou=latchkey,dc=example,dc=com\nobjectClass: latchkeyApproval\nlatchkeyApprovalId: ab\nlatchkeyApprovalState: pending\n' \
	> "$T/bad2.ldif"
for b in bad1 bad2; do
	if slapadd -F "$T/st/slapd/slapd.d" -b dc=example,dc=com -l "$T/$b.ldif" \
	    > "$T/$b.out" 2>&1; then
		fail "slapadd took $b.ldif"
	elif grep -q -e "'latchkeyPasskeyType' not allowed" \
	    -e "requires attribute 'latchkeyApprovalExpiry'" "$T/$b.out"; then
		ok "schema refuses $b: $(grep -o "(65) .*" "$T/$b.out" | head -1)"
	else fail "$b refused for another reason: $(tail -1 "$T/$b.out")"; fi
done

# TAP plan at the end: one line per check above.
echo "1..$tap_n"
[ "$fails" -eq 0 ]
