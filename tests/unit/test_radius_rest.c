/*
 * test_radius_rest: the FreeRADIUS endpoint's two mappings and the way in.
 * rlm_rest's body = 'json' into an Access-Request (every attribute latchkey
 * reads, its bounds, each malformed form refused with its code); a reply
 * into rlm_rest's form (challenge, accept with several values of one
 * attribute, reject, a long Reply-Message); and radius_req_inject on a
 * listener with rest clients alone: no socket, the caller matched by
 * address and secret, the answer function called for an answer, a drop and
 * a shutdown, and never after a cancel.
 */
#include "config.h"

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
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>
#include <jansson.h>

#include "conf.h"
#include "radius.h"
#include "radius_pkt.h"
#include "radius_rest.h"

#define SECRET	"rest-unit-secret"

/* What real FreeRADIUS 3.2 sends (research/radius.md §5), and more. */
static const char full_body[] =
	"{\"User-Name\":{\"type\":\"string\",\"value\":[\"alice\"]},"
	"\"User-Password\":{\"type\":\"string\",\"value\":[\"p\\\"w\"]},"
	"\"State\":{\"type\":\"octets\",\"value\":[\"0x0102fF\"]},"
	"\"Calling-Station-Id\":{\"type\":\"string\",\"value\":[\"10.0.0.9\"]},"
	"\"NAS-IP-Address\":{\"type\":\"ipaddr\",\"value\":[\"192.0.2.1\"]},"
	"\"NAS-Identifier\":{\"type\":\"string\",\"value\":[\"vpn1\"]},"
	"\"NAS-Port\":{\"type\":\"integer\",\"value\":[0]},"
	"\"Message-Authenticator\":{\"type\":\"octets\",\"value\":[\"0x00\"]},"
	"\"Event-Timestamp\":{\"type\":\"date\",\"value\":[\"Dec  7 2026\"]}}";

static struct radius_pkt *
parse(const char *body, const char **code)
{
	char	 msg[160];

	return radius_rest_parse(body, strlen(body), code, msg, sizeof(msg));
}

static void
test_parse_full(void **state)
{
	struct radius_pkt	*p;
	const char		*code;
	unsigned char		 out[RADIUS_PKT_MAX_LEN];
	size_t			 outlen;
	char			 err[128];
	struct radius_reply	 rep = { .code = RADIUS_CODE_ACCESS_REJECT };

	(void)state;
	p = parse(full_body, &code);
	assert_non_null(p);
	assert_int_equal(p->code, RADIUS_CODE_ACCESS_REQUEST);
	assert_string_equal(p->user_name, "alice");
	assert_int_equal(p->password_len, 3);
	assert_memory_equal(p->password, "p\"w", 4);	/* NUL-terminated */
	assert_int_equal(p->state.len, 3);
	assert_memory_equal(p->state.buf, "\x01\x02\xff", 3);
	assert_string_equal(p->calling_station_id, "10.0.0.9");
	assert_string_equal(p->nas_identifier, "vpn1");
	assert_string_equal(p->nas_ip, "192.0.2.1");
	assert_int_equal(p->has_chap, 0);
	assert_int_equal(p->has_eap, 0);
	assert_int_equal(p->nproxy_state, 0);
	/* No datagram behind it: nothing to encode. */
	assert_int_equal(radius_pkt_reply(p, SECRET, &rep, out, sizeof(out), &outlen,
	    err, sizeof(err)), -1);
	radius_pkt_free(p);

	p = parse("{\"User-Name\":{\"type\":\"string\",\"value\":[\"bob\"]},"
	    "\"NAS-IPv6-Address\":{\"type\":\"ipv6addr\",\"value\":[\"2001:db8::1\"]},"
	    "\"CHAP-Password\":{\"type\":\"octets\",\"value\":[\"0x01\"]}}", &code);
	assert_non_null(p);
	assert_null(p->password);
	assert_null(p->state.buf);
	assert_null(p->calling_station_id);
	assert_string_equal(p->nas_ip, "2001:db8::1");
	assert_int_equal(p->has_chap, 1);
	radius_pkt_free(p);
}

