#!/bin/sh
# radius.sh: latchkeyd's RADIUS listener, end to end.  A fresh instance
# (latchkeyctl init: radius-listen on 127.0.0.1 and a client 127.0.0.1
# whose secret is DIR/radius-secret), plus an IPv6 listener and client.
# Every request that passes the listener reaches the challenge logic
# (authreq.c), which answers Access-Challenge; the listener's own default
# handler is checked in tests/unit/test_radius.c.  radclient (freeradius-utils) is the VPN; a small
# python3 sender builds the packets radclient cannot (retransmissions of
# the same octets, another source address, truncated and oversized ones).
. "$(dirname "$0")/lib.sh"

if ! command -v radclient >/dev/null 2>&1; then
	echo "1..0 # SKIP radclient not installed (Debian package freeradius-utils)"
	exit 0
fi

init_instance "$T/inst"
SECRET=$(cat "$T/inst/radius-secret")
RADIUS6_PORT=$(free_port)
cat >>"$CONF" <<EOF
radius-listen [::1]:$RADIUS6_PORT
radius-client ::1 secret-file $T/inst/radius-secret
EOF
start_daemon "$CONF" "$T/daemon.log"
wait_for "$URL/readyz" 200 || { sed 's/^/# /' "$T/daemon.log"; exit 1; }

# The sender: send.py [--src ADDR] [--secret S] [--no-ma] [--times N]
# [--raw HEX | --size N | --burst N] [--user NAME] HOST PORT.
# Prints one line per reply ("reply CODE LEN SHA256"), "timeout" when none
# came within 1 s; --burst: "replies N" for N new requests sent at once.
cat >"$T/send.py" <<'EOF'
import argparse, hashlib, hmac, os, socket, struct, sys
ap = argparse.ArgumentParser()
ap.add_argument("--src"); ap.add_argument("--secret", default="")
ap.add_argument("--no-ma", action="store_true"); ap.add_argument("--times", type=int, default=1)
ap.add_argument("--raw"); ap.add_argument("--size", type=int)
ap.add_argument("--user", default="alice")
ap.add_argument("--burst", type=int)
ap.add_argument("host"); ap.add_argument("port", type=int)
a = ap.parse_args()
secret = a.secret.encode()

def attr(t, v):
    return bytes([t, len(v) + 2]) + v

def access_request(ident):
    # RFC 2865 §3, §5.2 (User-Password), RFC 3579 §3.2 (Message-Authenticator).
    auth = os.urandom(16)
    pw = b"correct horse".ljust(16, b"\0")
    b = hashlib.md5(secret + auth).digest()
    hidden = bytes(x ^ y for x, y in zip(pw, b))
    attrs = attr(1, a.user.encode()) + attr(2, hidden)
    if not a.no_ma:
        attrs = attr(80, bytes(16)) + attrs
    pkt = bytearray(struct.pack("!BBH", 1, ident, 20 + len(attrs)) + auth + attrs)
    if not a.no_ma:
        pkt[22:38] = hmac.new(secret, bytes(pkt), "md5").digest()
    return bytes(pkt)

fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if a.src:
    s.bind((a.src, 0))
s.settimeout(1.0)
if a.raw is not None:
    pkt = bytes.fromhex(a.raw)
elif a.size is not None:
    pkt = access_request(7)
    pkt = pkt[:2] + struct.pack("!H", min(a.size, 65535)) + pkt[4:] + bytes(a.size - len(pkt))
else:
    pkt = access_request(42)
if a.burst:
    # New requests (fresh identifiers) all at once, then count the replies.
    for i in range(a.burst):
        s.sendto(access_request(100 + i), (a.host, a.port))
    n = 0
    try:
        while True:
            s.recvfrom(8192)
            n += 1
    except socket.timeout:
        pass
    print("replies %d" % n)
    sys.exit(0)
for i in range(a.times):
    s.sendto(pkt, (a.host, a.port))
    try:
        r, _ = s.recvfrom(8192)
        print("reply %d %d %s" % (r[0], len(r), hashlib.sha256(r).hexdigest()))
    except socket.timeout:
        print("timeout")
sys.stdout.flush()
EOF
send() {
	python3 "$T/send.py" "$@"
}

# metric NAME [LABELS]: the sample's value on /metrics ("" if absent).
metric() {
	curl -s "$URL/metrics" | awk -v k="$1${2:+{$2\}}" '$1 == k { print $2 }'
}

# radclient NAME SECRET [ATTRIBUTE...]: one Access-Request for alice.
ask() {
	name=$1
	secret=$2
	shift 2
	{
		echo 'User-Name = "alice"'
		echo 'User-Password = "correct horse"'
		for a in "$@"; do echo "$a"; done
	} | radclient -x -t 1 -r 1 "127.0.0.1:$RADIUS_PORT" auth "$secret" \
	    >"$T/$name.out" 2>&1 || true
}

# metric_is NAME LABELS VALUE
metric_is() {
	test "$(metric "$1" "$2")" = "$3"
}

no_reply() {
	grep -q "No reply from server" "$T/$1.out" && ! grep -q "^Received" "$T/$1.out"
}

