/*
 * test_http.c: the http module and the status endpoints, over real
 * loopback sockets in one event loop: libevent's own HTTP client (plain and
 * over OpenSSL) talks to the server, so every assertion is about what a
 * client receives.  The store is stubbed below (status.c's only dependency).
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

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

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conf.h"
#include "http.h"
#include "log.h"
#include "status.h"
#include "store.h"

#define TEST_MAX_BODY		1024
#define TEST_MAX_HEADERS	8192
#define TEST_CSP	"default-src 'self'; script-src 'self'; style-src 'self'; " \
			"img-src 'self' data:; object-src 'none'; base-uri 'none'; " \
			"frame-ancestors 'none'; form-action 'self'"

/* ---- store stub ------------------------------------------------------- */

enum stub_mode { STUB_OK, STUB_FAIL, STUB_HOLD };

static struct {
	struct event_base	*base;
	enum stub_mode		 mode;
	enum store_state	 state;
	store_done_cb		 cb;
	void			*arg;
	uint64_t		 id;		/* last ping's id */
	uint64_t		 cancelled;	/* last cancelled id */
	int			 cancels;
	int			 pings;
} stub;
static char	 stub_store_obj;	/* struct store is opaque: any address */
#define STUB_STORE	((struct store *)&stub_store_obj)

const double store_latency_bounds[7] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1 };

static void
stub_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	stub.cb(stub.mode == STUB_OK ? STORE_OK : STORE_UNAVAILABLE, stub.arg);
}

/* Answers from the loop, as the real store does; HOLD never answers. */
uint64_t
store_ping(struct store *store, store_done_cb cb, void *arg)
{
	struct timeval	 tv = { 0, 1000 };

	assert_ptr_equal(store, STUB_STORE);
	stub.cb = cb;
	stub.arg = arg;
	stub.pings++;
	if (stub.mode != STUB_HOLD)
		event_base_once(stub.base, -1, EV_TIMEOUT, stub_on_timer, NULL, &tv);
	else
		event_base_loopbreak(stub.base);
	return (stub.id = 40 + stub.pings);
}

void
store_cancel(struct store *store, uint64_t id)
{
	assert_ptr_equal(store, STUB_STORE);
	stub.cancelled = id;
	stub.cancels++;
	event_base_loopbreak(stub.base);
}

enum store_state
store_state(const struct store *store)
{
	(void)store;
	return (stub.state);
}

const char *
store_reason(const struct store *store)
{
	(void)store;
	return (stub.state == STORE_UP ? "connected" :
	    "ldap://127.0.0.1:1: Can't contact LDAP server");
}

const char *
store_strerror(enum store_err err)
{
	return (err == STORE_OK ? "success" : "directory unavailable");
}

void
store_stats(const struct store *store, struct store_stats *st)
{
	(void)store;
	memset(st, 0, sizeof(*st));
	st->ops[STORE_OK] = 5;
	st->ops[STORE_TIMEOUT] = 1;
	st->connects = 2;
	st->latency_buckets[0] = 4;
	st->latency_buckets[7] = 2;
	st->latency_sum = 3.25;
}

/* ---- fixture and client ------------------------------------------------ */

struct fx {
	struct event_base	*base;
	struct conf		 conf;
	struct conf_listen	 listen[2];
	struct http		*http;
	char			 dir[64];
	char			 cert[128], key[128];
	SSL_CTX			*cctx;		/* https client */
};

struct resp {
	int	 code;			/* 0: no response */
	char	*body;
	struct evkeyvalq headers;
	int	 done;
};

static void	 test_cert(const char *, const char *, const char *);

static void
fx_conf(struct fx *fx, int tls, const char *host)
{
	memset(&fx->conf, 0, sizeof(fx->conf));
	fx->listen[0].tls = tls;
	fx->listen[0].host = (char *)host;
	fx->listen[0].port = 0;
	fx->conf.listens = fx->listen;
	fx->conf.nlistens = 1;
	fx->conf.tls_cert = fx->cert;
	fx->conf.tls_key = fx->key;
	fx->conf.http_max_body = TEST_MAX_BODY;
	fx->conf.http_max_headers = TEST_MAX_HEADERS;
	fx->conf.http_timeout_ms = 5000;
}

