/*
 * test_radius: the RADIUS listener on 127.0.0.1 with a real event loop and
 * a stub handler: the default Access-Reject, duplicates of a request in
 * progress dropped and of an answered one answered from the cache with the
 * same octets, expiry of a held request, unknown clients, secrets (bad
 * files refused, a new one on reload), and the cache and token buckets
 * alone.  Requests are built here by hand (RFC 2865 §3, RFC 3579 §3.2).
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/hmac.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "radius.h"
#include "radius_pkt.h"
#include "radius_priv.h"
#include "util.h"

#define SECRET	"unit-test-secret"

struct fixture {
	char			 dir[64];
	char			 secret_file[128];
	uint16_t		 port;
	struct event_base	*base;
	struct conf		*conf;
	struct radius		*r;
	int			 fd;		/* the test's client socket */
	int			 calls;		/* handler calls */
	uint64_t		 last_id;
};

static uint16_t
free_udp_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static void
write_file(const char *path, const char *s, size_t len)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, len, f), len);
	fclose(f);
}

/* A configuration with one client line (the listener on fx->port). */
static struct conf *
make_conf(struct fixture *fx, const char *client_opts)
{
	char	 text[1024], err[CONF_ERR_MAX];
	struct conf *c;

	snprintf(text, sizeof(text), "state-dir %s\nradius-listen 127.0.0.1:%u\n"
	    "radius-client %s secret-file %s\n", fx->dir, (unsigned)fx->port,
	    client_opts, fx->secret_file);
	c = conf_parse("test.conf", text, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	return c;
}

static int
setup_with(void **state, const char *client_opts)
{
	struct fixture		*fx = calloc(1, sizeof(*fx));
	struct sockaddr_in	 sin;
	char			 err[256];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_radius.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->secret_file, sizeof(fx->secret_file), "%s/secret", fx->dir);
	write_file(fx->secret_file, SECRET "\n", strlen(SECRET) + 1);
	fx->port = free_udp_port();
	fx->base = event_base_new();
	fx->conf = make_conf(fx, client_opts);
	fx->r = radius_new(fx->base, fx->conf, err, sizeof(err));
	if (fx->r == NULL)
		fail_msg("radius_new: %s", err);
	fx->fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fx->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, "127.0.0.1");
}

static int
setup_hold(void **state)
{
	return setup_with(state, "127.0.0.0/8 mode hold hold-timeout 1s");
}

