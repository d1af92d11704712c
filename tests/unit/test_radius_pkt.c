/*
 * test_radius_pkt.c: radius_pkt against requests a RADIUS client builds
 * with libfreeradius-radius itself (rad_alloc, pairs, rad_encode,
 * rad_sign), and replies that client checks the way it would on the wire
 * (rad_packet_ok, rad_verify against its request, rad_decode).  Every drop
 * reason of a hostile or broken request, the BlastRADIUS rules, and the
 * reply's shape: Message-Authenticator first, a long Reply-Message split,
 * State, Class, Proxy-State copied in order.
 */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <freeradius/libradius.h>
#include <talloc.h>

#include "log.h"
#include "radius_pkt.h"

#define SECRET	"s3cret-shared-with-the-vpn"

struct kv {
	const char	*name;
	const char	*value;
};

static TALLOC_CTX	*ctx;

/* A client's Access-Request (id 42), Message-Authenticator first if ma. */
static RADIUS_PACKET *
client_request(const char *secret, int ma, const struct kv *kv, size_t n)
{
	RADIUS_PACKET	*rp;
	size_t		 i;

	rp = rad_alloc(ctx, true);
	assert_non_null(rp);
	rp->code = PW_CODE_ACCESS_REQUEST;
	rp->id = 42;
	rp->sockfd = -1;
	if (ma)
		assert_non_null(fr_pair_make(rp, &rp->vps,
		    "Message-Authenticator", "0x00", T_OP_EQ));
	for (i = 0; i < n; i++)
		assert_non_null(fr_pair_make(rp, &rp->vps, kv[i].name,
		    kv[i].value, T_OP_EQ));
	assert_int_equal(rad_encode(rp, NULL, secret), 0);
	assert_int_equal(rad_sign(rp, NULL, secret), 0);
	return rp;
}

/* Decodes rp's bytes as latchkey would; NULL with *why on a drop. */
static struct radius_pkt *
server_decode(RADIUS_PACKET *rp, int require_ma, enum radius_pkt_err *why)
{
	return radius_pkt_decode(rp->data, rp->data_len, NULL, SECRET,
	    require_ma, why);
}

/* Expects the bytes to be dropped for reason want. */
static void
expect_drop(const unsigned char *buf, size_t len, int require_ma,
    enum radius_pkt_err want)
{
	enum radius_pkt_err	 why = RADIUS_PKT_OK;

	assert_null(radius_pkt_decode(buf, len, NULL, SECRET, require_ma, &why));
	assert_string_equal(radius_pkt_err_name(why), radius_pkt_err_name(want));
}

static const struct kv alice[] = {
	{ "User-Name", "alice" },
	{ "User-Password", "correct horse battery staple" },
	{ "NAS-IP-Address", "192.0.2.7" },
	{ "NAS-Identifier", "vpn-gw-1" },
	{ "Calling-Station-Id", "203.0.113.5" },
	{ "State", "0x00112233445566778899aabbccddeeff" },
	{ "Proxy-State", "0x6669727374" },
	{ "Proxy-State", "0x7365636f6e64" },
};

