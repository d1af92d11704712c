/*
 * bench_signin: complete passkey sign-ins per second against a running
 * latchkeyd (docs/benchmarks.md, issue 4).  Not a test.
 *
 *   bench_signin URL USER TAP [SECONDS [CONNECTIONS]]
 *
 * It redeems USER's temporary access pass and registers one passkey with
 * the software authenticator (ES256, synced: BE and BS set, signCount 0,
 * as the platform passkeys people use).  Then, for SECONDS (default 3),
 * CONNECTIONS keep-alive HTTP connections (default 4) each run sign-ins
 * back to back: POST /api/v1/signin/begin {username}, the assertion made
 * over the challenge, POST /api/v1/signin/finish.  Every finish must answer
 * 200 with an assurance, or the run fails.  It prints
 *
 *   latchkey sign-ins: N in T s: R/s (C connections)
 *
 * Each sign-in costs latchkeyd two HTTP requests, two directory searches
 * (the user by name, the user by credential id), one signature check, a
 * ceremony and a session; the client's share (the authenticator's ECDSA
 * signature, JSON) runs on the same machine.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>

#include "softauthn.h"
#include "util.h"
#include "xmalloc.h"

#define COOKIE_NAME	"latchkey_session"
#define CT_JSON		"application/json"
#define CONN_MAX	256
#define FLAGS		(SA_UP | SA_UV | SA_BE | SA_BS)

/* One keep-alive connection and the sign-in it has in flight. */
struct conn {
	struct evhttp_connection	*evcon;
	int				 stage;		/* 0: begin, 1: finish */
	unsigned long			 done;		/* sign-ins completed */
	unsigned long			 closes;	/* connections lost and remade */
};

static struct event_base	*base;
static char			*host;
static int			 port;
static char			*origin;
static char			*rp_id;
static const char		*user;
static struct sa_cred		*cred;
static char			*begin_body;
static unsigned char		*handle;	/* the user handle, for usernameless sign-ins */
static size_t			 handlelen;
static int			 usernameless;	/* begin without a user name, as autofill does */
static uint64_t			 deadline_ms;
static int			 running;	/* connections still signing in */
static int			 failed;

/* A blocking exchange for the setup (TAP, registration). */
struct x {
	int		 done;
	int		 status;
	json_t		*json;
	char		*cookie;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "bench_signin: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* The body as JSON, or NULL. */
static json_t *
body_json(struct evhttp_request *req)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);

	return (json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL));
}

static void
setup_done(struct evhttp_request *req, void *arg)
{
	struct x	*x = arg;
	struct evkeyval	*h;

	x->done = 1;
	if (req == NULL || (x->status = evhttp_request_get_response_code(req)) == 0) {
		x->status = -1;
		return;
	}
	x->json = body_json(req);
	TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next) {
		if (strcasecmp(h->key, "Set-Cookie") == 0 &&
		    strncmp(h->value, COOKIE_NAME "=", strlen(COOKIE_NAME) + 1) == 0) {
			free(x->cookie);
			x->cookie = xstrdup(h->value);
			x->cookie[strcspn(x->cookie, ";")] = '\0';
		}
	}
}

/* Adds what the API asks of every POST: our Origin, JSON, the body. */
static struct evhttp_request *
post_new(void (*cb)(struct evhttp_request *, void *), void *arg, const char *body,
    const char *cookie)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;

	req = evhttp_request_new(cb, arg);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "Origin", origin);
	evhttp_add_header(h, "Content-Type", CT_JSON);
	if (cookie != NULL)
		evhttp_add_header(h, "Cookie", cookie);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	return (req);
}

/* POST path with body (a json_t, reference taken); waits for the answer. */
static void
setup_post(struct evhttp_connection *c, struct x *x, const char *path, json_t *body,
    const char *cookie)
{
	char	*s;

	memset(x, 0, sizeof(*x));
	if ((s = json_dumps(body, JSON_COMPACT)) == NULL)
		die("json_dumps");
	json_decref(body);
	if (evhttp_make_request(c, post_new(setup_done, x, s, cookie), EVHTTP_REQ_POST,
	    path) == -1)
		die("%s: cannot send", path);
	free(s);
	while (!x->done)
		event_base_loop(base, EVLOOP_ONCE);
}

