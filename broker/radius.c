/*
 * radius.c: the RADIUS authentication listener.  UDP sockets (IPv4 and
 * IPv6) in the event loop; a datagram is matched to a configured client by
 * its source address, decoded with that client's secret (radius_pkt.c),
 * checked against the duplicate table (RFC 5080 §2.2.2) and the rate
 * limits, and handed as a new request to the one handler (authreq.c).  A
 * request lives in a table by 64-bit id until the handler answers or drops
 * it, or its timer ends it (hold timeout, or a processing limit).  Every
 * drop is counted by reason for /metrics; nothing a client sends is
 * answered when RFC 2865 §3 says to discard it silently.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "radius.h"
#include "radius_pkt.h"
#include "radius_priv.h"
#include "util.h"
#include "xmalloc.h"

#define RADIUS_PROCESS_MS	10000	/* challenge mode: the handler's limit */
#define RADIUS_CACHE_MAX	65536	/* replies kept for retransmissions */
#define RADIUS_CACHE_BYTES	(16 * 1024 * 1024)
#define RADIUS_REQS_MAX		65536	/* requests in flight */
#define RADIUS_REQ_BUCKETS	4096	/* power of two */
#define RADIUS_CLIENT_RATE	200.0	/* requests a second per client (radius-rate-client) */
#define RADIUS_USER_RATE	5.0	/* requests a second per User-Name (radius-rate-user) */
#define RADIUS_USERS_MAX	65536	/* User-Names with a bucket */
#define RADIUS_READ_BATCH	64	/* datagrams per read event */
#define RADIUS_RCVBUF		(1024 * 1024)
#define RADIUS_SECRET_MAX	128	/* octets; RFC 2865 §3 asks for 16 at least */
#define RADIUS_UNKNOWN_SLOTS	256	/* addresses whose last log line is kept */
#define RADIUS_UNKNOWN_LOG_MS	60000	/* one line per address per minute */
#define RADIUS_UNKNOWN_LOG_MAX	60	/* and at most this many a minute in all */
#define RADIUS_DROPS_MAX	64	/* distinct drop reasons counted */
#define RADIUS_PEER_LEN		64	/* "[v6 address]:port" */

#define RADIUS_NOT_ENABLED	"latchkey: RADIUS sign-in is not enabled on this server"

struct radius_listener {
	struct radius	*r;
	char		*name;		/* as configured */
	int		 fd;
	int		 wildcard;	/* 0.0.0.0 or ::: answer from each datagram's address */
	struct event	*ev;
};

struct radius_client {
	char			*name;		/* address or prefix as configured */
	char			*secret_file;
	uint8_t			 af;		/* 4 or 6 */
	unsigned char		 net[16];
	unsigned int		 prefix;
	char			*secret;	/* NUL-terminated; wiped on free */
	size_t			 secretlen;
	enum conf_radius_mode	 mode;
	int			 legacy;
	int			 require_ma;
	int			 rest;		/* may inject over HTTP */
	uint64_t		 hold_ms;
	struct radius_bucket	 bucket;
	uint64_t		 nrequests;	/* datagrams from it (metrics) */
};

struct radius_drop {
	char		*reason;
	uint64_t	 n;
};

struct radius_unknown {
	uint8_t		 af;
	unsigned char	 addr[16];
	uint64_t	 last_ms;
};

struct radius {
	struct event_base	*base;
	struct radius_listener	*listeners;
	size_t			 nlisteners;
	struct radius_client	*clients;
	size_t			 nclients;
	radius_handler		 handler;
	void			*handler_arg;
	struct radius_req	*reqs[RADIUS_REQ_BUCKETS];
	size_t			 nreqs;
	uint64_t		 next_id;
	struct radius_cache	*cache;
	struct radius_users	*users;
	double			 rate_client;	/* token bucket rates, a second */
	double			 rate_user;
	struct radius_drop	 drops[RADIUS_DROPS_MAX];
	size_t			 ndrops;
	uint64_t		 replies[3];	/* Accept, Reject, Challenge */
	uint64_t		 dup_answered;
	struct radius_unknown	 unknown[RADIUS_UNKNOWN_SLOTS];
	uint64_t		 unknown_window_ms;
	unsigned int		 unknown_logged;
};

struct radius_req {
	uint64_t			 id;
	struct radius			*r;
	struct radius_req		*next;		/* hash chain by id */
	struct radius_listener		*l;		/* the socket it came in on */
	radius_answer_fn		 answer;	/* injected: NULL l, no dup */
	void				*answer_arg;
	struct radius_pkt		*pkt;
	struct radius_cache_entry	*dup;		/* its duplicate-table entry */
	char				*client;
	char				*secret;	/* the client's, at arrival */
	size_t				 secretlen;
	enum conf_radius_mode		 mode;
	int				 legacy;
	uint64_t			 hold_ms;
	char				 peer[RADIUS_PEER_LEN];
	struct radius_local		 local;		/* the address it was sent to */
	struct event			*ev_expire;
};