/* Exactly at every bound: accepted. */
static void
test_parse_bounds(void **state)
{
	struct radius_pkt	*p;
	const char		*code;
	char			 user[254], pw[129], hex[2 * 253 + 1], body[2048];

	(void)state;
	memset(user, 'u', 253);
	user[253] = '\0';
	memset(pw, 'p', 128);
	pw[128] = '\0';
	memset(hex, 'a', sizeof(hex) - 1);
	hex[sizeof(hex) - 1] = '\0';
	snprintf(body, sizeof(body), "{\"User-Name\":{\"type\":\"string\",\"value\":[\"%s\"]},"
	    "\"User-Password\":{\"type\":\"string\",\"value\":[\"%s\"]},"
	    "\"State\":{\"type\":\"octets\",\"value\":[\"0x%s\"]}}", user, pw, hex);
	p = parse(body, &code);
	assert_non_null(p);
	assert_int_equal(strlen(p->user_name), 253);
	assert_int_equal(p->password_len, 128);
	assert_int_equal(p->state.len, 253);
	assert_int_equal(p->state.buf[252], 0xaa);
	radius_pkt_free(p);
}

static void
test_parse_refused(void **state)
{
	static const struct {
		const char	*body;
		const char	*code;
	} cases[] = {
		{ "", "json_malformed" },
		{ "nope", "json_malformed" },
		{ "[]", "json_malformed" },
		{ "\"alice\"", "json_malformed" },
		{ "{\"User-Name\":{\"value\":[\"a\\u0000b\"]}}", "json_malformed" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"User-Name\":{\"value\":[\"b\"]}}",
		  "json_malformed" },
		{ "{}", "attribute_missing" },
		{ "{\"User-Name\":{\"type\":\"string\",\"value\":[\"\"]}}", "attribute_missing" },
		{ "{\"User-Name\":\"alice\"}", "attribute_invalid" },
		{ "{\"User-Name\":{\"type\":\"string\"}}", "attribute_invalid" },
		{ "{\"User-Name\":{\"type\":\"string\",\"value\":\"alice\"}}", "attribute_invalid" },
		{ "{\"User-Name\":{\"type\":\"string\",\"value\":[]}}", "attribute_invalid" },
		{ "{\"User-Name\":{\"type\":\"string\",\"value\":[\"a\",\"b\"]}}", "attribute_invalid" },
		{ "{\"User-Name\":{\"type\":\"string\",\"value\":[7]}}", "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"State\":{\"value\":[\"0102\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"State\":{\"value\":[\"0x\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"State\":{\"value\":[\"0x123\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"State\":{\"value\":[\"0x01:02\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"State\":{\"value\":[\"0xzz\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"State\":{\"value\":[\"0x0102\",\"0x03\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"NAS-IP-Address\":{\"value\":[\"vpn\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"NAS-IP-Address\":{\"value\":[\"1.2.3.4.5.6.7.8\"]}}",
		  "attribute_invalid" },
		{ "{\"User-Name\":{\"value\":[\"a\"]},\"Calling-Station-Id\":{\"value\":[1]}}",
		  "attribute_invalid" },
	};
	struct radius_pkt	*p;
	const char		*code;
	char			 msg[160], big[300 + 2 * 254 + 100], *huge;
	size_t			 i, n = RADIUS_REST_BODY_MAX + 1;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		code = NULL;
		p = radius_rest_parse(cases[i].body, strlen(cases[i].body), &code,
		    msg, sizeof(msg));
		if (p != NULL || code == NULL || strcmp(code, cases[i].code) != 0)
			fail_msg("case %zu %s: got %s, want %s", i, cases[i].body,
			    p != NULL ? "a packet" : code, cases[i].code);
		assert_true(strlen(msg) > 0);
	}
	/* One over each bound. */
	memset(big, 'u', 254);
	big[254] = '\0';
	{
		char	 body[1200];

		snprintf(body, sizeof(body), "{\"User-Name\":{\"value\":[\"%s\"]}}", big);
		assert_null(parse(body, &code));
		assert_string_equal(code, "attribute_invalid");
		memset(big, 'p', 129);
		big[129] = '\0';
		snprintf(body, sizeof(body), "{\"User-Name\":{\"value\":[\"a\"]},"
		    "\"User-Password\":{\"value\":[\"%s\"]}}", big);
		assert_null(parse(body, &code));
		assert_string_equal(code, "attribute_invalid");
		memset(big, 'a', 2 * 254);
		big[2 * 254] = '\0';
		snprintf(body, sizeof(body), "{\"User-Name\":{\"value\":[\"a\"]},"
		    "\"State\":{\"value\":[\"0x%s\"]}}", big);
		assert_null(parse(body, &code));
		assert_string_equal(code, "attribute_invalid");
	}
	/* The password never appears in a message. */
	assert_null(parse("{\"User-Name\":{\"value\":[\"a\"]},"
	    "\"User-Password\":{\"value\":[\"s3cr3t\\u0000\"]}}", &code));
	assert_null(radius_rest_parse(big, 0, &code, msg, sizeof(msg)));
	strcpy(big, "{\"User-Name\":{\"value\":[\"a\"]},"
	    "\"User-Password\":{\"value\":[\"s3cr3t\",\"x\"]}}");
	assert_null(radius_rest_parse(big, strlen(big), &code, msg, sizeof(msg)));
	assert_string_equal(code, "attribute_invalid");
	assert_null(strstr(msg, "s3cr3t"));
	huge = malloc(n);
	memset(huge, ' ', n);
	assert_null(radius_rest_parse(huge, n, &code, msg, sizeof(msg)));
	assert_string_equal(code, "body_too_large");
	free(huge);
}