static void
x_clear(struct x *x)
{
	json_decref(x->json);
	free(x->cookie);
	memset(x, 0, sizeof(*x));
}

/* The challenge and ceremony id of an options answer. */
static unsigned char *
options_of(json_t *o, const char **ceremony, size_t *len)
{
	const char	*c;

	*ceremony = json_string_value(json_object_get(o, "ceremony"));
	c = json_string_value(json_object_get(json_object_get(o, "publicKey"), "challenge"));
	*len = 0;
	if (*ceremony == NULL || c == NULL)
		return (NULL);
	return (util_b64url_decode(c, strlen(c), len));
}

/* The TAP redeemed, one synced ES256 passkey registered for user. */
static void
setup(const char *tap)
{
	struct evhttp_connection	*c;
	struct sa_opts			 o;
	struct x			 x;
	unsigned char			*ch;
	const char			*cer;
	char				*cookie, *resp;
	size_t				 chlen;
	json_t				*r;

	c = evhttp_connection_base_new(base, NULL, host, (unsigned short)port);
	evhttp_connection_set_timeout(c, 20);
	setup_post(c, &x, "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username", user,
	    "code", tap), NULL);
	if (x.status != 200 || x.cookie == NULL)
		die("TAP redemption: %d", x.status);
	cookie = x.cookie;
	x.cookie = NULL;
	x_clear(&x);
	setup_post(c, &x, "/api/v1/passkeys/register/begin", json_object(), cookie);
	if (x.status != 200 || (ch = options_of(x.json, &cer, &chlen)) == NULL)
		die("register begin: %d", x.status);
	{
		const char *uid = json_string_value(json_object_get(json_object_get(
		    json_object_get(x.json, "publicKey"), "user"), "id"));

		if (uid == NULL || (handle = util_b64url_decode(uid, strlen(uid),
		    &handlelen)) == NULL)
			die("register begin: no user.id");
	}
	if ((cred = sa_cred_new(-7, 32, 0)) == NULL)
		die("sa_cred_new");
	sa_opts_init(&o, rp_id, origin, ch, chlen);
	o.flags = FLAGS;
	if ((resp = sa_register(cred, &o)) == NULL ||
	    (r = json_loads(resp, 0, NULL)) == NULL)
		die("sa_register");
	cer = xstrdup(cer);
	x_clear(&x);
	setup_post(c, &x, "/api/v1/passkeys/register/finish", json_pack("{s:s, s:o}",
	    "ceremony", cer, "credential", r), cookie);
	if (x.status != 201)
		die("register finish: %d", x.status);
	x_clear(&x);
	free((char *)cer);
	free(ch);
	free(resp);
	free(cookie);
	evhttp_connection_free(c);
}

static void	 conn_next(struct conn *);

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;

	(void)evcon;
	c->closes++;
}

/*
 * One answer on a connection: a begin's options become the finish, a
 * finish must be 200 with an assurance, then the next sign-in.
 */
static void
conn_answer(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;
	struct sa_opts	 o;
	unsigned char	*ch;
	const char	*cer, *as;
	char		*resp, *body;
	json_t		*j, *r;
	size_t		 chlen;
	int		 st;

	st = req != NULL ? evhttp_request_get_response_code(req) : -1;
	j = req != NULL ? body_json(req) : NULL;
	if (c->stage == 0) {
		if (st != 200 || (ch = options_of(j, &cer, &chlen)) == NULL) {
			fprintf(stderr, "bench_signin: begin: %d\n", st);
			failed = 1;
			goto stop;
		}
		sa_opts_init(&o, rp_id, origin, ch, chlen);
		o.flags = FLAGS;
		if (usernameless) {
			/* A discoverable credential returns the user handle (§5.4.3). */
			o.user_handle = handle;
			o.user_handle_len = handlelen;
		}
		if ((resp = sa_assert(cred, &o)) == NULL ||
		    (r = json_loads(resp, 0, NULL)) == NULL)
			die("sa_assert");
		if ((body = json_dumps(json_pack("{s:s, s:o}", "ceremony", cer,
		    "credential", r), JSON_COMPACT)) == NULL)
			die("json_dumps");
		c->stage = 1;
		if (evhttp_make_request(c->evcon, post_new(conn_answer, c, body, NULL),
		    EVHTTP_REQ_POST, "/api/v1/signin/finish") == -1)
			die("signin finish: cannot send");
		free(body);
		free(resp);
		free(ch);
		json_decref(j);
		return;
	}
	as = json_string_value(json_object_get(j, "assurance"));
	if (st != 200 || as == NULL) {
		fprintf(stderr, "bench_signin: finish: %d %s\n", st,
		    json_string_value(json_object_get(j, "error")));
		failed = 1;
		goto stop;
	}
	c->done++;
	json_decref(j);
	if (util_now_ms() < deadline_ms) {
		conn_next(c);
		return;
	}
	running--;
	return;
 stop:
	json_decref(j);
	running--;
}