static void
test_good_request(void **state)
{
	RADIUS_PACKET		*rp;
	struct radius_pkt	*p;
	enum radius_pkt_err	 why;
	struct sockaddr_in	 sin;
	static const unsigned char st[16] = { 0x00, 0x11, 0x22, 0x33, 0x44,
	    0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

	(void)state;
	rp = client_request(SECRET, 1, alice, sizeof(alice) / sizeof(alice[0]));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	p = radius_pkt_decode(rp->data, rp->data_len, (struct sockaddr *)&sin,
	    SECRET, 1, &why);
	assert_non_null(p);
	assert_int_equal(why, RADIUS_PKT_OK);
	assert_int_equal(p->code, RADIUS_CODE_ACCESS_REQUEST);
	assert_int_equal(p->id, 42);
	assert_memory_equal(p->authenticator, rp->vector, 16);
	assert_int_equal(p->srclen, sizeof(sin));
	assert_memory_equal(&p->src, &sin, sizeof(sin));
	assert_string_equal(p->user_name, "alice");
	assert_string_equal(p->password, "correct horse battery staple");
	assert_int_equal(p->password_len, strlen("correct horse battery staple"));
	assert_string_equal(p->nas_ip, "192.0.2.7");
	assert_string_equal(p->nas_identifier, "vpn-gw-1");
	assert_string_equal(p->calling_station_id, "203.0.113.5");
	assert_int_equal(p->state.len, 16);
	assert_memory_equal(p->state.buf, st, 16);
	assert_int_equal(p->nproxy_state, 2);
	assert_int_equal(p->proxy_state[0].len, 5);
	assert_memory_equal(p->proxy_state[0].buf, "first", 5);
	assert_int_equal(p->proxy_state[1].len, 6);
	assert_memory_equal(p->proxy_state[1].buf, "second", 6);
	assert_true(p->has_ma);
	assert_false(p->has_chap);
	assert_false(p->has_eap);
	radius_pkt_free(p);
	radius_pkt_free(NULL);
}

/* RFC 3579 §3.2: a wrong secret shows as a wrong Message-Authenticator. */
static void
test_wrong_secret(void **state)
{
	RADIUS_PACKET		*rp;
	enum radius_pkt_err	 why;

	(void)state;
	rp = client_request("not-the-secret", 1, alice, 2);
	assert_null(server_decode(rp, 1, &why));
	assert_string_equal(radius_pkt_err_name(why), "ma_invalid");
	/* Verified whenever present, even where it is not required. */
	assert_null(server_decode(rp, 0, &why));
	assert_string_equal(radius_pkt_err_name(why), "ma_invalid");
}

static void
test_ma_missing(void **state)
{
	RADIUS_PACKET		*rp;
	struct radius_pkt	*p;
	enum radius_pkt_err	 why;

	(void)state;
	rp = client_request(SECRET, 0, alice, 3);
	assert_null(server_decode(rp, 1, &why));
	assert_string_equal(radius_pkt_err_name(why), "ma_missing");
	/* A legacy client (pam_radius_auth 2.0) is served where allowed. */
	p = server_decode(rp, 0, &why);
	assert_non_null(p);
	assert_false(p->has_ma);
	assert_string_equal(p->user_name, "alice");
	assert_string_equal(p->password, "correct horse battery staple");
	assert_string_equal(p->nas_ip, "192.0.2.7");
	assert_null(p->nas_identifier);
	assert_null(p->state.buf);
	assert_int_equal(p->nproxy_state, 0);
	radius_pkt_free(p);
}

/* BlastRADIUS: Proxy-State without Message-Authenticator is dropped. */
static void
test_proxy_state_without_ma(void **state)
{
	static const struct kv kv[] = {
		{ "User-Name", "alice" },
		{ "Proxy-State", "0x6669727374" },
	};
	RADIUS_PACKET		*rp;
	struct radius_pkt	*p;
	enum radius_pkt_err	 why;

	(void)state;
	rp = client_request(SECRET, 0, kv, 2);
	assert_null(server_decode(rp, 0, &why));
	assert_string_equal(radius_pkt_err_name(why), "proxy_state_without_ma");
	assert_null(server_decode(rp, 1, &why));
	assert_string_equal(radius_pkt_err_name(why), "ma_missing");
	/* With Message-Authenticator, Proxy-State is fine either way. */
	rp = client_request(SECRET, 1, kv, 2);
	assert_non_null(p = server_decode(rp, 0, &why));
	assert_int_equal(p->nproxy_state, 1);
	radius_pkt_free(p);
}

/* RFC 2865 §3: sizes and the Length field. */
static void
test_lengths(void **state)
{
	RADIUS_PACKET		*rp;
	struct radius_pkt	*p;
	unsigned char		 buf[RADIUS_PKT_MAX_LEN + 1];
	enum radius_pkt_err	 why;
	size_t			 n;

	(void)state;
	rp = client_request(SECRET, 1, alice, 2);
	n = rp->data_len;
	memcpy(buf, rp->data, n);
	expect_drop(buf, 0, 1, RADIUS_PKT_TRUNCATED);
	expect_drop(buf, 19, 1, RADIUS_PKT_TRUNCATED);
	expect_drop(buf, n - 1, 1, RADIUS_PKT_BAD_LENGTH); /* Length > datagram */

	/* Trailing octets past Length are padding, ignored. */
	memset(buf + n, 0xa5, sizeof(buf) - n);
	assert_non_null(p = radius_pkt_decode(buf, n + 30, NULL, SECRET, 1, &why));
	assert_string_equal(p->user_name, "alice");
	radius_pkt_free(p);
	expect_drop(buf, sizeof(buf), 1, RADIUS_PKT_OVERSIZED);

	/* A Length field under 20, or over the 4096-octet maximum. */
	buf[2] = 0;
	buf[3] = 19;
	expect_drop(buf, n, 1, RADIUS_PKT_BAD_LENGTH);
	buf[2] = 0x10;
	buf[3] = 0x01;
	expect_drop(buf, RADIUS_PKT_MAX_LEN, 1, RADIUS_PKT_BAD_LENGTH);
}

/* Attribute lengths that do not add up to the packet's. */
static void
test_bad_attribute(void **state)
{
	RADIUS_PACKET	*rp;
	unsigned char	 buf[256];
	size_t		 n;

	(void)state;
	rp = client_request(SECRET, 0, alice, 1);	/* User-Name = alice */
	n = rp->data_len;
	assert_int_equal(n, 20 + 7);
	memcpy(buf, rp->data, n);
	buf[21] = 1;					/* length < 2 */
	expect_drop(buf, n, 0, RADIUS_PKT_BAD_ATTRIBUTE);
	buf[21] = 9;					/* past the end */
	expect_drop(buf, n, 0, RADIUS_PKT_BAD_ATTRIBUTE);
	buf[21] = 6;					/* one octet left over */
	expect_drop(buf, n, 0, RADIUS_PKT_BAD_ATTRIBUTE);
	buf[21] = 7;
	buf[20] = 0;					/* type 0 */
	expect_drop(buf, n, 0, RADIUS_PKT_BAD_ATTRIBUTE);

	/* Message-Authenticator of the wrong size (RFC 3579 §3.2). */
	buf[20] = PW_MESSAGE_AUTHENTICATOR;
	expect_drop(buf, n, 0, RADIUS_PKT_MA_INVALID);
}

static void
test_not_access_request(void **state)
{
	RADIUS_PACKET	*rp;
	unsigned char	 buf[256];
	static const int codes[] = { 0, PW_CODE_ACCESS_ACCEPT,
	    PW_CODE_ACCOUNTING_REQUEST, PW_CODE_ACCESS_CHALLENGE,
	    PW_CODE_STATUS_SERVER, 255 };
	size_t		 i;

	(void)state;
	rp = client_request(SECRET, 1, alice, 2);
	memcpy(buf, rp->data, rp->data_len);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		buf[0] = (unsigned char)codes[i];
		expect_drop(buf, rp->data_len, 1, RADIUS_PKT_NOT_ACCESS_REQUEST);
	}
}