/* A source address split for matching and for the duplicate key. */
struct radius_addr {
	uint8_t		 af;		/* 4 or 6 */
	unsigned char	 addr[16];
	uint16_t	 port;
};

static int	radius_listen(struct radius *, const char *, char *, size_t);
static void	radius_rates(struct radius *, const struct conf *);
static int	radius_clients_load(const struct conf *, const struct radius_client *,
		    size_t, struct radius_client **, size_t *, char *, size_t);
static int	radius_client_init(struct radius_client *, const struct conf_radius_client *,
		    const struct radius_client *, size_t, char *, size_t);
static int	radius_secret_read(const char *, char **, size_t *, char *, size_t);
static void	radius_clients_free(struct radius_client *, size_t);
static const struct radius_client *radius_client_match(const struct radius *,
		    const struct radius_addr *);
static void	radius_on_read(evutil_socket_t, short, void *);
static void	radius_on_expire(evutil_socket_t, short, void *);
static void	radius_datagram(struct radius_listener *, const unsigned char *, size_t,
		    const struct sockaddr_storage *, socklen_t, const struct radius_local *);
static int	radius_admit(struct radius *, struct radius_client *,
		    const struct radius_pkt *, uint64_t);
static struct radius_req *radius_req_start(struct radius *, const struct radius_client *,
		    struct radius_pkt *, const char *);
static void	radius_req_end(struct radius_req *);
static void	radius_default_handler(struct radius_req *, void *);
static void	radius_send(struct radius_listener *, const unsigned char *, size_t,
		    const struct sockaddr_storage *, socklen_t, const char *,
		    const struct radius_local *);
static void	radius_count_drop(struct radius *, const char *);
static void	radius_log_unknown(struct radius *, const struct radius_addr *, uint64_t);
static int	radius_log_may(struct radius *, const struct radius_addr *, uint64_t);
static int	radius_addr_of(const struct sockaddr_storage *, struct radius_addr *);
static void	radius_peer_fmt(const struct radius_addr *, char *, size_t, int);
static int	radius_net_match(const unsigned char *, const unsigned char *, unsigned int);
static void	radius_collect(struct evbuffer *, void *);

/* Reasons counted from the start, so /metrics shows them at zero. */
static const char *const radius_own_drops[] = {
	"unknown_client", "duplicate_in_progress", "rate_limited", "expired",
	"overloaded", "reply_failed", "send_failed", "rest_forbidden", "rest_gone",
};

/*
 * Binds every radius-listen and reads every client's secret, as root.
 * Without radius-listen there is nothing to do: NULL and err "".
 */
struct radius *
radius_new(struct event_base *base, const struct conf *conf, char *err, size_t errlen)
{
	struct radius	*r;
	size_t		 i;
	int		 e;

	if (errlen > 0)
		err[0] = '\0';
	if (!radius_wanted(conf))
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->next_id = 1;
	r->handler = radius_default_handler;
	r->cache = radius_cache_new(RADIUS_CACHE_MAX, RADIUS_CACHE_BYTES, RADIUS_CACHE_MS);
	r->users = radius_users_new(RADIUS_USERS_MAX);
	radius_rates(r, conf);
	for (e = 0; e < RADIUS_PKT_ERR_MAX; e++)
		if (e != RADIUS_PKT_OK)
			radius_count_drop(r, radius_pkt_err_name((enum radius_pkt_err)e));
	for (i = 0; i < sizeof(radius_own_drops) / sizeof(radius_own_drops[0]); i++)
		radius_count_drop(r, radius_own_drops[i]);
	for (i = 0; i < r->ndrops; i++)
		r->drops[i].n = 0;
	if (radius_clients_load(conf, NULL, 0, &r->clients, &r->nclients, err, errlen) == -1)
		goto fail;
	/* Allocated once: each event keeps a pointer to its listener. */
	r->listeners = xcalloc(conf->nradius_listens + 1, sizeof(*r->listeners));
	for (i = 0; i < conf->nradius_listens; i++)
		if (radius_listen(r, conf->radius_listens[i], err, errlen) == -1)
			goto fail;
	metrics_register(radius_collect, r);
	return r;
fail:
	radius_free(r);
	return NULL;
}

/* Replaces the default handler (an Access-Reject saying RADIUS is off). */
void
radius_set_handler(struct radius *r, radius_handler fn, void *arg)
{
	r->handler = fn != NULL ? fn : radius_default_handler;
	r->handler_arg = fn != NULL ? arg : NULL;
}

/*
 * SIGHUP: the new client list, secrets read again.  After the privilege
 * drop a root-only secret file cannot be read again; the secret read at
 * start for the same file is kept then.  Requests in flight keep the
 * secret they arrived with.  Counters follow a client by name.
 */