static int
fx_setup(void **state)
{
	struct fx	*fx;

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	assert_non_null(fx->base = event_base_new());
	memset(&stub, 0, sizeof(stub));
	stub.base = fx->base;
	stub.state = STORE_UP;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_http.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->cert, sizeof(fx->cert), "%s/cert.pem", fx->dir);
	snprintf(fx->key, sizeof(fx->key), "%s/key.pem", fx->dir);
	*state = fx;
	return (0);
}

static int
fx_teardown(void **state)
{
	struct fx	*fx = *state;
	char		 path[160];

	status_free(STUB_STORE);
	http_free(fx->http);
	SSL_CTX_free(fx->cctx);
	event_base_free(fx->base);
	snprintf(path, sizeof(path), "%s/cert.pem", fx->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/key.pem", fx->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cert2.pem", fx->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/key2.pem", fx->dir);
	unlink(path);
	rmdir(fx->dir);
	free(fx);
	return (0);
}

/* A plain (or https) server on 127.0.0.1, an ephemeral port, with the status routes. */
static void
fx_start(struct fx *fx, int tls)
{
	char	 err[256] = "";

	fx_conf(fx, tls, "127.0.0.1");
	fx->http = http_new(fx->base, &fx->conf, err, sizeof(err));
	if (fx->http == NULL)
		fail_msg("http_new: %s", err);
	assert_true(http_port(fx->http, 0) > 0);
	assert_int_equal(http_port(fx->http, 1), -1);
	status_init(fx->http, STUB_STORE);
}

static void
resp_free(struct resp *r)
{
	free(r->body);
	evhttp_clear_headers(&r->headers);
}

static const char *
resp_header(struct resp *r, const char *name)
{
	return (evhttp_find_header(&r->headers, name));
}

static void
on_response(struct evhttp_request *req, void *arg)
{
	struct resp		*r = arg;
	struct evkeyval		*kv;
	struct evbuffer		*in;
	size_t			 len;

	r->done = 1;
	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		return;
	r->code = evhttp_request_get_response_code(req);
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
		evhttp_add_header(&r->headers, kv->key, kv->value);
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	r->body = malloc(len + 1);
	assert_non_null(r->body);
	evbuffer_remove(in, r->body, len);
	r->body[len] = '\0';
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
	event_base_loopbreak(stub.base);
}

/* Runs the loop until *flag or 5 s (then fails). */
static void
run_until(struct fx *fx, int *flag)
{
	struct timeval	 tv = { 5, 0 };
	struct event	*ev;
	int		 timedout = 0;

	ev = evtimer_new(fx->base, on_deadline, &timedout);
	evtimer_add(ev, &tv);
	while (!*flag && !timedout)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(ev);
	if (timedout)
		fail_msg("timed out");
}

/*
 * One request over a fresh connection (https when fx->cctx is set); extra
 * is "Name: value" or NULL; body may be NULL.
 */
static void
request(struct fx *fx, enum evhttp_cmd_type cmd, const char *uri,
    const char *hname, const char *hvalue, const char *body, size_t blen,
    struct resp *r)
{
	struct evhttp_connection	*evcon;
	struct evhttp_request		*req;
	struct bufferevent		*bev = NULL;
	SSL				*ssl;
	char				 len[32];

	memset(r, 0, sizeof(*r));
	TAILQ_INIT(&r->headers);
	if (fx->cctx != NULL) {
		assert_non_null(ssl = SSL_new(fx->cctx));
		bev = bufferevent_openssl_socket_new(fx->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		assert_non_null(bev);
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	}
	evcon = evhttp_connection_base_bufferevent_new(fx->base, NULL, bev,
	    "127.0.0.1", (unsigned short)http_port(fx->http, 0));
	assert_non_null(evcon);
	assert_non_null(req = evhttp_request_new(on_response, r));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "localhost");
	if (hname != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    hname, hvalue);
	if (body != NULL) {
		evbuffer_add(evhttp_request_get_output_buffer(req), body, blen);
		snprintf(len, sizeof(len), "%zu", blen);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", len);
	}
	assert_int_equal(evhttp_make_request(evcon, req, cmd, uri), 0);
	run_until(fx, &r->done);
	evhttp_connection_free(evcon);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Sends raw bytes on a new connection; returns the status code of the answer. */
static int
raw_request(struct fx *fx, const char *text, size_t len)
{
	struct sockaddr_in	 sin;
	struct event		*ev;
	char			 buf[512];
	ssize_t			 n;
	int			 fd, readable = 0, code = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)http_port(fx->http, 0));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	ev = event_new(fx->base, fd, EV_READ, on_readable, &readable);
	event_add(ev, NULL);
	run_until(fx, &readable);
	event_free(ev);
	if ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "HTTP/1.1 %d ", &code) != 1)
			code = -1;
	}
	close(fd);
	return (code);
}

