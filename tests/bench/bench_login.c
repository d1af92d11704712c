/*
 * bench_login: complete challenge-mode VPN logins per second against a
 * running latchkeyd (docs/benchmarks.md, issue 6).  Not a test.
 *
 *   bench_login URL RADIUS_PORT SECRET-FILE USERS-FILE SECONDS C [C ...]
 *
 * USERS-FILE holds one "NAME TAP" line a user (the script issued the
 * passes with latchkeyctl).  Each user redeems the pass, registers one
 * synced ES256 passkey with the software authenticator and signs in once
 * with it: that session (a passkey sign-in, fresh for 5 minutes) approves
 * every login of the run.  Then, for each concurrency C, C logins are kept
 * in flight for SECONDS after half a second of warm-up, each one what a
 * VPN and its user do:
 *
 *   1. Access-Request(User-Name, User-Password) -> Access-Challenge with a
 *      State and a Reply-Message carrying the code ("...vpn?code=K7Q2MX");
 *   2. POST /api/v1/vpn/approve {code} with the user's session on a
 *      keep-alive connection -> 200 approved;
 *   3. Access-Request(User-Name, User-Password, State) -> Access-Accept
 *      with Class "latchkey:aal2": one login counted.
 *
 * Each request carries Message-Authenticator first (RFC 3579 §3.2) and is
 * built and signed with libfreeradius-radius; every reply is verified
 * against its request (rad_packet_ok, rad_verify) and decoded as a VPN
 * would.  Login slot i owns users i, i+C, i+2C...: a user has at most one
 * login in flight, as a person does.  Anything else (a reject, a timeout
 * of 2 s, an HTTP error) is a failure, printed, and the slot goes on with
 * its next user.
 *
 * The challenge goes out before its pending approval is in the directory
 * (authreq.c publishes it in the background); a person takes seconds to
 * type the code, this generator a fraction of a millisecond, so an
 * approval can come first and find no code (404 vpn_code_unknown).  It is
 * then retried after 1, 8, 64 ms (at most three times, below the five
 * wrong codes that deny a request) and counted as "early".
 *
 * One line per C:
 *
 *   logins C=16: R/s (N in T s; failed F early E; mean M ms; client CPU P%)
 *
 * "client CPU" is this process's user+system time over the wall time (the
 * RADIUS codec, HTTP, JSON; the passkey signatures were made in the setup).
 */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <freeradius/libradius.h>
#include <jansson.h>
#include <talloc.h>

#include "api_client.h"
#include "log.h"
#include "radius_pkt.h"
#include "softauthn.h"
#include "util.h"
#include "xmalloc.h"

#define FLAGS_SYNCED	(SA_UP | SA_UV | SA_BE | SA_BS)
#define SLOTS_MAX	1024
#define USERS_MAX	65536
#define RAD_TIMEOUT_MS	2000
#define WARMUP_MS	500
#define DRAIN_MS	3000
#define EARLY_MAX	3		/* retries of an early approval */
#define EARLY_MS	1		/* after 1, 8, 64 ms */
#define FAIL_PRINT	10		/* failures printed per run */
#define PASSWORD	"x"
#define CLASS_AAL2	"latchkey:aal2"
#define CODE_LEN	6

enum stage {
	ST_IDLE = 0,
	ST_CHALLENGE,	/* first Access-Request sent */
	ST_APPROVE,	/* POST /api/v1/vpn/approve in flight */
	ST_EARLY,	/* waiting to post the approval again */
	ST_ACCEPT,	/* Access-Request with the State sent */
};

struct user {
	char		*name;
	char		*cookie;	/* the passkey sign-in's session */
};

/* One login in flight, start to end. */
struct slot {
	int				 idx;
	int				 fd;	/* UDP, connected to latchkeyd */
	struct event			*ev_read;
	struct event			*timer;	/* RADIUS timeout, early retry */
	struct evhttp_connection	*evcon;
	RADIUS_PACKET			*req;	/* the request in flight */
	uint8_t				 id;
	enum stage			 stage;
	size_t				 nth;	/* logins started: the user is idx + nth * C */
	struct user			*u;
	unsigned char			 state[RADIUS_PKT_ATTR_MAX];
	size_t				 statelen;
	char				 code[CODE_LEN + 1];
	int				 early;
	uint64_t			 t_start;
	uint64_t			 t_stage;	/* when the stage began */
	uint64_t			 ms[3];		/* challenge, approve, accept */
};