/* RFC 2865 §5.44: at most one User-Name, User-Password and State. */
static void
test_duplicates(void **state)
{
	static const struct kv two_states[] = {
		{ "User-Name", "alice" },
		{ "State", "0x01" },
		{ "State", "0x02" },
	};
	static const struct kv two_names[] = {
		{ "User-Name", "alice" },
		{ "User-Name", "bob" },
	};
	RADIUS_PACKET		*rp;
	enum radius_pkt_err	 why;

	(void)state;
	rp = client_request(SECRET, 1, two_states, 3);
	assert_null(server_decode(rp, 1, &why));
	assert_string_equal(radius_pkt_err_name(why), "duplicate_attribute");
	rp = client_request(SECRET, 1, two_names, 2);
	assert_null(server_decode(rp, 1, &why));
	assert_string_equal(radius_pkt_err_name(why), "duplicate_attribute");
}

/* "alice\0admin" must not pass as "alice". */
static void
test_nul_in_user_name(void **state)
{
	RADIUS_PACKET		*rp;
	VALUE_PAIR		*vp;
	enum radius_pkt_err	 why;

	(void)state;
	rp = rad_alloc(ctx, true);
	rp->code = PW_CODE_ACCESS_REQUEST;
	rp->id = 7;
	rp->sockfd = -1;
	assert_non_null(fr_pair_make(rp, &rp->vps, "Message-Authenticator",
	    "0x00", T_OP_EQ));
	vp = fr_pair_afrom_num(rp, PW_USER_NAME, 0);
	fr_pair_value_bstrncpy(vp, "alice\0admin", 11);
	fr_pair_add(&rp->vps, vp);
	assert_int_equal(rad_encode(rp, NULL, SECRET), 0);
	assert_int_equal(rad_sign(rp, NULL, SECRET), 0);
	assert_null(server_decode(rp, 1, &why));
	assert_string_equal(radius_pkt_err_name(why), "bad_attribute");
}