int
radius_reconf(struct radius *r, const struct conf *conf, char *err, size_t errlen)
{
	struct radius_client	*nc;
	size_t			 n, i, j;
	int			 same;

	if (radius_clients_load(conf, r->clients, r->nclients, &nc, &n, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < r->nclients; j++)
			if (strcmp(nc[i].name, r->clients[j].name) == 0) {
				nc[i].nrequests = r->clients[j].nrequests;
				nc[i].bucket = r->clients[j].bucket;
			}
	radius_clients_free(r->clients, r->nclients);
	r->clients = nc;
	r->nclients = n;
	radius_rates(r, conf);
	same = conf->nradius_listens == r->nlisteners;
	for (i = 0; same && i < r->nlisteners; i++)
		same = strcmp(conf->radius_listens[i], r->listeners[i].name) == 0;
	if (!same)
		log_warnx("reload: radius-listen takes effect at restart");
	return 0;
}

void
radius_free(struct radius *r)
{
	struct radius_req	*req;
	size_t			 i;

	if (r == NULL)
		return;
	metrics_unregister(radius_collect, r);
	for (i = 0; i < RADIUS_REQ_BUCKETS; i++)
		while ((req = r->reqs[i]) != NULL) {
			/* An injected request's caller is told, so it lets go of the id. */
			if (req->answer != NULL)
				req->answer(req, NULL, "shutdown", req->answer_arg);
			radius_req_end(req);
		}
	for (i = 0; i < r->nlisteners; i++) {
		if (r->listeners[i].ev != NULL)
			event_free(r->listeners[i].ev);
		if (r->listeners[i].fd != -1)
			close(r->listeners[i].fd);
		free(r->listeners[i].name);
	}
	free(r->listeners);
	radius_clients_free(r->clients, r->nclients);
	radius_cache_free(r->cache);
	radius_users_free(r->users);
	for (i = 0; i < r->ndrops; i++)
		free(r->drops[i].reason);
	free(r);
}

uint64_t
radius_req_id(const struct radius_req *req)
{
	return req->id;
}

/* STYLE 6: a handler that waited across the loop finds its request by id. */
struct radius_req *
radius_req_find(struct radius *r, uint64_t id)
{
	struct radius_req	*req;

	if (r == NULL)
		return NULL;
	for (req = r->reqs[id & (RADIUS_REQ_BUCKETS - 1)]; req != NULL; req = req->next)
		if (req->id == id)
			return req;
	return NULL;
}

const struct radius_pkt *
radius_req_pkt(const struct radius_req *req)
{
	return req->pkt;
}

const char *
radius_req_client(const struct radius_req *req)
{
	return req->client;
}

const char *
radius_req_peer(const struct radius_req *req)
{
	return req->peer;
}

enum conf_radius_mode
radius_req_mode(const struct radius_req *req)
{
	return req->mode;
}

int
radius_req_legacy(const struct radius_req *req)
{
	return req->legacy;
}

uint64_t
radius_req_hold_ms(const struct radius_req *req)
{
	return req->hold_ms;
}

/*
 * Encodes and signs the reply with the secret the request came with, sends
 * it to the request's source from the socket it came in on, keeps the
 * octets for retransmissions (RFC 5080 §2.2.2), and ends the request.
 */
void
radius_req_answer(struct radius_req *req, const struct radius_reply *rep)
{
	struct radius	*r = req->r;
	unsigned char	 out[RADIUS_PKT_MAX_LEN];
	size_t		 outlen;
	char		 why[256];

	if (req->answer != NULL) {
		r->replies[rep->code == RADIUS_CODE_ACCESS_ACCEPT ? 0 :
		    rep->code == RADIUS_CODE_ACCESS_REJECT ? 1 : 2]++;
		req->answer(req, rep, NULL, req->answer_arg);
		radius_req_end(req);
		return;
	}
	if (radius_pkt_reply(req->pkt, req->secret, rep, out, sizeof(out), &outlen,
	    why, sizeof(why)) == -1) {
		log_warnx("RADIUS %s (client %s, id %u): no reply: %s", req->peer,
		    req->client, (unsigned)req->pkt->id, why);
		radius_req_drop(req, "reply_failed");
		return;
	}
	radius_send(req->l, out, outlen, &req->pkt->src, req->pkt->srclen, req->peer,
	    &req->local);
	if (rep->code == RADIUS_CODE_ACCESS_ACCEPT)
		r->replies[0]++;
	else if (rep->code == RADIUS_CODE_ACCESS_REJECT)
		r->replies[1]++;
	else
		r->replies[2]++;
	log_debug("RADIUS %s (client %s, id %u): %s sent", req->peer, req->client,
	    (unsigned)req->pkt->id, radius_pkt_code_name(rep->code));
	radius_cache_answer(r->cache, req->dup, out, outlen, util_now_ms());
	req->dup = NULL;
	radius_req_end(req);
}

/* A retransmission of a dropped request is a new request (nothing cached). */
void
radius_req_drop(struct radius_req *req, const char *reason)
{
	log_debug("RADIUS %s (client %s, id %u): dropped: %s", req->peer,
	    req->client, (unsigned)req->pkt->id, reason);
	radius_count_drop(req->r, reason);
	if (req->answer != NULL)
		req->answer(req, NULL, reason, req->answer_arg);
	radius_req_end(req);
}

int
radius_wanted(const struct conf *conf)
{
	size_t	 i;

	for (i = 0; i < conf->nradius_clients; i++)
		if (conf->radius_clients[i].rest)
			return 1;
	return conf->nradius_listens > 0;
}

/*
 * The HTTP side of radius_datagram: the client by address among the rest
 * clients, the secret instead of the Message-Authenticator, the rate
 * limits, then the handler.  A FreeRADIUS in front has its own duplicate
 * detection, so there is no reply cache here.
 */
int
radius_req_inject(struct radius *r, const struct sockaddr *peer, const char *secret,
    size_t secretlen, struct radius_pkt *pkt, radius_answer_fn fn, void *arg,
    uint64_t *idp, const char **why)
{
	struct radius_client		*best = NULL, *c;
	struct radius_req		*req;
	struct radius_addr		 a;
	unsigned char			 want[RADIUS_SECRET_MAX + 1], got[RADIUS_SECRET_MAX + 1];
	char				 host[RADIUS_PEER_LEN], peerbuf[RADIUS_PEER_LEN];
	size_t				 i;
	int				 same = 0;

	*why = "forbidden";
	if (radius_addr_of((const struct sockaddr_storage *)peer, &a) == -1)
		goto refuse;
	radius_peer_fmt(&a, host, sizeof(host), 0);
	radius_peer_fmt(&a, peerbuf, sizeof(peerbuf), 1);
	for (i = 0; i < r->nclients; i++) {
		c = &r->clients[i];
		if (c->rest && c->af == a.af && radius_net_match(a.addr, c->net, c->prefix) &&
		    (best == NULL || c->prefix > best->prefix))
			best = c;
	}
	/* Refusals are logged as unknown clients are: once a minute per address. */
	if (best == NULL) {
		if (radius_log_may(r, &a, util_now_ms()))
			log_warnx("RADIUS over HTTP from %s, which matches no "
			    "radius-client marked rest: refused (logged once a "
			    "minute per address)", host);
		goto refuse;
	}
	/* Same-size buffers: the comparison time tells nothing of the secret. */
	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	memcpy(want, best->secret, best->secretlen);
	if (secret != NULL && secretlen <= RADIUS_SECRET_MAX) {
		memcpy(got, secret, secretlen);
		same = util_ct_eq(want, got, sizeof(want)) && secretlen == best->secretlen;
	}
	explicit_bzero(want, sizeof(want));
	explicit_bzero(got, sizeof(got));
	if (!same) {
		if (radius_log_may(r, &a, util_now_ms()))
			log_warnx("RADIUS over HTTP from %s (client %s): wrong or "
			    "missing shared secret: refused (logged once a minute "
			    "per address)", host, best->name);
		goto refuse;
	}
	best->nrequests++;
	if (radius_admit(r, best, pkt, util_now_ms()) == -1) {
		*why = r->nreqs >= RADIUS_REQS_MAX ? "overloaded" : "rate_limited";
		radius_pkt_free(pkt);
		return -1;
	}
	req = radius_req_start(r, best, pkt, peerbuf);
	req->answer = fn;
	req->answer_arg = arg;
	*idp = req->id;
	r->handler(req, r->handler_arg);
	return 0;
refuse:
	radius_count_drop(r, "rest_forbidden");
	radius_pkt_free(pkt);
	return -1;
}

void
radius_req_cancel(struct radius_req *req)
{
	log_debug("RADIUS %s (client %s): request %llu cancelled, its HTTP client "
	    "went away", req->peer, req->client, (unsigned long long)req->id);
	radius_count_drop(req->r, "rest_gone");
	radius_req_end(req);
}

/* Read events: a batch of datagrams at most, so one socket cannot starve the loop. */
static void
radius_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct radius_listener	*l = arg;
	unsigned char		 buf[RADIUS_PKT_MAX_LEN + 1];	/* one more: oversized */
	struct sockaddr_storage	 ss;
	struct radius_local	 loc;
	unsigned int		 sslen;
	long			 n;
	int			 i;

	(void)ev;
	for (i = 0; i < RADIUS_READ_BATCH; i++) {
		sslen = sizeof(ss);
		n = radius_io_recv(fd, l->wildcard, buf, sizeof(buf), &ss, &sslen, &loc);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("RADIUS %s: recvfrom", l->name);
			return;
		}
		radius_datagram(l, buf, (size_t)n, &ss, (socklen_t)sslen, &loc);
	}
}

