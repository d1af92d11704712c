#!/bin/sh
# radius_wildcard.sh: latchkeyd bound to the wildcard addresses (0.0.0.0
# and ::) answers each request from the address it was sent to, as a
# multi-homed appliance must: a VPN drops a reply that comes from another
# address than the one it asked.  Runs in a network namespace of its own
# (only its loopback, with 127.0.0.0/8, ::1 and fd00::5), so the wildcard
# bind reaches nothing outside the test.  radclient is the VPN; a small
# python3 sender reads the source address of each reply.
if [ -z "${LK_NETNS:-}" ]; then
	if unshare -n true 2>/dev/null; then
		LK_NETNS=1 exec unshare -n sh "$0" "$@"
	fi
	if unshare -rn true 2>/dev/null; then
		LK_NETNS=1 exec unshare -rn sh "$0" "$@"
	fi
	echo "1..0 # SKIP cannot create a network namespace (unshare -n)"
	exit 0
fi
. "$(dirname "$0")/lib.sh"

check "the namespace's loopback is up, with fd00::5 on it" sh -c \
	'ip link set lo up && ip -6 addr add fd00::5/128 dev lo nodad'

init_instance "$T/inst"
RADIUS6_PORT=$(free_port)
sed -i "s/^radius-listen 127.0.0.1:$RADIUS_PORT\$/radius-listen 0.0.0.0:$RADIUS_PORT/" "$CONF"
cat >>"$CONF" <<EOC
radius-listen [::]:$RADIUS6_PORT
radius-client 127.0.0.0/8 secret-file $T/inst/radius-secret
radius-client ::1 secret-file $T/inst/radius-secret
radius-client fd00::/64 secret-file $T/inst/radius-secret
EOC
check "the configuration listens on 0.0.0.0" grep -q "^radius-listen 0.0.0.0:$RADIUS_PORT\$" "$CONF"
start_daemon "$CONF" "$T/daemon.log"
wait_for "$URL/readyz" 200 || { sed 's/^/# /' "$T/daemon.log"; exit 1; }
check "latchkeyd says it answers from each request's address" \
	grep -q "RADIUS listening on 0.0.0.0:$RADIUS_PORT (UDP; replies from the address each request was sent to)" "$T/daemon.log"

# ask.py SECRET HOST PORT [TIMES]: one Access-Request (Message-Authenticator
# first) from an unbound socket, sent TIMES times with the same octets (a
# retransmission); prints "CODE FROM-ADDRESS" for each reply, "timeout".
cat >"$T/ask.py" <<'EOP'
import hashlib, hmac, os, socket, struct, sys
secret, host, port = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
times = int(sys.argv[4]) if len(sys.argv) > 4 else 1
def attr(t, v):
    return bytes([t, len(v) + 2]) + v
auth = os.urandom(16)
attrs = attr(80, bytes(16)) + attr(1, b"alice")
pkt = bytearray(struct.pack("!BBH", 1, 7, 20 + len(attrs)) + auth + attrs)
pkt[22:38] = hmac.new(secret, bytes(pkt), "md5").digest()
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
for _ in range(times):
    s.sendto(bytes(pkt), (host, port))
    try:
        data, src = s.recvfrom(4096)
        print(data[0], src[0])
    except socket.timeout:
        print("timeout")
EOP
SECRET=$(cat "$T/inst/radius-secret")
ask() {
	python3 "$T/ask.py" "$SECRET" "$@"
}

check "a request sent to 127.0.0.2 is answered (Access-Challenge) from 127.0.0.2" \
	test "$(ask 127.0.0.2 "$RADIUS_PORT")" = "11 127.0.0.2"
check "a request sent to 127.0.0.1 is answered from 127.0.0.1" \
	test "$(ask 127.0.0.1 "$RADIUS_PORT")" = "11 127.0.0.1"
check "a retransmission to 127.0.0.3 gets the cached reply from 127.0.0.3 too" \
	test "$(ask 127.0.0.3 "$RADIUS_PORT" 2 | tr '\n' ' ')" = "11 127.0.0.3 11 127.0.0.3 "
check "a request sent to fd00::5 on [::] is answered from fd00::5" \
	test "$(ask fd00::5 "$RADIUS6_PORT")" = "11 fd00::5"
check "a request sent to ::1 on [::] is answered from ::1" \
	test "$(ask ::1 "$RADIUS6_PORT")" = "11 ::1"

# radclient, which pairs a reply with its request by the server's address.
printf 'User-Name = "alice"\nMessage-Authenticator = 0x00\n' |
	radclient -x -r 1 -t 3 "127.0.0.2:$RADIUS_PORT" auth "$SECRET" >"$T/radclient.out" 2>&1 ||
	true
check "radclient asking 127.0.0.2 gets its Access-Challenge" \
	grep -q 'Received Access-Challenge' "$T/radclient.out"
check "latchkeyd is still alive" kill -0 "$DAEMON_PID"
finish