/*
 * A Tunnel-Password in a request is skipped, never decoded: the 3.2.1
 * codec leaks two MD5 contexts on a malformed one (the _asan run counts
 * leaks), and no client sends one (RFC 2868 §4: 0 in Access-Request).
 */
static void
test_tunnel_password_skipped(void **state)
{
	unsigned char		 buf[20 + 7 + 18 * 20];
	struct radius_pkt	*p;
	enum radius_pkt_err	 why;
	size_t			 i, n = 20;

	(void)state;
	memset(buf, 0, 20);
	buf[0] = PW_CODE_ACCESS_REQUEST;
	buf[1] = 9;
	memcpy(buf + n, "\x01\x07" "alice", 7);
	n += 7;
	for (i = 0; i < 20; i++, n += 18) {
		buf[n] = 69;		/* Tunnel-Password */
		buf[n + 1] = 18;
		memset(buf + n + 2, 0xee, 16);
	}
	buf[2] = (unsigned char)(n >> 8);
	buf[3] = (unsigned char)n;
	assert_non_null(p = radius_pkt_decode(buf, n, NULL, SECRET, 0, &why));
	assert_string_equal(p->user_name, "alice");
	radius_pkt_free(p);
}

/* The reply a client receives, checked the way the client checks it. */
static RADIUS_PACKET *
client_receive(RADIUS_PACKET *req, const unsigned char *buf, size_t len,
    const char *secret)
{
	RADIUS_PACKET	*rp;
	decode_fail_t	 reason;

	rp = rad_alloc(ctx, false);
	rp->data = talloc_memdup(rp, buf, len);
	rp->data_len = len;
	rp->sockfd = -1;
	if (!rad_packet_ok(rp, 1, &reason) ||
	    rad_verify(rp, req, secret) != 0 ||
	    rad_decode(rp, req, secret) != 0)
		return NULL;
	return rp;
}