static void
assert_security_headers(struct resp *r, int tls)
{
	assert_string_equal(resp_header(r, "Content-Security-Policy"), TEST_CSP);
	assert_string_equal(resp_header(r, "X-Content-Type-Options"), "nosniff");
	assert_string_equal(resp_header(r, "Referrer-Policy"), "no-referrer");
	assert_string_equal(resp_header(r, "X-Frame-Options"), "DENY");
	if (tls)
		assert_string_equal(resp_header(r, "Strict-Transport-Security"),
		    "max-age=31536000");
	else
		assert_null(resp_header(r, "Strict-Transport-Security"));
}

/* ---- tests ------------------------------------------------------------- */

/* /healthz: 200 {"status":"ok"}, JSON, no-store, security headers, no store call. */
static void
test_http_healthz(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;

	fx_start(fx, 0);
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "{\"status\":\"ok\"}");
	assert_string_equal(resp_header(&r, "Content-Type"), "application/json");
	assert_string_equal(resp_header(&r, "Cache-Control"), "no-store");
	assert_security_headers(&r, 0);
	assert_int_equal(stub.pings, 0);
	resp_free(&r);
}

/* /readyz: 200 when the ping succeeds, 503 with the store's reason when not. */
static void
test_http_readyz(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;

	fx_start(fx, 0);
	stub.mode = STUB_OK;
	request(fx, EVHTTP_REQ_GET, "/readyz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "{\"status\":\"ready\",\"directory\":\"up\"}");
	assert_int_equal(stub.pings, 1);
	resp_free(&r);

	stub.mode = STUB_FAIL;
	stub.state = STORE_DOWN;
	request(fx, EVHTTP_REQ_GET, "/readyz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 503);
	assert_string_equal(r.body, "{\"error\":\"directory_unavailable\","
	    "\"message\":\"ldap://127.0.0.1:1: Can't contact LDAP server\"}");
	assert_security_headers(&r, 0);
	resp_free(&r);
}

/* A /readyz client that hangs up while the ping is pending cancels the ping. */
static void
test_http_readyz_cancel(void **state)
{
	struct fx		*fx = *state;
	struct sockaddr_in	 sin;
	struct resp		 r;
	const char		*get = "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n";
	int			 fd;

	fx_start(fx, 0);
	stub.mode = STUB_HOLD;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)http_port(fx->http, 0));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, get, strlen(get)), (ssize_t)strlen(get));
	run_until(fx, &stub.pings);
	assert_int_equal(stub.cancelled, 0);
	close(fd);
	run_until(fx, &stub.cancels);
	assert_int_equal(stub.cancels, 1);
	assert_true(stub.cancelled == stub.id);

	/* The server carries on, and nothing is left in flight. */
	stub.mode = STUB_OK;
	request(fx, EVHTTP_REQ_GET, "/metrics", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	assert_non_null(strstr(r.body, "\nlatchkey_http_requests_in_flight 1\n"));
	resp_free(&r);
}