/* The hold timeout or the processing limit passed: silence, as if lost. */
static void
radius_on_expire(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	radius_req_drop(arg, "expired");
}

/*
 * One datagram: client, decode (RFC 2865 §3, RFC 3579 §3.2, the
 * BlastRADIUS rules), duplicates (RFC 5080 §2.2.2), rate limits, then a new
 * request.  Duplicates are looked up after the Message-Authenticator check,
 * so only a client holding the secret can touch the table.
 */
static void
radius_datagram(struct radius_listener *l, const unsigned char *buf, size_t len,
    const struct sockaddr_storage *ss, socklen_t sslen, const struct radius_local *loc)
{
	struct radius			*r = l->r;
	struct radius_client		*c;
	struct radius_pkt		*pkt;
	struct radius_cache_entry	*e;
	struct radius_req		*req;
	struct radius_cache_key		 key;
	struct radius_addr		 a;
	enum radius_pkt_err		 why;
	const unsigned char		*reply;
	size_t				 replylen;
	char				 peer[RADIUS_PEER_LEN];
	uint64_t			 now = util_now_ms();

	if (radius_addr_of(ss, &a) == -1)
		return;
	radius_peer_fmt(&a, peer, sizeof(peer), 1);
	radius_cache_expire(r->cache, now);
	if ((c = (struct radius_client *)radius_client_match(r, &a)) == NULL) {
		radius_count_drop(r, "unknown_client");
		radius_log_unknown(r, &a, now);
		return;
	}
	c->nrequests++;
	pkt = radius_pkt_decode(buf, len, (const struct sockaddr *)ss, c->secret,
	    c->require_ma, &why);
	if (pkt == NULL) {
		radius_count_drop(r, radius_pkt_err_name(why));
		log_debug("RADIUS %s (client %s): dropped: %s", peer, c->name,
		    radius_pkt_err_name(why));
		return;
	}
	memset(&key, 0, sizeof(key));
	memcpy(key.addr, a.addr, sizeof(key.addr));
	key.port = a.port;
	key.af = a.af;
	key.id = pkt->id;
	memcpy(key.auth, pkt->authenticator, sizeof(key.auth));
	if ((e = radius_cache_find(r->cache, &key)) != NULL) {
		if (radius_cache_reply(e, &reply, &replylen)) {
			r->dup_answered++;
			log_debug("RADIUS %s (client %s, id %u): retransmission, "
			    "reply sent again", peer, c->name, (unsigned)pkt->id);
			radius_send(l, reply, replylen, ss, sslen, peer, loc);
		} else {
			radius_count_drop(r, "duplicate_in_progress");
			log_debug("RADIUS %s (client %s, id %u): retransmission of "
			    "a request in progress: dropped", peer, c->name,
			    (unsigned)pkt->id);
		}
		radius_pkt_free(pkt);
		return;
	}
	if (radius_admit(r, c, pkt, now) == -1) {
		radius_pkt_free(pkt);
		return;
	}
	req = radius_req_start(r, c, pkt, peer);
	req->l = l;
	req->local = *loc;
	req->dup = radius_cache_add(r->cache, &key);
	r->handler(req, r->handler_arg);
}