static const char *
sget(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("%s is not a string", key);
	return json_string_value(v);
}

static void
test_reply(void **state)
{
	static const struct radius_attr attrs[] = {
		{ "Filter-Id", "staff" }, { "Tunnel-Type", "VLAN" },
		{ "Filter-Id", "vpn" }, { "Tunnel-Private-Group-Id", "42" },
	};
	struct radius_reply	 rep;
	json_t			*o, *f;
	char			 msg[700], joined[700];
	size_t			 i;
	int			 status;

	(void)state;
	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_CHALLENGE;
	rep.message = "Unlock with your passkey, code K7Q-2MX";
	rep.state = (const unsigned char *)"\x00\xab\xff";
	rep.state_len = 3;
	rep.session_timeout = 300;
	o = radius_rest_reply(&rep, &status);
	assert_int_equal(status, 200);
	assert_string_equal(sget(o, "control:Response-Packet-Type"), "Access-Challenge");
	assert_string_equal(sget(o, "reply:State"), "0x00ABFF");
	assert_string_equal(sget(o, "reply:Reply-Message"), rep.message);
	assert_int_equal(json_integer_value(json_object_get(o, "reply:Session-Timeout")), 300);
	assert_null(json_object_get(o, "reply:Class"));
	json_decref(o);

	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_ACCEPT;
	rep.class_ = (const unsigned char *)"latchkey:aal2";
	rep.class_len = 13;
	rep.attrs = attrs;
	rep.nattrs = sizeof(attrs) / sizeof(attrs[0]);
	o = radius_rest_reply(&rep, &status);
	assert_int_equal(status, 200);
	assert_null(json_object_get(o, "control:Response-Packet-Type"));
	assert_null(json_object_get(o, "reply:Reply-Message"));
	assert_string_equal(sget(o, "reply:Class"), "0x6C617463686B65793A61616C32");
	assert_string_equal(sget(o, "reply:Tunnel-Type"), "VLAN");
	assert_string_equal(sget(o, "reply:Tunnel-Private-Group-Id"), "42");
	f = json_object_get(o, "reply:Filter-Id");
	assert_string_equal(sget(f, "op"), "+=");
	assert_int_equal(json_array_size(json_object_get(f, "value")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(f, "value"), 0)),
	    "staff");
	assert_string_equal(json_string_value(json_array_get(json_object_get(f, "value"), 1)),
	    "vpn");
	json_decref(o);

	/* A Reject: 401 (rlm_rest: reject, the body still read); a long message split. */
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	memcpy(msg + 250, "\xc3\xa9\xc3\xa9", 4);	/* UTF-8 across the 253 mark */
	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_REJECT;
	rep.message = msg;
	o = radius_rest_reply(&rep, &status);
	assert_int_equal(status, 401);
	f = json_object_get(o, "reply:Reply-Message");
	assert_string_equal(sget(f, "op"), "+=");
	assert_int_equal(json_array_size(json_object_get(f, "value")), 3);
	joined[0] = '\0';
	for (i = 0; i < 3; i++) {
		const char *piece = json_string_value(json_array_get(json_object_get(f,
		    "value"), i));

		assert_non_null(piece);
		assert_true(strlen(piece) <= RADIUS_PKT_ATTR_MAX);
		strcat(joined, piece);
	}
	assert_string_equal(joined, msg);
	json_decref(o);
}

/* radius_req_inject on a listener of rest clients alone. */
struct inj {
	struct event_base	*base;
	struct radius		*r;
	struct conf		*conf;
	char			 dir[64];
	int			 handled;	/* handler calls */
	int			 answer_now;	/* the handler answers at once */
	uint64_t		 last;		/* the handler's request */
	int			 answers;
	int			 code;		/* of the last answer; 0: a drop */
	char			 reason[32];
};

static void
inj_handler(struct radius_req *req, void *arg)
{
	struct inj		*x = arg;
	struct radius_reply	 rep;

	x->handled++;
	x->last = radius_req_id(req);
	assert_string_equal(radius_req_pkt(req)->user_name, "alice");
	assert_string_equal(radius_req_client(req), "127.0.0.0/8");
	if (!x->answer_now)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_CHALLENGE;
	rep.message = "hello";
	radius_req_answer(req, &rep);
}

