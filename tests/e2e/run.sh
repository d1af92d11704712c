#!/bin/sh
# End-to-end tests: what a person sees in a real browser.  A fresh instance
# (latchkeyctl init, origin http://localhost:PORT, so the RP ID is
# "localhost" and the page a secure context), latchkeyd serving it, users and
# TAPs from latchkeyctl; then the scenarios in tests/e2e/*.test.mjs drive
# Debian's chromium (headless, playwright-core) with the DevTools Protocol's
# virtual authenticator.  Screenshots of every step go to tests/e2e/artifacts/.
#
# Prints TAP like the integration tests; "N passed, N failed" at the end.
. "$(dirname "$0")/../integration/lib.sh"

E2E_SRC=$top_srcdir/tests/e2e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# node_modules lives beside the test files (ES modules resolve packages from
# their own directory).  In a build outside the source tree the files are
# copied to the build tree first, so the source tree stays untouched.
E2E=$top_builddir/tests/e2e
if [ "$(cd "$E2E_SRC" && pwd)" != "$(mkdir -p "$E2E" && cd "$E2E" && pwd)" ]; then
	cp -p "$E2E_SRC"/package.json "$E2E_SRC"/package-lock.json "$E2E_SRC"/*.mjs "$E2E"/
fi

# What the run needs, said plainly (scripts/install-deps.sh installs them).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	not_ok "node and npm are installed (scripts/install-deps.sh)"
	finish
fi
if [ ! -x "$CHROMIUM" ]; then
	not_ok "chromium is installed at $CHROMIUM (scripts/install-deps.sh)"
	finish
fi

# Installs playwright-core from the lock file when node_modules is missing or
# older than the lock.  -nt is not POSIX test, hence find -newer.
if [ ! -d "$E2E/node_modules/playwright-core" ] ||
    [ -n "$(find "$E2E/package-lock.json" -newer "$E2E/node_modules/.package-lock.json" 2>/dev/null)" ] ||
    [ ! -f "$E2E/node_modules/.package-lock.json" ]; then
	if (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error) >"$T/npm.log" 2>&1; then
		ok "npm ci installs playwright-core from the lock file"
	else
		sed 's/^/# /' "$T/npm.log"
		not_ok "npm ci installs playwright-core from the lock file"
		finish
	fi
fi

# The instance: the web origin must be http://localhost:PORT (WebAuthn needs
# a secure context; loopback HTTP is one, and "localhost" is a valid RP ID).
HTTP_PORT=$(free_port)
RADIUS_PORT=$(free_port)
URL=http://localhost:$HTTP_PORT
"$LATCHKEYCTL" init "$T/inst" --url "$URL" --radius "127.0.0.1:$RADIUS_PORT" >"$T/init.out"
CONF=$(tail -n 1 "$T/init.out")
start_daemon "$CONF" "$T/daemon.log"
if ! wait_for "$URL/readyz" 200 20; then
	sed 's/^/# daemon: /' "$T/daemon.log"
	not_ok "latchkeyd serves $URL and its directory is ready"
	finish
fi
ok "latchkeyd serves $URL and its directory is ready"

# tap CODE-VARIABLE NAME: issues a one-time TAP; the code is the last line.
issue_tap() {
	ctl tap issue "$2" --lifetime 1h --one-time >"$T/tap-$2.out" 2>&1 || {
		sed 's/^/# /' "$T/tap-$2.out"
		return 1
	}
	eval "$1=\$(tail -n 1 \"\$T/tap-$2.out\")"
}

# alice: onboarding, sign-out, sign-in both ways, the refused second passkey
# (a synced authenticator).  bob: a device-bound passkey.  carol: wrong TAPs
# until the lockout.
setup_ok=1
for u in alice bob carol; do
	ctl user add "$u" --display-name "$u Example" >"$T/user-$u.out" 2>&1 || {
		sed 's/^/# /' "$T/user-$u.out"
		setup_ok=0
	}
done
if [ "$setup_ok" -eq 1 ] && issue_tap TAP_ALICE alice && issue_tap TAP_BOB bob &&
    issue_tap TAP_CAROL carol; then
	ok "latchkeyctl adds three users and issues each a TAP"
else
	not_ok "latchkeyctl adds three users and issues each a TAP"
	finish
fi

# The scenarios.  Their results are TAP lines from reporter.mjs, counted
# here; node's own exit status is checked too, so that a file which dies
# before its first test still fails the run.
ARTIFACTS=${LK_ARTIFACTS:-$E2E/artifacts}
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png
rc=0
(
	cd "$E2E" &&
	LK_URL=$URL LK_ARTIFACTS=$ARTIFACTS CHROMIUM=$CHROMIUM \
	LK_TAP_ALICE=$TAP_ALICE LK_TAP_BOB=$TAP_BOB LK_TAP_CAROL=$TAP_CAROL \
	    node --test --test-reporter=./reporter.mjs \
	    ./*.test.mjs
) >"$T/node.out" 2>&1 || rc=$?
# The TAP codes are secrets: never in the test log.
sed -e "s/$TAP_ALICE/<tap>/g" -e "s/$TAP_BOB/<tap>/g" -e "s/$TAP_CAROL/<tap>/g" \
    "$T/node.out" | grep -v '^1\.\.'
npass=$((npass + $(grep -c '^ok - ' "$T/node.out" || true)))
nfail=$((nfail + $(grep -c '^not ok - ' "$T/node.out" || true)))
if [ "$rc" -ne 0 ] && ! grep -q '^not ok - ' "$T/node.out"; then
	not_ok "node --test exits 0 (it exited $rc)"
fi

# What the browser did is in the audit trail, one JSON line per event, and
# no TAP code is in the trail or the daemon's log.
AUDIT=$T/inst/audit.log
check "the audit trail has both registrations (alice synced, bob device-bound), three sign-ins of alice, one of bob, and carol's lockout" \
    python3 -c 'import json, sys
from collections import Counter
c = Counter()
for line in open(sys.argv[1]):
    d = json.loads(line)
    c[(d["event"], d["outcome"], d["subject"], d.get("type"))] += 1
want = {("registration", "success", "alice", "synced"): 1,
    ("registration", "success", "bob", "device-bound"): 1,
    ("signin", "success", "alice", "synced"): 3,
    ("signin", "success", "bob", "device-bound"): 1,
    ("tap.locked", "locked", "carol", None): 1}
bad = {k: (c[k], v) for k, v in want.items() if c[k] != v}
for k, (got, exp) in bad.items():
    print("# audit: %s: %d, expected %d" % (" ".join(map(str, k)), got, exp))
sys.exit(1 if bad else 0)' "$AUDIT"
check "no TAP code in the audit trail or the daemon's log" \
    sh -c "! grep -q -F -e '$TAP_ALICE' -e '$TAP_BOB' -e '$TAP_CAROL' '$AUDIT' '$T/daemon.log'"

# Whatever the pages did, the daemon must still be up and answering.
check "latchkeyd is still serving after the browser runs" \
    sh -c "kill -0 $DAEMON_PID && test \"\$(curl -s -o /dev/null -w '%{http_code}' '$URL/healthz')\" = 200"
if [ "$nfail" -gt 0 ]; then
	echo "# screenshots: $ARTIFACTS"
	tail -n 40 "$T/daemon.log" | sed 's/^/# daemon: /'
fi
finish