/* The rates of conf (radius-rate-client, radius-rate-user); 0: the default. */
static void
radius_rates(struct radius *r, const struct conf *conf)
{
	r->rate_client = conf->radius_rate_client > 0 ?
	    (double)conf->radius_rate_client : RADIUS_CLIENT_RATE;
	r->rate_user = conf->radius_rate_user > 0 ?
	    (double)conf->radius_rate_user : RADIUS_USER_RATE;
}

/* The rate limits and the bound on requests in flight; -1: dropped, counted. */
static int
radius_admit(struct radius *r, struct radius_client *c, const struct radius_pkt *pkt,
    uint64_t now)
{
	if (!radius_bucket_take(&c->bucket, r->rate_client, r->rate_client, now) ||
	    (pkt->user_name != NULL && !radius_users_take(r->users, pkt->user_name,
	    r->rate_user, r->rate_user, now))) {
		radius_count_drop(r, "rate_limited");
		log_debug("RADIUS client %s, id %u: over the rate limit: dropped",
		    c->name, (unsigned)pkt->id);
		return -1;
	}
	if (r->nreqs >= RADIUS_REQS_MAX) {
		radius_count_drop(r, "overloaded");
		log_debug("RADIUS client %s, id %u: %d requests in flight: dropped",
		    c->name, (unsigned)pkt->id, RADIUS_REQS_MAX);
		return -1;
	}
	return 0;
}

/*
 * A new request: in the table by id, its timer armed (the hold timeout in
 * hold mode, else the processing limit).  Takes pkt.  The caller adds the
 * socket and the duplicate-table entry, or the answer function, then calls
 * the handler, which may answer at once and free the request: nothing
 * touches it after that call.
 */
static struct radius_req *
radius_req_start(struct radius *r, const struct radius_client *c,
    struct radius_pkt *pkt, const char *peer)
{
	struct radius_req	*req = xcalloc(1, sizeof(*req));
	struct timeval		 tv;
	uint64_t		 ms;
	size_t			 b;

