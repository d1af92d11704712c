/*
 * bench_radius: RADIUS round trips per second against a running server
 * (docs/benchmarks.md, issue 6).  Not a test.
 *
 *   bench_radius HOST PORT SECRET-FILE MODE [SECONDS [WINDOW [USERS [NAME]]]]
 *
 * MODE is "challenge" (count Access-Challenge answers: latchkeyd in
 * challenge mode) or "accept" (count Access-Accept: a PAP server).  WINDOW
 * requests (default 64) are kept in flight on UDP sockets with 4 MiB
 * receive buffers, 256 identifiers per socket (RFC 2865 §3: the identifier
 * is one octet), so WINDOW > 256 uses several sockets.  Each request is an
 * Access-Request with Message-Authenticator first (RFC 3579 §3.2,
 * BlastRADIUS), User-Name and User-Password "x" (PAP, RFC 2865 §5.2),
 * built and signed with libfreeradius-radius as a VPN would; every reply
 * is checked as that VPN would (rad_packet_ok, rad_verify against its
 * request) before it counts.  User names go round NAME0..NAME(USERS-1)
 * (defaults: bench, 1000), so a per-user rate limit does not throttle one
 * name; USERS 0 sends NAME alone.  A request unanswered after a second is
 * counted as a timeout and replaced by a new one.
 *
 * After half a second of warm-up it counts for SECONDS (default 3) and
 * prints one line:
 *
 *   MODE W=64: R/s (N in T s; challenge C accept A reject J bad B
 *   timeout O; client CPU P%)
 *
 * "client CPU" is this process's user+system time over the wall time: far
 * below 100% means the generator was waiting for the server, not the
 * other way round.
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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <freeradius/libradius.h>
#include <talloc.h>

#include "log.h"
#include "radius_pkt.h"
#include "util.h"
#include "xmalloc.h"

#define RCVBUF		(4 * 1024 * 1024)
#define IDS		256		/* identifiers per socket */
#define WINDOW_MAX	8192
#define TIMEOUT_MS	1000
#define WARMUP_MS	500
#define PASSWORD	"x"

/* One request in flight: its identifier and the packet its reply is checked against. */
struct slot {
	RADIUS_PACKET	*req;		/* NULL: free */
	uint64_t	 sent_ms;
};

struct sock {
	int		 fd;
	int		 nslots;	/* identifiers 0..nslots-1 in use */
	struct slot	 slots[IDS];
	struct event	*ev;
};

static struct event_base	*base;
static TALLOC_CTX		*ctx;
static struct sockaddr_in	 dst;
static char			*secret;
static const char		*name;
static unsigned long		 nusers;
static unsigned long		 next_user;
static int			 want_code;
static int			 counting;
static unsigned long		 n_want, n_challenge, n_accept, n_reject, n_bad,
				 n_timeout;

static void		usage(void) __attribute__((__noreturn__));
static void		bench_send(struct sock *, int);
static void		bench_read(evutil_socket_t, short, void *);
static void		bench_tick(evutil_socket_t, short, void *);
static void		bench_phase(evutil_socket_t, short, void *);
static double		bench_cpu(void);

static void
usage(void)
{
	fprintf(stderr, "usage: bench_radius HOST PORT SECRET-FILE "
	    "challenge|accept [SECONDS [WINDOW [USERS [NAME]]]]\n");
	exit(2);
}

/* A new Access-Request with identifier id on s: MA first, as a VPN sends it. */
static void
bench_send(struct sock *s, int id)
{
	RADIUS_PACKET	*rp;
	char		 user[256];

	talloc_free(s->slots[id].req);
	s->slots[id].req = NULL;
	if (nusers == 0)
		snprintf(user, sizeof(user), "%s", name);
	else
		snprintf(user, sizeof(user), "%s%lu", name, next_user++ % nusers);
	rp = rad_alloc(ctx, true);		/* a random Request Authenticator */
	rp->code = PW_CODE_ACCESS_REQUEST;
	rp->id = id;
	rp->sockfd = -1;
	if (fr_pair_make(rp, &rp->vps, "Message-Authenticator", "0x00",
	    T_OP_EQ) == NULL ||
	    fr_pair_make(rp, &rp->vps, "User-Name", user, T_OP_EQ) == NULL ||
	    fr_pair_make(rp, &rp->vps, "User-Password", PASSWORD, T_OP_EQ) == NULL ||
	    rad_encode(rp, NULL, secret) != 0 || rad_sign(rp, NULL, secret) != 0)
		fatalx("building a request: %s", fr_strerror());
	s->slots[id].req = rp;
	s->slots[id].sent_ms = util_now_ms();
	if (sendto(s->fd, rp->data, rp->data_len, 0, (struct sockaddr *)&dst,
	    sizeof(dst)) == -1 && errno != EAGAIN && errno != ENOBUFS)
		fatal("sendto");
}

/* Every datagram waiting on the socket: matched by identifier, verified, counted. */
static void
bench_read(evutil_socket_t fd, short what, void *arg)
{
	struct sock		*s = arg;
	unsigned char		 buf[4096];
	RADIUS_PACKET		*rp;
	decode_fail_t		 reason;
	ssize_t			 n;
	int			 id, code;

	(void)what;
	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fatal("recv");
		}
		if (n < 20)
			continue;
		id = buf[1];
		if (id >= s->nslots || s->slots[id].req == NULL)
			continue;
		rp = rad_alloc(ctx, false);
		rp->data = talloc_memdup(rp, buf, n);
		rp->data_len = n;
		rp->sockfd = -1;
		/*
		 * Message-Authenticator checked when present (rad_verify),
		 * not required: FreeRADIUS 3.2.1 sends none in replies.
		 */
		if (!rad_packet_ok(rp, 0, &reason) ||
		    rad_verify(rp, s->slots[id].req, secret) != 0) {
			/* A late reply to a request already replaced. */
			talloc_free(rp);
			if (counting)
				n_bad++;
			continue;
		}
		code = rp->code;
		talloc_free(rp);
		if (counting) {
			if (code == want_code)
				n_want++;
			if (code == PW_CODE_ACCESS_CHALLENGE)
				n_challenge++;
			else if (code == PW_CODE_ACCESS_ACCEPT)
				n_accept++;
			else if (code == PW_CODE_ACCESS_REJECT)
				n_reject++;
		}
		bench_send(s, id);
	}
}