static TALLOC_CTX		*ctx;
static struct sockaddr_in	 dst;
static char			*secret;
static struct user		*users;
static size_t			 nusers;
static struct slot		*slots;
static int			 nslots;
static int			 counting, draining, active;
static unsigned long		 n_login, n_fail, n_early;
static uint64_t			 lat_sum_ms, stage_sum_ms[3];
static struct event		*phase;
static struct timeval		 tv_run;
static uint64_t			 t0_ms, t1_ms;
static double			 cpu0, cpu1;

static void	usage(void) __attribute__((__noreturn__));
static void	die(const char *, ...) __attribute__((__noreturn__, format(printf, 1, 2)));
static void	fail(struct slot *, const char *, ...) __attribute__((format(printf, 2, 3)));
static void	slot_start(struct slot *);
static void	slot_end(struct slot *);
static void	slot_send(struct slot *);
static void	slot_stage(struct slot *, int);
static void	slot_read(evutil_socket_t, short, void *);
static void	slot_timer(evutil_socket_t, short, void *);
static void	slot_approve(struct slot *);
static void	slot_approved(struct evhttp_request *, void *);
static void	bench_phase(evutil_socket_t, short, void *);
static double	bench_cpu(void);

static void
usage(void)
{
	fprintf(stderr, "usage: bench_login URL RADIUS_PORT SECRET-FILE USERS-FILE "
	    "SECONDS C [C ...]\n");
	exit(2);
}

static void
die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "bench_login: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* A login that did not end in Access-Accept: counted, the first few printed. */
static void
fail(struct slot *s, const char *fmt, ...)
{
	va_list	 ap;

	if (counting) {
		if (n_fail++ < FAIL_PRINT) {
			fprintf(stderr, "bench_login: %s: ", s->u->name);
			va_start(ap, fmt);
			vfprintf(stderr, fmt, ap);
			va_end(ap);
			fprintf(stderr, "\n");
		}
	}
	slot_end(s);
}

/* The TAP redeemed, a synced passkey registered, one passkey sign-in. */
static void
enrol(struct user *u, const char *tap)
{
	struct sa_cred	*c;
	struct x	 x;
	char		*cookie;
	int		 st;

	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username",
	    u->name, "code", tap), NULL);
	if (x.status != 200 || x.cookie == NULL)
		die("%s: TAP redemption: %d %s", u->name, x.status, x.body);
	cookie = xstrdup(x.cookie);
	x_clear(&x);
	if ((c = sa_cred_new(-7, 32, 0)) == NULL)
		die("sa_cred_new");
	if ((st = do_register(&x, cookie, c, FLAGS_SYNCED, NULL, NULL, NULL)) != 201)
		die("%s: register: %d %s", u->name, st, x.body);
	x_clear(&x);
	free(cookie);
	if ((st = do_signin(&x, u->name, c, NULL, 0, FLAGS_SYNCED, 0, NULL)) != 200 ||
	    x.cookie == NULL || *x.cookie == '\0')
		die("%s: sign-in: %d %s", u->name, st, x.body);
	u->cookie = xstrdup(x.cookie);
	x_clear(&x);
	sa_cred_free(c);
}

static void
users_load(const char *path)
{
	FILE	*f;
	char	 line[512], name[256], tap[256];

	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%255s %255s", name, tap) != 2)
			continue;
		if (nusers == USERS_MAX)
			die("%s: more than %d users", path, USERS_MAX);
		users = xreallocarray(users, nusers + 1, sizeof(*users));
		users[nusers].name = xstrdup(name);
		users[nusers].cookie = NULL;
		enrol(&users[nusers], tap);
		nusers++;
	}
	fclose(f);
	if (nusers == 0)
		die("%s: no users", path);
}

/* The next login of the slot: its next user's first Access-Request. */
static void
slot_start(struct slot *s)
{
	s->u = &users[((size_t)s->idx + s->nth++ * (size_t)nslots) % nusers];
	s->stage = ST_CHALLENGE;
	s->statelen = 0;
	s->early = 0;
	s->t_start = s->t_stage = util_now_ms();
	active++;
	slot_send(s);
}

/* The login is over (accepted or failed): the next one, unless the run is. */
static void
slot_end(struct slot *s)
{
	evtimer_del(s->timer);
	talloc_free(s->req);
	s->req = NULL;
	s->stage = ST_IDLE;
	active--;
	if (draining) {
		if (active == 0)
			event_base_loopbreak(base);
		return;
	}
	slot_start(s);
}