/* /metrics: the format's content type, HELP/TYPE lines and counters that moved. */
static void
test_http_metrics(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;

	fx_start(fx, 0);
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	resp_free(&r);
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	resp_free(&r);
	request(fx, EVHTTP_REQ_GET, "/no/such/page?x=1", NULL, NULL, NULL, 0, &r);
	resp_free(&r);
	request(fx, EVHTTP_REQ_GET, "/metrics", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(resp_header(&r, "Content-Type"),
	    "text/plain; version=0.0.4; charset=utf-8");
	assert_security_headers(&r, 0);
	assert_non_null(strstr(r.body,
	    "# TYPE latchkey_http_requests_total counter\n"));
	assert_non_null(strstr(r.body,
	    "latchkey_http_requests_total{route=\"/healthz\",code=\"200\"} 2\n"));
	/* Unknown paths are one label value, never the raw URI. */
	assert_non_null(strstr(r.body,
	    "latchkey_http_requests_total{route=\"other\",code=\"404\"} 1\n"));
	assert_null(strstr(r.body, "/no/such/page"));
	assert_non_null(strstr(r.body, "latchkey_http_request_duration_seconds_"
	    "count{route=\"/healthz\"} 2\n"));
	assert_non_null(strstr(r.body, "latchkey_http_request_duration_seconds_"
	    "bucket{route=\"/healthz\",le=\"+Inf\"} 2\n"));
	/* The directory families from store_stats and store_state. */
	assert_non_null(strstr(r.body, "\nlatchkey_directory_up 1\n"));
	assert_non_null(strstr(r.body,
	    "\nlatchkey_directory_operations_total{result=\"timeout\"} 1\n"));
	assert_non_null(strstr(r.body, "\nlatchkey_directory_operation_duration_"
	    "seconds_bucket{le=\"+Inf\"} 6\n"));
	assert_non_null(strstr(r.body, "\n# HELP process_open_fds "));
	resp_free(&r);
}

/* 404 for no route, 405 with Allow for a known path, 204 + Allow for OPTIONS. */
static void
test_http_not_found_method(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;

	fx_start(fx, 0);
	request(fx, EVHTTP_REQ_GET, "/nope", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 404);
	assert_non_null(strstr(r.body, "\"error\":\"not_found\""));
	assert_security_headers(&r, 0);
	resp_free(&r);

	request(fx, EVHTTP_REQ_POST, "/healthz", NULL, NULL, "{}", 2, &r);
	assert_int_equal(r.code, 405);
	assert_string_equal(resp_header(&r, "Allow"), "GET, HEAD, OPTIONS");
	assert_non_null(strstr(r.body, "\"error\":\"method_not_allowed\""));
	resp_free(&r);

	request(fx, EVHTTP_REQ_OPTIONS, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 204);
	assert_string_equal(resp_header(&r, "Allow"), "GET, HEAD, OPTIONS");
	resp_free(&r);

	/* HEAD is served by the GET route, without a body. */
	request(fx, EVHTTP_REQ_HEAD, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "");
	resp_free(&r);

	/* Methods outside the allowed set are refused by evhttp itself. */
	request(fx, EVHTTP_REQ_PUT, "/healthz", NULL, NULL, "{}", 2, &r);
	assert_int_equal(r.code, 501);
	resp_free(&r);
}

static void
test_route_exact(struct evhttp_request *req, void *arg)
{
	(void)arg;
	http_reply_text(req, 200, "text/plain", "exact", 5);
}

static void
test_route_prefix(struct evhttp_request *req, void *arg)
{
	(void)arg;
	http_reply_text(req, 200, "text/plain", "prefix", 6);
}

static void
test_route_deep(struct evhttp_request *req, void *arg)
{
	(void)arg;
	http_reply_text(req, 200, "text/plain", "deep", 4);
}

/* Exact beats prefix, longer prefix beats shorter, paths are percent-decoded. */
static void
test_http_routes(void **state)
{
	static const struct http_route routes[] = {
		{ "GET", "/api/*", test_route_prefix },
		{ "GET", "/api/x", test_route_exact },
		{ "GET", "/api/deep/*", test_route_deep },
	};
	struct fx	*fx = *state;
	struct resp	 r;
	char		 uri[3000];

	fx_start(fx, 0);
	http_add_routes(fx->http, routes, 3, NULL);
	request(fx, EVHTTP_REQ_GET, "/api/x", NULL, NULL, NULL, 0, &r);
	assert_string_equal(r.body, "exact");
	resp_free(&r);
	request(fx, EVHTTP_REQ_GET, "/api/%78", NULL, NULL, NULL, 0, &r);
	assert_string_equal(r.body, "exact");
	resp_free(&r);
	request(fx, EVHTTP_REQ_GET, "/api/y?q=1", NULL, NULL, NULL, 0, &r);
	assert_string_equal(r.body, "prefix");
	resp_free(&r);
	request(fx, EVHTTP_REQ_GET, "/api/deep/1", NULL, NULL, NULL, 0, &r);
	assert_string_equal(r.body, "deep");
	resp_free(&r);
	/* A NUL smuggled in by percent-encoding is a bad request. */
	request(fx, EVHTTP_REQ_GET, "/api/x%00y", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 400);
	resp_free(&r);
	/* A request URI over 2048 bytes: 414. */
	memset(uri, 'a', sizeof(uri) - 1);
	uri[0] = '/';
	uri[sizeof(uri) - 1] = '\0';
	request(fx, EVHTTP_REQ_GET, uri, NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 414);
	assert_non_null(strstr(r.body, "\"error\":\"uri_too_long\""));
	resp_free(&r);
}

/* A body over http_max_body gets 413; one at the limit goes through. */
static void
test_http_body_limit(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;
	char		 body[TEST_MAX_BODY * 4];

	fx_start(fx, 0);
	memset(body, 'x', sizeof(body));
	request(fx, EVHTTP_REQ_POST, "/healthz", NULL, NULL, body,
	    TEST_MAX_BODY + 1, &r);
	assert_int_equal(r.code, 413);
	resp_free(&r);
	request(fx, EVHTTP_REQ_POST, "/healthz", NULL, NULL, body,
	    sizeof(body), &r);
	assert_int_equal(r.code, 413);
	resp_free(&r);
	/* At the limit the request reaches the router (405: GET only). */
	request(fx, EVHTTP_REQ_POST, "/healthz", NULL, NULL, body,
	    TEST_MAX_BODY, &r);
	assert_int_equal(r.code, 405);
	resp_free(&r);
}

/* A chunked body over the limit also gets 413 (no Content-Length to check first). */
static void
test_http_body_chunked(void **state)
{
	struct fx	*fx = *state;
	char		 req[TEST_MAX_BODY * 3];
	int		 n, i;

	fx_start(fx, 0);
	n = snprintf(req, sizeof(req), "POST /healthz HTTP/1.1\r\n"
	    "Host: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 4; i++) {
		n += snprintf(req + n, sizeof(req) - n, "190\r\n");
		memset(req + n, 'c', 400);
		n += 400;
		n += snprintf(req + n, sizeof(req) - n, "\r\n");
	}
	n += snprintf(req + n, sizeof(req) - n, "0\r\n\r\n");
	assert_int_equal(raw_request(fx, req, (size_t)n), 413);
	/* Garbage instead of a request line: 400. */
	assert_int_equal(raw_request(fx, "\x01\x02 nonsense\r\n\r\n", 16), 400);
}

/* Headers over http_max_headers: evhttp answers 400 and closes. */
static void
test_http_header_limit(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;
	char		*big;

	fx_start(fx, 0);
	big = malloc(TEST_MAX_HEADERS + 1);
	assert_non_null(big);
	memset(big, 'h', TEST_MAX_HEADERS);
	big[TEST_MAX_HEADERS] = '\0';
	request(fx, EVHTTP_REQ_GET, "/healthz", "X-Big", big, NULL, 0, &r);
	assert_int_equal(r.code, 400);
	resp_free(&r);
	/* A large header under the limit is fine. */
	big[TEST_MAX_HEADERS / 2] = '\0';
	request(fx, EVHTTP_REQ_GET, "/healthz", "X-Big", big, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	resp_free(&r);
	free(big);
}

/* A TLS client that trusts only the certificate at path. */
static SSL_CTX *
test_client_ctx(const char *cert)
{
	SSL_CTX	*ctx;

	assert_non_null(ctx = SSL_CTX_new(TLS_client_method()));
	assert_int_equal(SSL_CTX_load_verify_locations(ctx, cert, NULL), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return (ctx);
}

/* https: /healthz answers over TLS with HSTS; a reload swaps the certificate. */
static void
test_http_https(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;
	struct conf	 conf2;
	char		 cert2[160], key2[160], err[256];

	test_cert(fx->cert, fx->key, "latchkey-test-1");
	fx_start(fx, 1);
	fx->cctx = test_client_ctx(fx->cert);
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "{\"status\":\"ok\"}");
	assert_security_headers(&r, 1);
	resp_free(&r);

	/* A client that trusts only a second certificate fails before the reload... */
	snprintf(cert2, sizeof(cert2), "%s/cert2.pem", fx->dir);
	snprintf(key2, sizeof(key2), "%s/key2.pem", fx->dir);
	test_cert(cert2, key2, "latchkey-test-2");
	SSL_CTX_free(fx->cctx);
	fx->cctx = test_client_ctx(cert2);
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 0);
	resp_free(&r);
	/* ...and succeeds after it. */
	conf2 = fx->conf;
	conf2.tls_cert = cert2;
	conf2.tls_key = key2;
	assert_int_equal(http_reconf(fx->http, &conf2, err, sizeof(err)), 0);
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	resp_free(&r);

	/* A key that does not match the certificate is refused; the old context stays. */
	conf2.tls_key = fx->key;
	assert_int_equal(http_reconf(fx->http, &conf2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mismatch"));
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 200);
	resp_free(&r);
}

/* TLS 1.1 and older are refused. */
static void
test_http_tls_version(void **state)
{
	struct fx	*fx = *state;
	struct resp	 r;

	test_cert(fx->cert, fx->key, "latchkey-test-1");
	fx_start(fx, 1);
	fx->cctx = test_client_ctx(fx->cert);
	SSL_CTX_set_security_level(fx->cctx, 0);
	SSL_CTX_set_min_proto_version(fx->cctx, TLS1_VERSION);
	SSL_CTX_set_max_proto_version(fx->cctx, TLS1_1_VERSION);
	request(fx, EVHTTP_REQ_GET, "/healthz", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.code, 0);
	resp_free(&r);
}

/* Plain http off loopback, and https without usable files, are refused with a reason. */
static void
test_http_refuse(void **state)
{
	struct fx	*fx = *state;
	char		 err[256];
	const char	*hosts[] = { "192.0.2.1", "0.0.0.0", "::", "example.com" };
	size_t		 i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		fx_conf(fx, 0, hosts[i]);
		err[0] = '\0';
		assert_null(http_new(fx->base, &fx->conf, err, sizeof(err)));
		assert_non_null(strstr(err, "loopback"));
	}
	fx_conf(fx, 0, "::1");
	fx->http = http_new(fx->base, &fx->conf, err, sizeof(err));
	if (fx->http == NULL)	/* a host without IPv6 */
		assert_non_null(strstr(err, "::1"));
	http_free(fx->http);
	fx->http = NULL;
	fx_conf(fx, 1, "127.0.0.1");
	assert_null(http_new(fx->base, &fx->conf, err, sizeof(err)));
	assert_non_null(strstr(err, fx->cert));
}

/* A self-signed P-256 certificate for 127.0.0.1 and its key, as PEM files. */
static void
test_cert(const char *certpath, const char *keypath, const char *cn)
{
	EVP_PKEY	*pkey;
	X509		*x;
	X509_NAME	*name;
	FILE		*fp;

	assert_non_null(pkey = EVP_EC_gen("P-256"));
	assert_non_null(x = X509_new());
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
	assert_non_null(fp = fopen(certpath, "w"));
	assert_int_equal(PEM_write_X509(fp, x), 1);
	fclose(fp);
	assert_non_null(fp = fopen(keypath, "w"));
	assert_int_equal(PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(fp);
	chmod(keypath, 0600);
	X509_free(x);
	EVP_PKEY_free(pkey);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_http_healthz, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_readyz, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_readyz_cancel, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_metrics, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_not_found_method, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_routes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_body_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_body_chunked, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_header_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_https, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_tls_version, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_http_refuse, fx_setup, fx_teardown),
	};

	/* The per-request debug lines end up in the test's log. */
	log_init(1, LOG_LEVEL_DEBUG, "test_http");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