# --- answered ---------------------------------------------------------------
ask first "$SECRET" 'Message-Authenticator = 0x00'
sed 's/^/# /' "$T/first.out"
check "radclient with Message-Authenticator gets an Access-Challenge" \
    grep -q '^Received Access-Challenge' "$T/first.out"
check "  ... with a Reply-Message and a State" \
    sh -c "grep -q 'Reply-Message = \"' '$T/first.out' && grep -q 'State = 0x' '$T/first.out'"
check "  ... and Message-Authenticator as its first attribute" \
    sh -c "sed -n '/^Received Access-Challenge/{n;p;}' '$T/first.out' | grep -q 'Message-Authenticator = 0x'"
check "  ... counted in latchkey_radius_replies_total" \
    metric_is latchkey_radius_replies_total 'code="Access-Challenge"' 1

# --- silently discarded ---------------------------------------------------
ask noma "$SECRET"
check "without Message-Authenticator: no answer" no_reply noma
check "  ... counted as ma_missing" \
    test "$(metric latchkey_radius_drops_total 'reason="ma_missing"')" -ge 1

ask wrong "not-the-secret" 'Message-Authenticator = 0x00'
check "with the wrong secret: no answer" no_reply wrong
check "  ... counted as ma_invalid" \
    test "$(metric latchkey_radius_drops_total 'reason="ma_invalid"')" -ge 1

send --src 127.0.0.2 --secret "$SECRET" --times 3 127.0.0.1 "$RADIUS_PORT" >"$T/stranger.out"
check "from 127.0.0.2, which is no client: no answer" \
    test "$(grep -c '^timeout$' "$T/stranger.out")" = 3
check "  ... counted as unknown_client" \
    test "$(metric latchkey_radius_drops_total 'reason="unknown_client"')" = 3
check "  ... and logged once for the three" \
    test "$(grep -c 'request from 127.0.0.2, which matches no radius-client' "$T/daemon.log")" = 1

send --raw 01020010 127.0.0.1 "$RADIUS_PORT" >"$T/short.out"
check "a truncated datagram (4 octets): no answer" grep -q '^timeout$' "$T/short.out"
check "  ... counted as truncated" \
    test "$(metric latchkey_radius_drops_total 'reason="truncated"')" = 1

send --secret "$SECRET" --size 5000 127.0.0.1 "$RADIUS_PORT" >"$T/big.out"
check "an oversized datagram (5000 octets): no answer" grep -q '^timeout$' "$T/big.out"
check "  ... counted as oversized" \
    test "$(metric latchkey_radius_drops_total 'reason="oversized"')" = 1

send --raw "01030040$(printf '%032d' 0)" 127.0.0.1 "$RADIUS_PORT" >"$T/len.out"
check "a Length field past the datagram: no answer" grep -q '^timeout$' "$T/len.out"
check "  ... counted as bad_length" \
    metric_is latchkey_radius_drops_total 'reason="bad_length"' 1

# --- retransmissions (RFC 5080 §2.2.2) ------------------------------------
before=$(metric latchkey_radius_replies_total 'code="Access-Challenge"')
send --secret "$SECRET" --user bob --times 2 127.0.0.1 "$RADIUS_PORT" >"$T/dup.out"
sed 's/^/# /' "$T/dup.out"
check "a retransmission (the same octets from the same port) is answered" \
    test "$(grep -c '^reply 11 ' "$T/dup.out")" = 2
check "  ... with the very same reply octets" \
    test "$(sort -u "$T/dup.out" | wc -l)" = 1
check "  ... from the reply cache (counted)" \
    metric_is latchkey_radius_duplicates_answered_total "" 1
check "  ... not as a second request (one more Access-Challenge sent, not two)" \
    metric_is latchkey_radius_replies_total 'code="Access-Challenge"' $((before + 1))
# Entries live 10 s: only the reply just answered is sure to be there
# under load (earlier ones may have expired already).
check "the reply cache holds the request just answered" \
    test "$(metric latchkey_radius_reply_cache_entries)" -ge 1

# --- rate limits ------------------------------------------------------------
send --secret "$SECRET" --user carol --burst 12 127.0.0.1 "$RADIUS_PORT" >"$T/flood.out"
check "12 new requests for one user at once: 5 answered (5 a second per user)" \
    grep -q '^replies 5$' "$T/flood.out"
check "  ... the rest dropped as rate_limited" \
    test "$(metric latchkey_radius_drops_total 'reason="rate_limited"')" -ge 1

# --- IPv6 -------------------------------------------------------------------
send --secret "$SECRET" --user dave ::1 "$RADIUS6_PORT" >"$T/v6.out"
check "over IPv6 ([::1]) the client ::1 is answered" grep -q '^reply 11 ' "$T/v6.out"
check "requests are counted per client" \
    test "$(metric latchkey_radius_requests_total 'client="::1"')" = 1

# --- still serving ----------------------------------------------------------
check "latchkeyd still serves /healthz" test "$(http_status "$URL/healthz")" = 200
ask after "$SECRET" 'Message-Authenticator = 0x00'
check "  ... and RADIUS" grep -q '^Received Access-Challenge' "$T/after.out"
check "no secret in the log" sh -c "! grep -qF -- '$SECRET' '$T/daemon.log'"
check "nothing in flight" test "$(metric latchkey_radius_requests_in_flight)" = 0

finish