/* An Access-Request for the slot's stage: MA first, as a VPN sends it. */
static void
slot_send(struct slot *s)
{
	struct timeval	 tv = { RAD_TIMEOUT_MS / 1000, (RAD_TIMEOUT_MS % 1000) * 1000 };
	RADIUS_PACKET	*rp;
	VALUE_PAIR	*vp;

	talloc_free(s->req);
	rp = rad_alloc(ctx, true);		/* a random Request Authenticator */
	rp->code = PW_CODE_ACCESS_REQUEST;
	rp->id = s->id++;
	rp->sockfd = -1;
	if (fr_pair_make(rp, &rp->vps, "Message-Authenticator", "0x00",
	    T_OP_EQ) == NULL ||
	    fr_pair_make(rp, &rp->vps, "User-Name", s->u->name, T_OP_EQ) == NULL ||
	    fr_pair_make(rp, &rp->vps, "User-Password", PASSWORD, T_OP_EQ) == NULL)
		die("building a request: %s", fr_strerror());
	if (s->statelen > 0) {
		/* RFC 2865 §5.24: the State copied unmodified. */
		if ((vp = fr_pair_afrom_num(rp, PW_STATE, 0)) == NULL)
			die("building a request: %s", fr_strerror());
		fr_pair_value_memcpy(vp, s->state, s->statelen);
		fr_pair_add(&rp->vps, vp);
	}
	if (rad_encode(rp, NULL, secret) != 0 || rad_sign(rp, NULL, secret) != 0)
		die("building a request: %s", fr_strerror());
	s->req = rp;
	evtimer_add(s->timer, &tv);
	if (send(s->fd, rp->data, rp->data_len, 0) == -1 && errno != EAGAIN &&
	    errno != ENOBUFS)
		die("send: %s", strerror(errno));
}

/* Stage i is over: its time noted, the next one's begins. */
static void
slot_stage(struct slot *s, int i)
{
	uint64_t	 now = util_now_ms();

	s->ms[i] = now - s->t_stage;
	s->t_stage = now;
}

/* The code of a challenge's Reply-Message ("...vpn?code=K7Q2MX, ..."). */
static int
code_of(const char *msg, char code[CODE_LEN + 1])
{
	const char	*p;

	if ((p = strstr(msg, "/vpn?code=")) == NULL || strlen(p + 10) < CODE_LEN)
		return (-1);
	memcpy(code, p + 10, CODE_LEN);
	code[CODE_LEN] = '\0';
	return (0);
}

/* The reply to the slot's request, checked as a VPN checks it. */
static void
slot_reply(struct slot *s, const unsigned char *buf, size_t n)
{
	RADIUS_PACKET	*rp;
	VALUE_PAIR	*vp;
	decode_fail_t	 reason;
	char		 msg[1024];
	int		 code, i;

	rp = rad_alloc(ctx, false);
	rp->data = talloc_memdup(rp, buf, n);
	rp->data_len = n;
	rp->sockfd = -1;
	if (!rad_packet_ok(rp, 0, &reason) || rad_verify(rp, s->req, secret) != 0 ||
	    rad_decode(rp, s->req, secret) != 0) {
		talloc_free(rp);
		fail(s, "a reply that does not verify: %s", fr_strerror());
		return;
	}
	code = rp->code;
	msg[0] = '\0';
	/* RFC 2865 §5.18: a long message comes in several attributes. */
	for (vp = rp->vps; vp != NULL; vp = vp->next)
		if (vp->da->vendor == 0 && vp->da->attr == PW_REPLY_MESSAGE)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%.*s",
			    (int)vp->vp_length, vp->vp_strvalue);
	if (s->stage == ST_CHALLENGE) {
		vp = fr_pair_find_by_num(rp->vps, PW_STATE, 0, TAG_ANY);
		if (code != PW_CODE_ACCESS_CHALLENGE || vp == NULL ||
		    vp->vp_length > sizeof(s->state) || code_of(msg, s->code) == -1) {
			talloc_free(rp);
			fail(s, "first request: code %d, \"%s\"", code, msg);
			return;
		}
		memcpy(s->state, vp->vp_octets, vp->vp_length);
		s->statelen = vp->vp_length;
		talloc_free(rp);
		evtimer_del(s->timer);
		slot_stage(s, 0);
		slot_approve(s);
		return;
	}
	vp = fr_pair_find_by_num(rp->vps, PW_CLASS, 0, TAG_ANY);
	if (code != PW_CODE_ACCESS_ACCEPT || vp == NULL ||
	    vp->vp_length != strlen(CLASS_AAL2) ||
	    memcmp(vp->vp_octets, CLASS_AAL2, vp->vp_length) != 0) {
		talloc_free(rp);
		fail(s, "request with the State: code %d, \"%s\"", code, msg);
		return;
	}
	talloc_free(rp);
	slot_stage(s, 2);
	if (counting) {
		n_login++;
		lat_sum_ms += util_now_ms() - s->t_start;
		for (i = 0; i < 3; i++)
			stage_sum_ms[i] += s->ms[i];
	}
	slot_end(s);
}