	req->id = r->next_id++;
	req->r = r;
	req->pkt = pkt;
	req->client = xstrdup(c->name);
	req->secret = xstrdup(c->secret);
	req->secretlen = c->secretlen;
	req->mode = c->mode;
	req->legacy = c->legacy;
	req->hold_ms = c->mode == CONF_RADIUS_HOLD ? c->hold_ms : 0;
	snprintf(req->peer, sizeof(req->peer), "%s", peer);
	b = req->id & (RADIUS_REQ_BUCKETS - 1);
	req->next = r->reqs[b];
	r->reqs[b] = req;
	r->nreqs++;
	ms = c->mode == CONF_RADIUS_HOLD ? c->hold_ms : RADIUS_PROCESS_MS;
	if (ms > RADIUS_REQ_MAX_MS)
		ms = RADIUS_REQ_MAX_MS;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if ((req->ev_expire = evtimer_new(r->base, radius_on_expire, req)) == NULL)
		fatalx("evtimer_new failed");
	evtimer_add(req->ev_expire, &tv);
	log_debug("RADIUS %s (client %s, id %u): request %llu for %s", peer, c->name,
	    (unsigned)pkt->id, (unsigned long long)req->id,
	    pkt->user_name != NULL ? pkt->user_name : "(no User-Name)");
	return req;
}

/* Out of the tables, its entry forgotten if unanswered, freed, secret wiped. */
static void
radius_req_end(struct radius_req *req)
{
	struct radius		*r = req->r;
	struct radius_req	**pp;

	for (pp = &r->reqs[req->id & (RADIUS_REQ_BUCKETS - 1)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == req) {
			*pp = req->next;
			r->nreqs--;
			break;
		}
	radius_cache_remove(r->cache, req->dup);
	if (req->ev_expire != NULL)
		event_free(req->ev_expire);
	radius_pkt_free(req->pkt);
	free(req->client);
	freezero_x(req->secret, req->secretlen + 1);
	free(req);
}

/* Until authreq.c is set as the handler, every request gets a plain refusal. */
static void
radius_default_handler(struct radius_req *req, void *arg)
{
	struct radius_reply	rep;

	(void)arg;
	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_REJECT;
	rep.message = RADIUS_NOT_ENABLED;
	radius_req_answer(req, &rep);
}

/* A full socket buffer loses the reply as the network could: the client retries. */
static void
radius_send(struct radius_listener *l, const unsigned char *buf, size_t len,
    const struct sockaddr_storage *to, socklen_t tolen, const char *peer,
    const struct radius_local *loc)
{
	if (radius_io_send(l->fd, buf, len, to, tolen, loc) == -1) {
		log_debug("RADIUS %s: sendto: %s", peer, strerror(errno));
		radius_count_drop(l->r, "send_failed");
	}
}

/* Counted by name; past RADIUS_DROPS_MAX names, under "other". */
static void
radius_count_drop(struct radius *r, const char *reason)
{
	size_t	 i;

	for (i = 0; i < r->ndrops; i++)
		if (strcmp(r->drops[i].reason, reason) == 0) {
			r->drops[i].n++;
			return;
		}
	if (r->ndrops >= RADIUS_DROPS_MAX - 1)
		reason = "other";
	for (i = 0; i < r->ndrops; i++)
		if (strcmp(r->drops[i].reason, reason) == 0) {
			r->drops[i].n++;
			return;
		}
	r->drops[r->ndrops].reason = xstrdup(reason);
	r->drops[r->ndrops++].n = 1;
}

/*
 * A stranger may send a packet a millisecond: one line per address per
 * minute, and RADIUS_UNKNOWN_LOG_MAX lines a minute in all, so spoofed
 * sources cannot flood the log either.
 */
static void
radius_log_unknown(struct radius *r, const struct radius_addr *a, uint64_t now)
{
	char	 host[RADIUS_PEER_LEN];

	if (!radius_log_may(r, a, now))
		return;
	radius_peer_fmt(a, host, sizeof(host), 0);
	log_warnx("RADIUS: request from %s, which matches no radius-client: dropped "
	    "(logged once a minute per address)", host);
}

/* 1: a line about this address may be logged now (and is counted). */
static int
radius_log_may(struct radius *r, const struct radius_addr *a, uint64_t now)
{
	struct radius_unknown	*s;
	unsigned int		 h = 0;
	size_t			 i;

	for (i = 0; i < sizeof(a->addr); i++)
		h = h * 31 + a->addr[i];
	s = &r->unknown[h % RADIUS_UNKNOWN_SLOTS];
	if (s->af == a->af && memcmp(s->addr, a->addr, sizeof(s->addr)) == 0 &&
	    now - s->last_ms < RADIUS_UNKNOWN_LOG_MS)
		return 0;
	if (now - r->unknown_window_ms >= RADIUS_UNKNOWN_LOG_MS || r->unknown_window_ms == 0) {
		r->unknown_window_ms = now;
		r->unknown_logged = 0;
	}
	if (r->unknown_logged >= RADIUS_UNKNOWN_LOG_MAX)
		return 0;
	r->unknown_logged++;
	s->af = a->af;
	memcpy(s->addr, a->addr, sizeof(s->addr));
	s->last_ms = now;
	return 1;
}

/* The most specific configured prefix that holds the address. */
static const struct radius_client *
radius_client_match(const struct radius *r, const struct radius_addr *a)
{
	const struct radius_client	*best = NULL;
	size_t				 i;

	for (i = 0; i < r->nclients; i++) {
		const struct radius_client *c = &r->clients[i];

		if (c->af != a->af || !radius_net_match(a->addr, c->net, c->prefix))
			continue;
		if (best == NULL || c->prefix > best->prefix)
			best = c;
	}
	return best;
}

static int
radius_net_match(const unsigned char *addr, const unsigned char *net, unsigned int prefix)
{
	unsigned int	 bytes = prefix / 8, bits = prefix % 8;
	unsigned char	 mask;

	if (memcmp(addr, net, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - bits));
	return (addr[bytes] & mask) == (net[bytes] & mask);
}

/* IPv4-mapped IPv6 sources count as IPv4, as the clients are written. */
static int
radius_addr_of(const struct sockaddr_storage *ss, struct radius_addr *a)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->af = 4;
		memcpy(a->addr, &sin->sin_addr, 4);
		a->port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->af = 4;
			memcpy(a->addr, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->af = 6;
			memcpy(a->addr, &sin6->sin6_addr, 16);
		}
		a->port = ntohs(sin6->sin6_port);
	} else
		return -1;
	return 0;
}

