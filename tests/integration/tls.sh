#!/bin/sh
# latchkeyd against a directory over the network, the way a site with its
# own OpenLDAP runs it: a real slapd with a test CA's certificate, a service
# account with a password, simple binds refused without TLS.  StartTLS on
# ldap://, ldaps://, failover from a dead URI, a wrong CA, a wrong password.
. "$(dirname "$0")/lib.sh"

SLAPD=${SLAPD:-/usr/sbin/slapd}
BASE=dc=latchkey,dc=local
SVC=cn=latchkey-svc,$BASE

init_instance "$T/ext"
URI=$("$LATCHKEYCTL" -c "$CONF" --json directory status | sed -n 's/.*"uri": "\([^"]*\)".*/\1/p')
P1=$(free_port)
P2=$(free_port)
DEAD=$(free_port)

# A test CA, a server certificate for 127.0.0.1, and a CA that signed nothing.
(
	cd "$T"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj /CN=latchkey-test-ca
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1
	printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
		-days 2 -extfile ext.cnf
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
		-subj /CN=some-other-ca
) >"$T/openssl.log" 2>&1
check "test certificates made" test -s "$T/srv.pem"
chmod 644 "$T"/*.pem "$T"/*.key

start_slapd() {
	"$SLAPD" -d 0 -h "$1" -F "$T/ext/slapd/slapd.d" >>"$T/slapd.log" 2>&1 &
	SLAPD_PID=$!
	PIDS="$PIDS $SLAPD_PID"
}
stop_slapd() {
	kill "$SLAPD_PID"
	wait "$SLAPD_PID" 2>/dev/null || true
}
L() { ldapmodify -Q -Y EXTERNAL -H "$URI" "$@"; }

# Configure TLS, a service account and its access, over ldapi, then restart
# slapd with its network listeners.
start_slapd "$URI"
n=0
until ldapsearch -Q -Y EXTERNAL -H "$URI" -b "$BASE" -s base dn >/dev/null 2>&1; do
	n=$((n + 1)); [ "$n" -lt 100 ] || break; sleep 0.1
done
PW=$(openssl rand -hex 16)
printf '%s\n' "$PW" >"$T/bindpw"
chmod 600 "$T/bindpw"
rc=0
L >"$T/ldapmodify.log" 2>&1 <<LDIF || rc=$?
dn: cn=config
changetype: modify
replace: olcTLSCertificateFile
olcTLSCertificateFile: $T/srv.pem
-
replace: olcTLSCertificateKeyFile
olcTLSCertificateKeyFile: $T/srv.key
-
replace: olcSecurity
olcSecurity: simple_bind=128

dn: olcDatabase={1}mdb,cn=config
changetype: modify
add: olcAccess
olcAccess: {0}to attrs=userPassword by anonymous auth by * break
olcAccess: {1}to * by dn.exact="$SVC" manage by * break

dn: $SVC
changetype: add
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: latchkey-svc
userPassword: $(slappasswd -s "$PW")
LDIF
check "slapd takes the TLS settings and the service account" test "$rc" -eq 0
stop_slapd
start_slapd "$URI ldap://127.0.0.1:$P1/ ldaps://127.0.0.1:$P2/"

# conf NAME DIRECTIVES...: an instance of latchkeyd with these directory lines.
run() {
	name=$1
	shift
	mkdir -p "$T/$name"
	port=$(free_port)
	{
		echo "state-dir $T/$name"
		echo "listen http://127.0.0.1:$port"
		echo "base-dn $BASE"
		echo "ldap-timeout 2s"
		echo "ldap-backoff-max 1s"
		for l in "$@"; do echo "$l"; done
	} >"$T/$name/latchkey.conf"
	start_daemon "$T/$name/latchkey.conf" "$T/$name.log"
	eval "URL_$name=http://127.0.0.1:$port"
}
SIMPLE="bind-dn $SVC|bind-password-file $T/bindpw"
IFS_SAVE=$IFS

IFS='|'
run starttls "directory ldap://127.0.0.1:$P1" "starttls yes" "tls-ca-file $T/ca.pem" $SIMPLE
run ldaps "directory ldaps://127.0.0.1:$P2" "tls-ca-file $T/ca.pem" $SIMPLE
run failover "directory ldap://127.0.0.1:$DEAD ldaps://127.0.0.1:$P2" "tls-ca-file $T/ca.pem" $SIMPLE
run cleartext "directory ldap://127.0.0.1:$P1" $SIMPLE
run wrongca "directory ldaps://127.0.0.1:$P2" "tls-ca-file $T/other.pem" $SIMPLE
run wrongpw "directory ldaps://127.0.0.1:$P2" "tls-ca-file $T/ca.pem" "bind-dn $SVC" \
	"bind-password-file $T/wrong-password"
IFS=$IFS_SAVE
echo "not-the-password" >"$T/wrong-password"

check "StartTLS + simple bind: readyz 200" wait_for "$URL_starttls/readyz" 200 20
check "ldaps + simple bind: readyz 200" wait_for "$URL_ldaps/readyz" 200 20
check "a dead first URI fails over to the next: readyz 200" wait_for "$URL_failover/readyz" 200 20
check "without StartTLS slapd refuses the simple bind: readyz 503" wait_for "$URL_cleartext/readyz" 503 10
check "a server certificate from another CA is refused: readyz 503" wait_for "$URL_wrongca/readyz" 503 10
check "a wrong bind password: readyz 503" wait_for "$URL_wrongpw/readyz" 503 10
curl -s "$URL_wrongca/readyz" >"$T/wrongca.json"
check "the 503 for a refused certificate points at tls-ca-file" grep -q 'tls-ca-file' "$T/wrongca.json"
curl -s "$URL_wrongpw/readyz" >"$T/wrongpw.json"
check "the 503 for a wrong password says so" grep -qi 'credentials' "$T/wrongpw.json"

# latchkeyctl through StartTLS writes what latchkeyd through ldaps reads.
check "latchkeyctl over StartTLS: group add" "$LATCHKEYCTL" -c "$T/starttls/latchkey.conf" group add vpn
check "latchkeyctl over StartTLS: user add" "$LATCHKEYCTL" -c "$T/starttls/latchkey.conf" \
	user add tina --group vpn
check "latchkeyctl over ldaps: user show reads it back" \
	sh -c "'$LATCHKEYCTL' -c '$T/ldaps/latchkey.conf' --json user show tina | grep -q '\"vpn\"'"

check "the bind password never reaches a log" \
	sh -c "! grep -rq '$PW' '$T'/*.log"
finish