static int
setup_stranger(void **state)
{
	return setup_with(state, "127.0.0.9");
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[128];

	radius_free(fx->r);
	conf_free(fx->conf);
	event_base_free(fx->base);
	close(fx->fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* An Access-Request: Message-Authenticator first, then User-Name. */
static size_t
build_request(unsigned char *pkt, uint8_t id, const char *user, const char *secret)
{
	size_t		 ulen = strlen(user), len = 20 + 18 + 2 + ulen;
	unsigned int	 maclen = 16;

	memset(pkt, 0, len);
	pkt[0] = RADIUS_CODE_ACCESS_REQUEST;
	pkt[1] = id;
	pkt[2] = (unsigned char)(len >> 8);
	pkt[3] = (unsigned char)len;
	util_random(pkt + 4, 16);
	pkt[20] = 80;		/* Message-Authenticator, zero while signing */
	pkt[21] = 18;
	pkt[38] = 1;		/* User-Name */
	pkt[39] = (unsigned char)(2 + ulen);
	memcpy(pkt + 40, user, ulen);
	HMAC(EVP_md5(), secret, (int)strlen(secret), pkt, len, pkt + 22, &maclen);
	return len;
}

static void
send_pkt(struct fixture *fx, const unsigned char *pkt, size_t len)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(fx->port);
	assert_int_equal(sendto(fx->fd, pkt, len, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), (ssize_t)len);
}

/* Runs the loop for ms milliseconds. */
static void
run_loop(struct fixture *fx, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(fx->base, &tv);
	event_base_dispatch(fx->base);
}

/* A reply within the loop's turn, or -1. */
static ssize_t
recv_reply(struct fixture *fx, unsigned char *buf, size_t len)
{
	struct pollfd	pfd = { .fd = fx->fd, .events = POLLIN };

	run_loop(fx, 50);
	if (poll(&pfd, 1, 100) != 1)
		return -1;
	return recv(fx->fd, buf, len, 0);
}

static double
metric(const char *sample)
{
	struct evbuffer	*b = evbuffer_new();
	char		*page, *p;
	double		 v = -1;
	size_t		 n;

	metrics_render(b);
	n = evbuffer_get_length(b);
	page = calloc(1, n + 1);
	evbuffer_remove(b, page, n);
	evbuffer_free(b);
	for (p = page; (p = strstr(p, sample)) != NULL; p++)
		if ((p == page || p[-1] == '\n') && p[strlen(sample)] == ' ') {
			v = strtod(p + strlen(sample) + 1, NULL);
			break;
		}
	free(page);
	return v;
}

/* A handler that parks every request (hold mode, the approval not yet in). */
static void
park(struct radius_req *req, void *arg)
{
	struct fixture	*fx = arg;

	fx->calls++;
	fx->last_id = radius_req_id(req);
}

/* Without a handler: Access-Reject with the plain sentence, signed. */
static void
test_default_reject(void **state)
{
	struct fixture	*fx = *state;
	unsigned char	 pkt[256], reply[4096];
	size_t		 len = build_request(pkt, 7, "alice", SECRET);
	ssize_t		 n;
	const char	*msg = "latchkey: RADIUS sign-in is not enabled on this server";

	send_pkt(fx, pkt, len);
	n = recv_reply(fx, reply, sizeof(reply));
	assert_true(n > 20);
	assert_int_equal(reply[0], RADIUS_CODE_ACCESS_REJECT);
	assert_int_equal(reply[1], 7);
	assert_int_equal(reply[20], 80);	/* Message-Authenticator first */
	assert_non_null(memmem(reply, (size_t)n, msg, strlen(msg)));
	assert_true(metric("latchkey_radius_replies_total{code=\"Access-Reject\"}") == 1);
}

/*
 * RFC 5080 §2.2.2: the same request again while parked is dropped; after
 * the answer, again gets the same octets and the handler is not called.
 */
static void
test_duplicates(void **state)
{
	struct fixture		*fx = *state;
	struct radius_req	*req;
	struct radius_reply	 rep;
	unsigned char		 pkt[256], r1[4096], r2[4096];
	size_t			 len = build_request(pkt, 9, "bob", SECRET);
	ssize_t			 n1, n2;

	radius_set_handler(fx->r, park, fx);
	send_pkt(fx, pkt, len);
	run_loop(fx, 50);
	assert_int_equal(fx->calls, 1);
	req = radius_req_find(fx->r, fx->last_id);
	assert_non_null(req);
	assert_string_equal(radius_req_client(req), "127.0.0.1");
	assert_string_equal(radius_req_pkt(req)->user_name, "bob");
	assert_int_equal(radius_req_mode(req), CONF_RADIUS_CHALLENGE);
	assert_int_equal(strncmp(radius_req_peer(req), "127.0.0.1:", 10), 0);

	send_pkt(fx, pkt, len);
	assert_true(recv_reply(fx, r1, sizeof(r1)) == -1);
	assert_int_equal(fx->calls, 1);
	assert_true(metric("latchkey_radius_drops_total{reason=\"duplicate_in_progress\"}") == 1);
	assert_true(metric("latchkey_radius_requests_in_flight") == 1);

	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_ACCEPT;
	rep.message = "welcome";
	radius_req_answer(req, &rep);
	assert_null(radius_req_find(fx->r, fx->last_id));
	n1 = recv(fx->fd, r1, sizeof(r1), 0);
	assert_true(n1 > 20);
	assert_int_equal(r1[0], RADIUS_CODE_ACCESS_ACCEPT);

	send_pkt(fx, pkt, len);
	n2 = recv_reply(fx, r2, sizeof(r2));
	assert_int_equal(n2, n1);
	assert_memory_equal(r1, r2, (size_t)n1);
	assert_int_equal(fx->calls, 1);
	assert_true(metric("latchkey_radius_duplicates_answered_total") == 1);
	assert_true(metric("latchkey_radius_replies_total{code=\"Access-Accept\"}") == 1);
	assert_true(metric("latchkey_radius_requests_in_flight") == 0);

	/* Another identifier is another request. */
	len = build_request(pkt, 10, "bob", SECRET);
	send_pkt(fx, pkt, len);
	run_loop(fx, 50);
	assert_int_equal(fx->calls, 2);
}

/* hold-timeout 1s: a request nobody answers ends silently after 1 s. */
static void
test_hold_expiry(void **state)
{
	struct fixture		*fx = *state;
	struct radius_req	*req;
	unsigned char		 pkt[256], reply[4096];
	size_t			 len = build_request(pkt, 11, "carol", SECRET);

	radius_set_handler(fx->r, park, fx);
	send_pkt(fx, pkt, len);
	run_loop(fx, 50);
	assert_int_equal(fx->calls, 1);
	req = radius_req_find(fx->r, fx->last_id);
	assert_non_null(req);
	assert_int_equal(radius_req_mode(req), CONF_RADIUS_HOLD);
	assert_int_equal(radius_req_hold_ms(req), 1000);
	assert_string_equal(radius_req_client(req), "127.0.0.0/8");
	run_loop(fx, 1100);
	assert_null(radius_req_find(fx->r, fx->last_id));
	assert_true(metric("latchkey_radius_drops_total{reason=\"expired\"}") == 1);
	assert_true(recv_reply(fx, reply, sizeof(reply)) == -1);
	/* Nothing was cached: the client's next try is a new request. */
	send_pkt(fx, pkt, len);
	run_loop(fx, 50);
	assert_int_equal(fx->calls, 2);
}

/* Only 127.0.0.9 is a client: our 127.0.0.1 is dropped and counted. */
static void
test_unknown_client(void **state)
{
	struct fixture	*fx = *state;
	unsigned char	 pkt[256], reply[4096];
	size_t		 len = build_request(pkt, 12, "dave", SECRET);

	radius_set_handler(fx->r, park, fx);
	send_pkt(fx, pkt, len);
	assert_true(recv_reply(fx, reply, sizeof(reply)) == -1);
	assert_int_equal(fx->calls, 0);
	assert_true(metric("latchkey_radius_drops_total{reason=\"unknown_client\"}") == 1);
	assert_true(metric("latchkey_radius_requests_total{client=\"127.0.0.9\"}") == 0);
}

/* A new secret on reload; the old one no longer verifies. */
static void
test_reconf_secret(void **state)
{
	struct fixture	*fx = *state;
	unsigned char	 pkt[256], reply[4096];
	char		 err[256];
	size_t		 len;

	write_file(fx->secret_file, "a-new-secret", 12);
	assert_int_equal(radius_reconf(fx->r, fx->conf, err, sizeof(err)), 0);
	len = build_request(pkt, 13, "erin", SECRET);
	send_pkt(fx, pkt, len);
	assert_true(recv_reply(fx, reply, sizeof(reply)) == -1);
	assert_true(metric("latchkey_radius_drops_total{reason=\"ma_invalid\"}") == 1);
	len = build_request(pkt, 14, "erin", "a-new-secret");
	send_pkt(fx, pkt, len);
	assert_true(recv_reply(fx, reply, sizeof(reply)) > 20);
	/* Requests counted per client across the reload. */
	assert_true(metric("latchkey_radius_requests_total{client=\"127.0.0.1\"}") == 2);
}

/* Bad secret files are refused with the reason, never the secret. */
static void
test_bad_secrets(void **state)
{
	struct fixture	*fx = *state;
	struct conf	*c;
	char		 err[256], big[200];

	write_file(fx->secret_file, "\n", 1);
	assert_int_equal(radius_reconf(fx->r, fx->conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	memset(big, 'x', sizeof(big));
	write_file(fx->secret_file, big, sizeof(big));
	assert_int_equal(radius_reconf(fx->r, fx->conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 128 bytes"));
	write_file(fx->secret_file, "ab\0cd", 5);
	assert_int_equal(radius_reconf(fx->r, fx->conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	/* A new client whose file is missing: refused, the old ones stay. */
	c = make_conf(fx, "127.0.0.1");
	free(c->radius_clients[0].secret_file);
	c->radius_clients[0].secret_file = strdup("/nonexistent/secret");
	assert_int_equal(radius_reconf(fx->r, c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/secret"));
	conf_free(c);
}

/* The cache alone: bounded by count, the oldest reply evicted; expiry. */
static void
test_cache(void **state)
{
	struct radius_cache		*c = radius_cache_new(2, 1 << 20, 10000);
	struct radius_cache_entry	*e[3];
	struct radius_cache_key		 k[3];
	const unsigned char		*buf;
	size_t				 len, i;

	(void)state;
	memset(k, 0, sizeof(k));
	for (i = 0; i < 3; i++) {
		k[i].af = 4;
		k[i].id = (uint8_t)i;
		assert_null(radius_cache_find(c, &k[i]));
		e[i] = radius_cache_add(c, &k[i]);
		assert_int_equal(radius_cache_reply(e[i], &buf, &len), 0);
	}
	for (i = 0; i < 3; i++)
		radius_cache_answer(c, e[i], (const unsigned char *)"reply", 5, 1000 + i);
	assert_int_equal(radius_cache_count(c), 2);
	assert_null(radius_cache_find(c, &k[0]));
	assert_non_null(radius_cache_find(c, &k[2]));
	assert_int_equal(radius_cache_reply(radius_cache_find(c, &k[2]), &buf, &len), 1);
	assert_memory_equal(buf, "reply", 5);
	radius_cache_expire(c, 1001 + 10000);
	assert_null(radius_cache_find(c, &k[1]));
	assert_non_null(radius_cache_find(c, &k[2]));
	radius_cache_free(c);
}

/* 5 a second with a burst of 5: five, then none, then one 200 ms later. */
static void
test_buckets(void **state)
{
	struct radius_users	*u = radius_users_new(2);
	int			 i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(radius_users_take(u, "alice", 5, 5, 1000), 1);
	assert_int_equal(radius_users_take(u, "alice", 5, 5, 1000), 0);
	assert_int_equal(radius_users_take(u, "bob", 5, 5, 1000), 1);
	assert_int_equal(radius_users_take(u, "alice", 5, 5, 1200), 1);
	assert_int_equal(radius_users_take(u, "alice", 5, 5, 1200), 0);
	/* A third name evicts the least recently used (bob). */
	assert_int_equal(radius_users_take(u, "carol", 5, 5, 1200), 1);
	assert_int_equal(radius_users_count(u), 2);
	radius_users_free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_expiry, setup_hold, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_client, setup_stranger, teardown),
		cmocka_unit_test_setup_teardown(test_reconf_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_secrets, setup, teardown),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_buckets),
	};
	char	 err[256];

	log_init(1, LOG_LEVEL_WARN, "test_radius");
	if (radius_pkt_init(NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