/* "192.0.2.1:41000", "[2001:db8::1]:41000"; the address alone without port. */
static void
radius_peer_fmt(const struct radius_addr *a, char *buf, size_t len, int port)
{
	char	 host[INET6_ADDRSTRLEN];

	if (inet_ntop(a->af == 4 ? AF_INET : AF_INET6, a->addr, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	if (!port)
		snprintf(buf, len, "%s", host);
	else if (a->af == 6)
		snprintf(buf, len, "[%s]:%u", host, (unsigned)a->port);
	else
		snprintf(buf, len, "%s:%u", host, (unsigned)a->port);
}

/*
 * One UDP socket for ADDR:PORT, non-blocking, in the loop (radius_io.c:
 * IPv6 alone on an IPv6 socket; a wildcard one answers from the address
 * each request was sent to).
 */
static int
radius_listen(struct radius *r, const char *name, char *err, size_t errlen)
{
	struct radius_listener	*l;
	struct sockaddr_storage	 ss;
	int			 sslen = sizeof(ss);

	if (evutil_parse_sockaddr_port(name, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, errlen, "radius-listen %s: not ADDR:PORT", name);
		return -1;
	}
	/* r->listeners has room for every radius-listen (radius_new). */
	l = &r->listeners[r->nlisteners++];
	l->r = r;
	l->fd = -1;
	l->name = xstrdup(name);
	if ((l->fd = radius_io_open((struct sockaddr *)&ss, (unsigned int)sslen,
	    RADIUS_RCVBUF, &l->wildcard)) == -1)
		goto fail;
	if ((l->ev = event_new(r->base, l->fd, EV_READ | EV_PERSIST, radius_on_read, l)) == NULL ||
	    event_add(l->ev, NULL) == -1) {
		snprintf(err, errlen, "radius-listen %s: cannot add the socket to the "
		    "event loop", name);
		return -1;
	}
	log_info("RADIUS listening on %s (UDP%s)", name, l->wildcard ?
	    "; replies from the address each request was sent to" : "");
	return 0;
fail:
	snprintf(err, errlen, "radius-listen %s: %s", name, strerror(errno));
	return -1;
}

/* Every radius-client of conf with its secret; old: the running clients. */
static int
radius_clients_load(const struct conf *conf, const struct radius_client *old,
    size_t nold, struct radius_client **out, size_t *nout, char *err, size_t errlen)
{
	struct radius_client	*cs;
	size_t			 i;

	cs = xcalloc(conf->nradius_clients + 1, sizeof(*cs));
	for (i = 0; i < conf->nradius_clients; i++)
		if (radius_client_init(&cs[i], &conf->radius_clients[i], old, nold,
		    err, errlen) == -1) {
			radius_clients_free(cs, i + 1);
			return -1;
		}
	*out = cs;
	*nout = conf->nradius_clients;
	return 0;
}

static int
radius_client_init(struct radius_client *c, const struct conf_radius_client *cc,
    const struct radius_client *old, size_t nold, char *err, size_t errlen)
{
	char		 why[128], *addr, *slash;
	size_t		 i;
	int		 ok, rv;

	/* How logs, audit lines, metrics and the portal call it; the address is parsed below. */
	c->name = xstrdup(cc->label != NULL ? cc->label : cc->name);
	c->secret_file = xstrdup(cc->secret_file);
	c->mode = cc->mode;
	c->legacy = cc->legacy;
	c->require_ma = cc->require_ma;
	c->rest = cc->rest;
	c->hold_ms = cc->hold_timeout_ms;
	addr = xstrdup(cc->name);
	if ((slash = strchr(addr, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, addr, c->net) == 1) {
		c->af = 4;
		c->prefix = 32;
	} else if (inet_pton(AF_INET6, addr, c->net) == 1) {
		c->af = 6;
		c->prefix = 128;
	}
	if (c->af != 0 && slash != NULL)
		c->prefix = (unsigned int)strtoul(slash, NULL, 10);
	ok = c->af != 0 && c->prefix <= (c->af == 4 ? 32U : 128U);
	free(addr);
	if (!ok) {
		snprintf(err, errlen, "radius-client %s: not an address or prefix", cc->name);
		return -1;
	}
	if ((rv = radius_secret_read(cc->secret_file, &c->secret, &c->secretlen, why,
	    sizeof(why))) == 0)
		return 0;
	/* Only a file we may no longer open keeps the old secret; a bad one is refused. */
	for (i = 0; rv == -2 && i < nold; i++)
		if (strcmp(old[i].secret_file, cc->secret_file) == 0) {
			log_debug("radius-client %s: %s: %s; keeping the secret read "
			    "at start", cc->name, cc->secret_file, why);
			c->secret = xstrdup(old[i].secret);
			c->secretlen = old[i].secretlen;
			return 0;
		}
	snprintf(err, errlen, "radius-client %s: secret-file %s: %s", cc->name,
	    cc->secret_file, why);
	return -1;
}

/*
 * One trailing newline is not part of the secret; 1..128 octets, no NUL.
 * -2: not readable by us (root-only after the privilege drop), -1: bad.
 */
static int
radius_secret_read(const char *path, char **secret, size_t *lenp, char *why, size_t whylen)
{
	char	*buf;
	size_t	 len;

	if ((buf = util_read_file(path, RADIUS_SECRET_MAX + 1, &len)) == NULL) {
		snprintf(why, whylen, "%s", errno == EFBIG ?
		    "longer than 128 bytes" : strerror(errno));
		return errno == EACCES || errno == EPERM ? -2 : -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len == 0 || len > RADIUS_SECRET_MAX || strlen(buf) != len) {
		snprintf(why, whylen, "%s", len == 0 ? "empty" : len > RADIUS_SECRET_MAX ?
		    "longer than 128 bytes" : "contains a NUL byte");
		freezero_x(buf, RADIUS_SECRET_MAX + 2);
		return -1;
	}
	*secret = buf;
	*lenp = len;
	return 0;
}

static void
radius_clients_free(struct radius_client *cs, size_t n)
{
	size_t	 i;

	if (cs == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(cs[i].name);
		free(cs[i].secret_file);
		if (cs[i].secret != NULL)
			freezero_x(cs[i].secret, cs[i].secretlen + 1);
	}
	free(cs);
}

/* /metrics: requests by client, drops by reason, replies by code, in flight, cache. */
static void
radius_collect(struct evbuffer *out, void *arg)
{
	static const char *const codes[] = { "Access-Accept", "Access-Reject",
	    "Access-Challenge" };
	struct radius	*r = arg;
	char		 esc[256], labels[300];
	size_t		 i;

	metrics_family(out, "latchkey_radius_requests_total", "counter",
	    "RADIUS datagrams received from each configured client.");
	for (i = 0; i < r->nclients; i++) {
		metrics_escape(esc, sizeof(esc), r->clients[i].name);
		snprintf(labels, sizeof(labels), "client=\"%s\"", esc);
		metrics_sample(out, "latchkey_radius_requests_total", labels,
		    (double)r->clients[i].nrequests);
	}
	metrics_family(out, "latchkey_radius_drops_total", "counter",
	    "RADIUS datagrams and requests discarded without an answer, by reason.");
	for (i = 0; i < r->ndrops; i++) {
		metrics_escape(esc, sizeof(esc), r->drops[i].reason);
		snprintf(labels, sizeof(labels), "reason=\"%s\"", esc);
		metrics_sample(out, "latchkey_radius_drops_total", labels,
		    (double)r->drops[i].n);
	}
	metrics_family(out, "latchkey_radius_replies_total", "counter",
	    "RADIUS replies sent, by code (retransmitted copies not counted).");
	for (i = 0; i < 3; i++) {
		snprintf(labels, sizeof(labels), "code=\"%s\"", codes[i]);
		metrics_sample(out, "latchkey_radius_replies_total", labels,
		    (double)r->replies[i]);
	}
	metrics_family(out, "latchkey_radius_duplicates_answered_total", "counter",
	    "Retransmissions answered again from the reply cache (RFC 5080).");
	metrics_sample(out, "latchkey_radius_duplicates_answered_total", NULL,
	    (double)r->dup_answered);
	metrics_family(out, "latchkey_radius_requests_in_flight", "gauge",
	    "RADIUS requests waiting for their answer.");
	metrics_sample(out, "latchkey_radius_requests_in_flight", NULL, (double)r->nreqs);
	radius_cache_expire(r->cache, util_now_ms());
	metrics_family(out, "latchkey_radius_reply_cache_entries", "gauge",
	    "Requests in progress and replies kept for retransmissions.");
	metrics_sample(out, "latchkey_radius_reply_cache_entries", NULL,
	    (double)radius_cache_count(r->cache));
}