static void
slot_read(evutil_socket_t fd, short what, void *arg)
{
	struct slot	*s = arg;
	unsigned char	 buf[RADIUS_PKT_MAX_LEN];
	ssize_t		 n;

	(void)what;
	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			die("recv: %s", strerror(errno));
		}
		/* A late reply to a request already given up: not ours any more. */
		if (n < RADIUS_PKT_MIN_LEN || s->req == NULL ||
		    (s->stage != ST_CHALLENGE && s->stage != ST_ACCEPT) ||
		    buf[1] != s->req->id)
			continue;
		slot_reply(s, buf, (size_t)n);
	}
}

/* A RADIUS request unanswered, or an early approval's wait over. */
static void
slot_timer(evutil_socket_t fd, short what, void *arg)
{
	struct slot	*s = arg;

	(void)fd;
	(void)what;
	if (s->stage == ST_EARLY)
		slot_approve(s);
	else if (s->stage == ST_CHALLENGE || s->stage == ST_ACCEPT)
		fail(s, "no RADIUS answer in %d ms (%s)", RAD_TIMEOUT_MS,
		    s->stage == ST_CHALLENGE ? "first request" : "with the State");
}

/* POST /api/v1/vpn/approve {code} with the user's session, keep-alive. */
static void
slot_approve(struct slot *s)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	char			 body[64];

	s->stage = ST_APPROVE;
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", s->code);
	req = evhttp_request_new(slot_approved, s);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "Origin", origin);
	evhttp_add_header(h, "Content-Type", CT_JSON);
	evhttp_add_header(h, "Cookie", s->u->cookie);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	if (evhttp_make_request(s->evcon, req, EVHTTP_REQ_POST,
	    "/api/v1/vpn/approve") == -1)
		die("approve: cannot send");
}

static void
slot_approved(struct evhttp_request *req, void *arg)
{
	struct slot	*s = arg;
	struct evbuffer	*in;
	struct timeval	 tv;
	json_t		*j = NULL;
	const char	*err;
	int		 st;

	st = req != NULL ? evhttp_request_get_response_code(req) : -1;
	if (st > 0) {
		in = evhttp_request_get_input_buffer(req);
		j = json_loadb((const char *)evbuffer_pullup(in, -1),
		    evbuffer_get_length(in), 0, NULL);
	}
	err = json_string_value(json_object_get(j, "error"));
	if (st == 200 && json_is_true(json_object_get(j, "approved"))) {
		json_decref(j);
		slot_stage(s, 1);
		s->stage = ST_ACCEPT;
		slot_send(s);
		return;
	}
	if (st == 404 && err != NULL && strcmp(err, "vpn_code_unknown") == 0 &&
	    s->early < EARLY_MAX) {
		/* Not published yet: the directory write is still going. */
		json_decref(j);
		if (counting)
			n_early++;
		tv.tv_sec = 0;
		tv.tv_usec = EARLY_MS * 1000 << (3 * s->early++);
		s->stage = ST_EARLY;
		evtimer_add(s->timer, &tv);
		return;
	}
	fail(s, "approve %s: HTTP %d %s", s->code, st, err != NULL ? err : "");
	json_decref(j);
}

/* End of the warm-up: counting starts; end of the run: the logins in flight finish. */
static void
bench_phase(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 tv = { DRAIN_MS / 1000, 0 };

	(void)fd;
	(void)what;
	(void)arg;
	if (draining)
		event_base_loopbreak(base);	/* some never finished */
	else if (!counting) {
		counting = 1;
		t0_ms = util_now_ms();
		cpu0 = bench_cpu();
		event_add(phase, &tv_run);
	} else {
		counting = 0;
		draining = 1;
		t1_ms = util_now_ms();
		cpu1 = bench_cpu();
		event_add(phase, &tv);
	}
}

