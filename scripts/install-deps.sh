#!/bin/sh
# Installs the Debian 12 packages latchkey needs to build, run and test.
# This is the one place the package list lives: the README's commands and
# .ci/run call this script.  Works as root, or as a user with sudo.
set -eu

PACKAGES="
build-essential autoconf automake libtool pkg-config
libevent-dev libssl-dev libldap2-dev libfido2-dev libcbor-dev
libjansson-dev libcmocka-dev libfreeradius-dev libtalloc-dev libpcre3-dev
freeradius freeradius-common freeradius-rest freeradius-utils libpam-radius-auth pamtester
slapd ldap-utils
clang libclang-rt-14-dev
curl python3 procps openssl iproute2
chromium
"
# The browser tests (tests/e2e) run on node and npm; Debian's are enough,
# and a node already on PATH is used as it is.
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	echo "install-deps: missing Debian packages:$missing; run as root or install sudo" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# slapd's maintainer scripts would start a system-wide directory; latchkey runs
# its own private slapd, so package scripts may not start services meanwhile.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	$SUDO sh -c "printf '#!/bin/sh\\nexit 101\\n' > $policy && chmod 755 $policy"
	trap '$SUDO rm -f $policy' EXIT
fi
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