static void
test_reply_challenge(void **state)
{
	static const struct radius_attr attrs[] = {
		{ "Filter-Id", "vpn-staff" },
		{ "Idle-Timeout", "600" },
	};
	static const unsigned char st[16] = "0123456789abcdef";
	RADIUS_PACKET		*req, *rep;
	struct radius_pkt	*p;
	struct radius_reply	 r;
	VALUE_PAIR		*vp;
	enum radius_pkt_err	 why;
	unsigned char		 out[RADIUS_PKT_MAX_LEN];
	char			 msg[700], got[700], err[256];
	size_t			 outlen, gotlen = 0, i;
	int			 nmsg = 0, nproxy = 0;

	(void)state;
	req = client_request(SECRET, 1, alice, sizeof(alice) / sizeof(alice[0]));
	assert_non_null(p = server_decode(req, 1, &why));

	/* 600 octets with two-octet characters across the 253 boundary. */
	for (i = 0; i + 2 < sizeof(msg) - 100; i += 3)
		memcpy(msg + i, "\xc3\xa9x", 3);
	msg[i] = '\0';
	memset(&r, 0, sizeof(r));
	r.code = RADIUS_CODE_ACCESS_CHALLENGE;
	r.message = msg;
	r.state = st;
	r.state_len = sizeof(st);
	r.class_ = (const unsigned char *)"latchkey:aal2";
	r.class_len = strlen("latchkey:aal2");
	r.session_timeout = 300;
	r.attrs = attrs;
	r.nattrs = 2;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), 0);
	assert_int_equal(out[0], PW_CODE_ACCESS_CHALLENGE);
	assert_int_equal(out[1], 42);
	/* Message-Authenticator is the first attribute on the wire. */
	assert_int_equal(out[20], PW_MESSAGE_AUTHENTICATOR);
	assert_int_equal(out[21], 18);

	assert_null(client_receive(req, out, outlen, "not-the-secret"));
	assert_non_null(rep = client_receive(req, out, outlen, SECRET));
	assert_int_equal(rep->code, PW_CODE_ACCESS_CHALLENGE);
	assert_int_equal(rep->vps->da->attr, PW_MESSAGE_AUTHENTICATOR);
	for (vp = rep->vps; vp != NULL; vp = vp->next) {
		switch (vp->da->attr) {
		case PW_REPLY_MESSAGE:
			assert_true(vp->vp_length <= 253);
			/* Each piece is whole characters. */
			assert_int_not_equal((unsigned char)vp->vp_strvalue[0] & 0xc0, 0x80);
			memcpy(got + gotlen, vp->vp_strvalue, vp->vp_length);
			gotlen += vp->vp_length;
			nmsg++;
			break;
		case PW_STATE:
			assert_int_equal(vp->vp_length, 16);
			assert_memory_equal(vp->vp_octets, st, 16);
			break;
		case PW_CLASS:
			assert_int_equal(vp->vp_length, 13);
			assert_memory_equal(vp->vp_octets, "latchkey:aal2", 13);
			break;
		case PW_SESSION_TIMEOUT:
			assert_int_equal(vp->vp_integer, 300);
			break;
		case PW_FILTER_ID:
			assert_string_equal(vp->vp_strvalue, "vpn-staff");
			break;
		case PW_PROXY_STATE:
			/* Copied in order, after everything else. */
			assert_null(nproxy == 0 ? NULL : vp);
			nproxy++;
			assert_memory_equal(vp->vp_octets, "first", 5);
			assert_non_null(vp->next);
			assert_int_equal(vp->next->da->attr, PW_PROXY_STATE);
			assert_memory_equal(vp->next->vp_octets, "second", 6);
			assert_null(vp->next->next);
			vp = vp->next;
			break;
		}
	}
	assert_int_equal(nmsg, 3);
	assert_int_equal(gotlen, strlen(msg));
	assert_memory_equal(got, msg, gotlen);
	assert_int_equal(nproxy, 1);
	radius_pkt_free(p);
}

static void
test_reply_accept_reject(void **state)
{
	RADIUS_PACKET		*req, *rep;
	struct radius_pkt	*p;
	struct radius_reply	 r;
	enum radius_pkt_err	 why;
	unsigned char		 out[RADIUS_PKT_MAX_LEN];
	char			 err[256];
	size_t			 outlen;

	(void)state;
	req = client_request(SECRET, 1, alice, 2);
	assert_non_null(p = server_decode(req, 1, &why));
	memset(&r, 0, sizeof(r));
	r.code = RADIUS_CODE_ACCESS_REJECT;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), 0);
	assert_int_equal(outlen, 20 + 18);	/* Message-Authenticator alone */
	assert_non_null(rep = client_receive(req, out, outlen, SECRET));
	assert_int_equal(rep->code, PW_CODE_ACCESS_REJECT);

	r.code = RADIUS_CODE_ACCESS_ACCEPT;
	r.class_ = (const unsigned char *)"latchkey:aal3";
	r.class_len = 13;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), 0);
	assert_non_null(rep = client_receive(req, out, outlen, SECRET));
	assert_int_equal(rep->code, PW_CODE_ACCESS_ACCEPT);
	assert_int_equal(rep->vps->da->attr, PW_MESSAGE_AUTHENTICATOR);
	assert_non_null(fr_pair_find_by_num(rep->vps, PW_CLASS, 0, TAG_ANY));
	radius_pkt_free(p);
}