static double
bench_cpu(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		die("getrusage: %s", strerror(errno));
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* C logins in flight for secs; one line.  0, or -1 when none succeeded. */
static int
bench_run(int c, double secs)
{
	struct timeval	 tv_warm = { 0, WARMUP_MS * 1000 };
	double		 wall, cpu, d;
	int		 i;

	nslots = c;
	slots = xcalloc((size_t)c, sizeof(*slots));
	for (i = 0; i < c; i++) {
		struct slot	*s = &slots[i];

		s->idx = i;
		if ((s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1 ||
		    connect(s->fd, (struct sockaddr *)&dst, sizeof(dst)) == -1)
			die("socket: %s", strerror(errno));
		s->ev_read = event_new(base, s->fd, EV_READ | EV_PERSIST, slot_read, s);
		s->timer = evtimer_new(base, slot_timer, s);
		if (s->ev_read == NULL || s->timer == NULL ||
		    event_add(s->ev_read, NULL) == -1)
			die("event_new");
		s->evcon = evhttp_connection_base_new(base, NULL, host,
		    (unsigned short)port);
		evhttp_connection_set_timeout(s->evcon, 20);
	}
	n_login = n_fail = n_early = 0;
	lat_sum_ms = stage_sum_ms[0] = stage_sum_ms[1] = stage_sum_ms[2] = 0;
	counting = draining = active = 0;
	tv_run.tv_sec = (time_t)secs;
	tv_run.tv_usec = (suseconds_t)((secs - (double)tv_run.tv_sec) * 1e6);
	phase = evtimer_new(base, bench_phase, NULL);
	event_add(phase, &tv_warm);
	for (i = 0; i < c; i++)
		slot_start(&slots[i]);
	event_base_dispatch(base);
	/* Counting ended when draining began: the time and CPU up to then. */
	wall = (double)(t1_ms - t0_ms) / 1000;
	cpu = cpu1 - cpu0;
	d = n_login > 0 ? (double)n_login : 1;
	printf("logins C=%d: %.0f/s (%lu in %.2f s; failed %lu early %lu; mean %.1f ms = "
	    "challenge %.1f + approve %.1f + accept %.1f; client CPU %.0f%%)\n", c,
	    n_login / wall, n_login, wall, n_fail, n_early, lat_sum_ms / d,
	    stage_sum_ms[0] / d, stage_sum_ms[1] / d, stage_sum_ms[2] / d,
	    100.0 * cpu / wall);
	fflush(stdout);
	if (active > 0)
		fprintf(stderr, "bench_login: %d logins still in flight after %d ms\n",
		    active, DRAIN_MS);

	for (i = 0; i < c; i++) {
		event_free(slots[i].ev_read);
		event_free(slots[i].timer);
		evhttp_connection_free(slots[i].evcon);
		close(slots[i].fd);
		talloc_free(slots[i].req);
	}
	free(slots);
	event_free(phase);
	return (n_login > 0 ? 0 : -1);
}

int
main(int argc, char *argv[])
{
	struct evhttp_uri	*uri;
	char			 err[256];
	size_t			 len;
	double			 secs;
	int			 i, c, rc = 0;

	if (argc < 7)
		usage();
	log_init(1, LOG_LEVEL_WARN, "bench_login");
	if ((uri = evhttp_uri_parse(argv[1])) == NULL || evhttp_uri_get_host(uri) == NULL)
		usage();
	host = xstrdup(evhttp_uri_get_host(uri));
	port = evhttp_uri_get_port(uri);
	rp_id = xstrdup(host);
	/* The URL is the origin the daemon serves: scheme, host, port. */
	origin = xstrdup(argv[1]);
	if ((len = strlen(origin)) > 0 && origin[len - 1] == '/')
		origin[len - 1] = '\0';
	evhttp_uri_free(uri);
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &dst.sin_addr) != 1)
		usage();
	dst.sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
	if ((secret = util_read_file(argv[3], 4096, &len)) == NULL)
		die("%s: cannot read", argv[3]);
	secret[strcspn(secret, "\r\n")] = '\0';
	if ((secs = strtod(argv[5], NULL)) <= 0)
		usage();
	for (i = 6; i < argc; i++)
		if ((c = atoi(argv[i])) < 1 || c > SLOTS_MAX)
			usage();
	if (radius_pkt_init(NULL, err, sizeof(err)) == -1)
		die("%s", err);
	ctx = talloc_new(NULL);
	if ((base = event_base_new()) == NULL)
		die("event_base_new");

	users_load(argv[4]);
	for (i = 6; i < argc; i++) {
		if ((size_t)(c = atoi(argv[i])) > nusers)
			die("C=%d needs at least %d users (have %zu)", c, c, nusers);
		if (bench_run(c, secs) == -1)
			rc = 1;
	}

	for (i = 0; (size_t)i < nusers; i++) {
		free(users[i].name);
		free(users[i].cookie);
	}
	free(users);
	event_base_free(base);
	talloc_free(ctx);
	freezero_x(secret, strlen(secret));
	radius_pkt_cleanup();
	free(host);
	free(rp_id);
	free(origin);
	return (rc);
}