/* Requests unanswered for a second (dropped somewhere): replaced. */
static void
bench_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sock	*socks = arg, *s;
	uint64_t	 now = util_now_ms();
	int		 id;

	(void)fd;
	(void)what;
	for (s = socks; s->fd != -1; s++)
		for (id = 0; id < s->nslots; id++)
			if (s->slots[id].req != NULL &&
			    now - s->slots[id].sent_ms > TIMEOUT_MS) {
				if (counting)
					n_timeout++;
				bench_send(s, id);
			}
}

static uint64_t		 t0_ms;
static double		 cpu0;
static struct timeval	 tv_run;
static struct event	*phase;

/* End of the warm-up: counting starts; end of the run: the loop stops. */
static void
bench_phase(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (!counting) {
		counting = 1;
		t0_ms = util_now_ms();
		cpu0 = bench_cpu();
		event_add(phase, &tv_run);
	} else
		event_base_loopbreak(base);
}

static double
bench_cpu(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		fatal("getrusage");
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char *argv[])
{
	struct sock	*socks;
	struct event	*tick;
	struct timeval	 tv_tick = { 0, 100000 }, tv_warm;
	const char	*mode;
	char		 err[256];
	size_t		 len;
	double		 secs = 3, wall, cpu;
	int		 window = 64, nsocks, i, id, rcvbuf = RCVBUF;

	if (argc < 5 || argc > 9)
		usage();
	log_init(1, LOG_LEVEL_WARN, "bench_radius");
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
		usage();
	dst.sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
	if ((secret = util_read_file(argv[3], 4096, &len)) == NULL)
		fatal("%s", argv[3]);
	secret[strcspn(secret, "\r\n")] = '\0';
	mode = argv[4];
	if (strcmp(mode, "challenge") == 0)
		want_code = PW_CODE_ACCESS_CHALLENGE;
	else if (strcmp(mode, "accept") == 0)
		want_code = PW_CODE_ACCESS_ACCEPT;
	else
		usage();
	if (argc > 5 && (secs = strtod(argv[5], NULL)) <= 0)
		usage();
	if (argc > 6 && ((window = atoi(argv[6])) < 1 || window > WINDOW_MAX))
		usage();
	nusers = argc > 7 ? strtoul(argv[7], NULL, 10) : 1000;
	name = argc > 8 ? argv[8] : "bench";
	if (radius_pkt_init(NULL, err, sizeof(err)) == -1)
		fatalx("%s", err);
	ctx = talloc_new(NULL);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");

	nsocks = (window + IDS - 1) / IDS;
	socks = xcalloc(nsocks + 1, sizeof(*socks));
	socks[nsocks].fd = -1;
	for (i = 0; i < nsocks; i++) {
		struct sock	*s = &socks[i];

		if ((s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
			fatal("socket");
		/* The kernel caps it at net.core.rmem_max unless FORCE is allowed. */
		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		    sizeof(rcvbuf)) == -1)
			(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			    sizeof(rcvbuf));
		s->nslots = window - i * IDS < IDS ? window - i * IDS : IDS;
		s->ev = event_new(base, s->fd, EV_READ | EV_PERSIST, bench_read, s);
		if (s->ev == NULL || event_add(s->ev, NULL) == -1)
			fatalx("event_add");
	}
	tick = event_new(base, -1, EV_PERSIST, bench_tick, socks);
	phase = event_new(base, -1, 0, bench_phase, NULL);
	if (tick == NULL || phase == NULL || event_add(tick, &tv_tick) == -1)
		fatalx("event_new");
	tv_warm.tv_sec = 0;
	tv_warm.tv_usec = WARMUP_MS * 1000;
	tv_run.tv_sec = (time_t)secs;
	tv_run.tv_usec = (suseconds_t)((secs - (double)tv_run.tv_sec) * 1e6);
	event_add(phase, &tv_warm);
	for (i = 0; i < nsocks; i++)
		for (id = 0; id < socks[i].nslots; id++)
			bench_send(&socks[i], id);
	event_base_dispatch(base);

	wall = (util_now_ms() - t0_ms) / 1000.0;
	cpu = bench_cpu() - cpu0;
	printf("%s W=%d: %.0f/s (%lu in %.2f s; challenge %lu accept %lu "
	    "reject %lu bad %lu timeout %lu; client CPU %.0f%%)\n", mode, window,
	    n_want / wall, n_want, wall, n_challenge, n_accept, n_reject, n_bad,
	    n_timeout, 100.0 * cpu / wall);

	for (i = 0; i < nsocks; i++) {
		event_free(socks[i].ev);
		close(socks[i].fd);
	}
	free(socks);
	event_free(tick);
	event_free(phase);
	event_base_free(base);
	talloc_free(ctx);
	freezero_x(secret, strlen(secret));
	radius_pkt_cleanup();
	return n_want > 0 ? 0 : 1;
}