/* A reply that cannot be sent whole is refused, saying why. */
static void
test_reply_refused(void **state)
{
	static const struct radius_attr unknown[] = { { "No-Such-Attr", "1" } };
	static const struct radius_attr ma[] = {
		{ "Message-Authenticator", "0x00" } };
	static const struct radius_attr badval[] = {
		{ "Session-Timeout", "soon" } };
	RADIUS_PACKET		*req;
	struct radius_pkt	*p;
	struct radius_reply	 r;
	enum radius_pkt_err	 why;
	unsigned char		 out[RADIUS_PKT_MAX_LEN];
	char			 err[256], *big;
	size_t			 outlen;

	(void)state;
	req = client_request(SECRET, 1, alice, 2);
	assert_non_null(p = server_decode(req, 1, &why));
	memset(&r, 0, sizeof(r));
	r.code = RADIUS_CODE_ACCESS_REQUEST;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reply code 1"));
	r.code = RADIUS_CODE_ACCESS_ACCEPT;
	r.attrs = unknown;
	r.nattrs = 1;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No-Such-Attr"));
	r.attrs = ma;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "set by latchkey"));
	r.attrs = badval;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Session-Timeout"));
	r.nattrs = 0;
	big = malloc(5000);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	r.message = big;
	assert_int_equal(radius_pkt_reply(p, SECRET, &r, out, sizeof(out),
	    &outlen, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds 4096"));
	assert_int_equal(outlen, 0);
	free(big);
	radius_pkt_free(p);
}

static void
test_attr_check(void **state)
{
	char	err[256];

	(void)state;
	assert_int_equal(radius_pkt_attr_check("Filter-Id", "staff", err,
	    sizeof(err)), 0);
	assert_int_equal(radius_pkt_attr_check("Tunnel-Private-Group-Id",
	    "42", err, sizeof(err)), 0);
	assert_int_equal(radius_pkt_attr_check("Tunnel-Type", "VLAN", err,
	    sizeof(err)), 0);
	assert_int_equal(radius_pkt_attr_check("Framed-IP-Address",
	    "not an address", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Framed-IP-Address"));
	assert_int_equal(radius_pkt_attr_check("Bogus-Attribute", "1", err,
	    sizeof(err)), -1);
	assert_int_equal(radius_pkt_attr_check("Proxy-State", "0x01", err,
	    sizeof(err)), -1);
}

/* The metric labels are an interface: they must not drift. */
static void
test_err_names(void **state)
{
	static const char *const want[RADIUS_PKT_ERR_MAX] = {
		"ok", "truncated", "oversized", "bad_length", "bad_attribute",
		"duplicate_attribute", "not_access_request", "ma_missing",
		"ma_invalid", "proxy_state_without_ma", "decode_failed",
	};
	int	i;

	(void)state;
	for (i = 0; i < RADIUS_PKT_ERR_MAX; i++)
		assert_string_equal(radius_pkt_err_name(i), want[i]);
	assert_string_equal(radius_pkt_err_name(RADIUS_PKT_ERR_MAX), "unknown");
	assert_string_equal(radius_pkt_code_name(11), "Access-Challenge");
	assert_string_equal(radius_pkt_code_name(0), "unknown");
}

static int
setup(void **state)
{
	char	err[256];

	(void)state;
	log_init(1, LOG_LEVEL_WARN, "test_radius_pkt");
	if (radius_pkt_init(NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* A second call is harmless. */
	if (radius_pkt_init(NULL, err, sizeof(err)) == -1)
		return -1;
	ctx = talloc_new(NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	talloc_free(ctx);
	radius_pkt_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_request),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_ma_missing),
		cmocka_unit_test(test_proxy_state_without_ma),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_bad_attribute),
		cmocka_unit_test(test_not_access_request),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_nul_in_user_name),
		cmocka_unit_test(test_tunnel_password_skipped),
		cmocka_unit_test(test_reply_challenge),
		cmocka_unit_test(test_reply_accept_reject),
		cmocka_unit_test(test_reply_refused),
		cmocka_unit_test(test_attr_check),
		cmocka_unit_test(test_err_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