static void
inj_answer(struct radius_req *req, const struct radius_reply *rep, const char *reason,
    void *arg)
{
	struct inj	*x = arg;

	assert_non_null(req);
	x->answers++;
	x->code = rep != NULL ? rep->code : 0;
	snprintf(x->reason, sizeof(x->reason), "%s", reason != NULL ? reason : "");
	if (rep != NULL)
		assert_string_equal(rep->message, "hello");
}

static int
inject(struct inj *x, const char *addr, const char *secret, uint64_t *id,
    const char **why)
{
	struct sockaddr_in	 sin;
	const char		*code;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	return radius_req_inject(x->r, (struct sockaddr *)&sin, secret,
	    secret != NULL ? strlen(secret) : 0,
	    parse("{\"User-Name\":{\"type\":\"string\",\"value\":[\"alice\"]}}", &code),
	    inj_answer, x, id, why);
}

static void
test_inject(void **state)
{
	struct inj	 x;
	char		 path[128], text[512], err[CONF_ERR_MAX];
	const char	*why;
	uint64_t	 id = 0;
	FILE		*f;

	(void)state;
	memset(&x, 0, sizeof(x));
	snprintf(x.dir, sizeof(x.dir), "/tmp/test_radius_rest.XXXXXX");
	assert_non_null(mkdtemp(x.dir));
	snprintf(path, sizeof(path), "%s/secret", x.dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(SECRET "\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "state-dir %s\n"
	    "radius-client 127.0.0.0/8 secret-file %s rest\n", x.dir, path);
	assert_non_null(x.conf = conf_parse("test.conf", text, err, sizeof(err)));
	assert_int_equal(radius_wanted(x.conf), 1);
	x.base = event_base_new();
	x.r = radius_new(x.base, x.conf, err, sizeof(err));
	if (x.r == NULL)
		fail_msg("radius_new: %s", err);
	radius_set_handler(x.r, inj_handler, &x);

	/* Strangers and wrong secrets never reach the handler. */
	assert_int_equal(inject(&x, "10.0.0.1", SECRET, &id, &why), -1);
	assert_string_equal(why, "forbidden");
	assert_int_equal(inject(&x, "127.0.0.1", "rest-unit-secreT", &id, &why), -1);
	assert_string_equal(why, "forbidden");
	assert_int_equal(inject(&x, "127.0.0.1", SECRET "x", &id, &why), -1);
	assert_int_equal(inject(&x, "127.0.0.1", "rest-unit-secre", &id, &why), -1);
	assert_int_equal(inject(&x, "127.0.0.1", NULL, &id, &why), -1);
	assert_int_equal(x.handled, 0);
	assert_int_equal(x.answers, 0);

	/* Answered at once: the answer function runs inside the call. */
	x.answer_now = 1;
	assert_int_equal(inject(&x, "127.0.0.1", SECRET, &id, &why), 0);
	assert_int_equal(x.handled, 1);
	assert_int_equal(x.answers, 1);
	assert_int_equal(x.code, RADIUS_CODE_ACCESS_CHALLENGE);
	assert_int_equal(id, x.last);
	assert_null(radius_req_find(x.r, id));

	/* Waiting: found by id; a cancel ends it without an answer. */
	x.answer_now = 0;
	assert_int_equal(inject(&x, "127.0.0.1", SECRET, &id, &why), 0);
	assert_non_null(radius_req_find(x.r, id));
	radius_req_cancel(radius_req_find(x.r, id));
	assert_null(radius_req_find(x.r, id));
	assert_int_equal(x.answers, 1);

	/* A drop reaches the caller with its reason. */
	assert_int_equal(inject(&x, "127.0.0.1", SECRET, &id, &why), 0);
	radius_req_drop(radius_req_find(x.r, id), "directory_down");
	assert_int_equal(x.answers, 2);
	assert_int_equal(x.code, 0);
	assert_string_equal(x.reason, "directory_down");

	/* The per-user rate (5/s) applies: the burst is spent by now. */
	assert_int_equal(inject(&x, "127.0.0.1", SECRET, &id, &why), 0);
	assert_int_equal(inject(&x, "127.0.0.1", SECRET, &id, &why), 0);
	assert_int_equal(inject(&x, "127.0.0.1", SECRET, &id, &why), -1);
	assert_string_equal(why, "rate_limited");

	/* Shutdown: what still waits is told, once. */
	x.answers = 0;
	radius_free(x.r);
	assert_int_equal(x.answers, 2);
	assert_string_equal(x.reason, "shutdown");
	conf_free(x.conf);
	event_base_free(x.base);
	unlink(path);
	rmdir(x.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_inject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