static void
conn_next(struct conn *c)
{
	c->stage = 0;
	if (evhttp_make_request(c->evcon, post_new(conn_answer, c, begin_body, NULL),
	    EVHTTP_REQ_POST, "/api/v1/signin/begin") == -1)
		die("signin begin: cannot send");
}

int
main(int argc, char *argv[])
{
	struct evhttp_uri	*uri;
	struct conn		*conns;
	uint64_t		 t0, t1;
	unsigned long		 n = 0, closes = 0;
	double			 secs = 3, t;
	int			 nconn = 4, i;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: bench_signin URL USER TAP [SECONDS [CONNECTIONS]]\n");
		return 2;
	}
	if (argc > 4 && (secs = atof(argv[4])) <= 0)
		die("bad seconds: %s", argv[4]);
	if (argc > 5 && ((nconn = atoi(argv[5])) < 1 || nconn > CONN_MAX))
		die("connections: 1 to %d", CONN_MAX);
	if ((uri = evhttp_uri_parse(argv[1])) == NULL || evhttp_uri_get_host(uri) == NULL)
		die("bad URL %s", argv[1]);
	host = xstrdup(evhttp_uri_get_host(uri));
	port = evhttp_uri_get_port(uri);
	rp_id = xstrdup(host);
	/* The URL is the origin the daemon serves: scheme, host, port. */
	origin = xstrdup(argv[1]);
	if ((i = (int)strlen(origin)) > 0 && origin[i - 1] == '/')
		origin[i - 1] = '\0';
	evhttp_uri_free(uri);
	user = argv[2];
	base = event_base_new();

	setup(argv[3]);
	usernameless = getenv("BENCH_USERNAMELESS") != NULL;
	begin_body = usernameless ? xstrdup("{}") :
	    json_dumps(json_pack("{s:s}", "username", user), JSON_COMPACT);
	conns = xcalloc((size_t)nconn, sizeof(*conns));
	for (i = 0; i < nconn; i++) {
		conns[i].evcon = evhttp_connection_base_new(base, NULL, host,
		    (unsigned short)port);
		evhttp_connection_set_timeout(conns[i].evcon, 20);
		evhttp_connection_set_closecb(conns[i].evcon, conn_closed, &conns[i]);
	}
	t0 = util_now_ms();
	deadline_ms = t0 + (uint64_t)(secs * 1000);
	running = nconn;
	for (i = 0; i < nconn; i++)
		conn_next(&conns[i]);
	while (running > 0 && !failed)
		event_base_loop(base, EVLOOP_ONCE);
	t1 = util_now_ms();
	for (i = 0; i < nconn; i++) {
		n += conns[i].done;
		closes += conns[i].closes;
		evhttp_connection_set_closecb(conns[i].evcon, NULL, NULL);
		evhttp_connection_free(conns[i].evcon);
	}
	if (failed)
		die("a sign-in failed after %lu", n);
	t = (double)(t1 - t0) / 1000;
	printf("latchkey sign-ins: %lu in %.2f s: %.0f/s (%d connection%s)\n", n, t,
	    (double)n / t, nconn, nconn == 1 ? "" : "s");
	if (closes > 0)
		printf("bench_signin: %lu connections were closed and made again\n", closes);
	free(conns);
	free(begin_body);
	sa_cred_free(cred);
	event_base_free(base);
	free(host);
	free(rp_id);
	free(origin);
	return 0;
}
