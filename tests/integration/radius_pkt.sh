#!/bin/sh
# radius_pkt.sh: the packet layer against the real RADIUS client.
# radius_pkt_live answers every Access-Request that radius_pkt accepts with
# an Access-Challenge (State and Reply-Message); radclient and radtest
# (freeradius-utils) must print that challenge, and the requests the
# BlastRADIUS rules refuse must get no answer at all.
. "$(dirname "$0")/lib.sh"

LIVE=$top_builddir/tests/integration/radius_pkt_live
SECRET=s3cret-$$
STATE_HEX=0x6c617463686b65792d73746174652d31	# "latchkey-state-1"

for tool in radclient radtest; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not installed (Debian package freeradius-utils)"
		exit 0
	fi
done

# start_live NAME REQUIRE_MA: radius_pkt_live on a free port; sets PORT.
start_live() {
	PORT=$(free_port)
	"$LIVE" "$PORT" "$SECRET" "$2" >"$T/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while ! grep -q '^listening' "$T/$1.log" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 50 ]; then
			sed 's/^/# /' "$T/$1.log"
			return 1
		fi
		sleep 0.1
	done
}

# ask NAME SECRET [ATTRIBUTE...]: one radclient Access-Request; its output
# in $T/NAME.out.
ask() {
	name=$1
	secret=$2
	shift 2
	{
		echo 'User-Name = "alice"'
		echo 'User-Password = "correct horse"'
		for a in "$@"; do echo "$a"; done
	} | radclient -x -t 1 -r 1 "127.0.0.1:$PORT" auth "$secret" \
	    >"$T/$name.out" 2>&1 || true
}

challenged() {
	grep -q "^Received Access-Challenge" "$T/$1.out" &&
	grep -q "State = $STATE_HEX" "$T/$1.out" &&
	grep -q 'Reply-Message = "Unlock with your passkey at https://id.example.com/vpn?code=K7Q2MX, code K7Q-2MX, then press Continue (alice)"' "$T/$1.out"
}

# The reply's first attribute is Message-Authenticator (BlastRADIUS).
ma_first() {
	sed -n '/^Received Access-Challenge/{n;p;}' "$T/$1.out" |
	    grep -q 'Message-Authenticator = 0x'
}

no_reply() {
	grep -q "No reply from server" "$T/$1.out" &&
	! grep -q "^Received" "$T/$1.out"
}

dropped() {
	grep -q "^dropped $2\$" "$T/$1.log"
}

# --- a client that must send Message-Authenticator (the default) --------
start_live strict 1
ask ma "$SECRET" 'Message-Authenticator = 0x00'
check "radclient with Message-Authenticator gets the Access-Challenge with State and Reply-Message" challenged ma
check "the challenge carries Message-Authenticator as its first attribute" ma_first ma
sed 's/^/# /' "$T/ma.out"

ask answer "$SECRET" 'Message-Authenticator = 0x00' "State = $STATE_HEX"
check "the answer with the State (a new Access-Request) decodes and is answered" challenged answer
check "  ... and radius_pkt read its 16-octet State" grep -q '^challenged alice id [0-9]* state 16$' "$T/strict.log"

radtest alice 'correct horse' "127.0.0.1:$PORT" 0 "$SECRET" >"$T/radtest.out" 2>&1 || true
check "radtest (which adds Message-Authenticator) gets the Access-Challenge" challenged radtest

ask noma "$SECRET"
check "a request without Message-Authenticator gets no reply" no_reply noma
check "  ... dropped as ma_missing" dropped strict ma_missing

ask wrong "not-the-secret" 'Message-Authenticator = 0x00'
check "a request signed with the wrong secret gets no reply" no_reply wrong
check "  ... dropped as ma_invalid" dropped strict ma_invalid

# --- a legacy client, Message-Authenticator not required ------------------
start_live legacy 0
ask legacy "$SECRET"
check "legacy client: a request without Message-Authenticator is challenged" challenged legacy

ask blast "$SECRET" 'Proxy-State = 0x6669727374'
check "legacy client: Proxy-State without Message-Authenticator gets no reply (BlastRADIUS)" no_reply blast
check "  ... dropped as proxy_state_without_ma" dropped legacy proxy_state_without_ma

ask proxied "$SECRET" 'Message-Authenticator = 0x00' 'Proxy-State = 0x6669727374'
check "legacy client: Proxy-State with Message-Authenticator is challenged" challenged proxied
check "  ... and the Proxy-State comes back" grep -q 'Proxy-State = 0x6669727374' "$T/proxied.out"

finish
