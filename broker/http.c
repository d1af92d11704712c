/*
 * http.c: the web listeners on evhttp, the route table, the limits, the
 * security headers on every answer, and the request metrics.
 *
 * One evhttp per configured listener: evhttp_set_bevcb does not tell which
 * socket a connection came from, so a listener that speaks TLS needs its
 * own evhttp.  Every request passes through http_on_request, which bounds
 * and decodes the URI, finds the route and records the request in a small
 * context (arrival time, route, peer) that the reply functions close:
 * latency is measured from arrival to reply, also when a handler answers
 * later from another callback.
 *
 * A handler that waits on asynchronous work parks its request with
 * http_park.  libevent 2.1 stops reading a connection while the server owes
 * it a reply, so it would only notice a vanished client when the reply
 * fails; http_park therefore watches the socket for the peer's close
 * (EV_CLOSED, EPOLLRDHUP) and also hooks the connection's close callback,
 * and tells the owner once, so that it cancels its work (STYLE 11).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "util.h"
#include "xmalloc.h"

#define HTTP_URI_MAX		2048	/* longer request URIs get 414 */
#define HTTP_BACKLOG		128
#define HTTP_CODES_MAX		16	/* distinct status codes counted per route */
#define HTTP_LOG_PATH_MAX	128	/* characters of a path in a log line */
#define HTTP_ROUTE_OTHER	"other"	/* metrics label of unknown paths */

#define HTTP_CSP	"default-src 'self'; script-src 'self'; style-src 'self'; " \
			"img-src 'self' data:; object-src 'none'; base-uri 'none'; " \
			"frame-ancestors 'none'; form-action 'self'"
#define HTTP_HSTS	"max-age=31536000"

/* The request duration histogram's upper bounds, in seconds. */
static const double http_bounds[] = {
	0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
#define HTTP_NBOUNDS	(sizeof(http_bounds) / sizeof(http_bounds[0]))

/* Counters of one route pattern: the label space stays bounded. */
struct http_stat {
	char		*route;
	struct {
		int		 code;
		uint64_t	 n;
	}		 codes[HTTP_CODES_MAX];
	size_t		 ncodes;
	uint64_t	 buckets[HTTP_NBOUNDS + 1];
	double		 sum;
};

struct http_rt {
	char		*method;	/* NULL: any */
	char		*path;
	http_handler	 handler;
	void		*arg;
	size_t		 stat;		/* index in http->stats */
};

struct http_listener {
	struct http		*http;
	struct evhttp		*evh;
	int			 tls;
	uint16_t		 port;		/* bound port of the first socket */
};

/* One request between its arrival and its reply. */
struct http_req {
	TAILQ_ENTRY(http_req)	 entry;
	struct http		*http;
	struct evhttp_request	*req;
	size_t			 stat;
	struct timespec		 start;
	const char		*method;
	char			 path[HTTP_LOG_PATH_MAX + 1];	/* sanitised, for logs */
	char			 peer[INET6_ADDRSTRLEN + 8];
	/* Parked on asynchronous work (http_park). */
	struct event		*closed_ev;
	void			(*gone)(void *);
	void			*gone_arg;
};
TAILQ_HEAD(http_reqs, http_req);

struct http {
	struct event_base	*base;
	struct http_listener	*listeners;
	size_t			 nlisteners;
	SSL_CTX			*ctx;		/* NULL without an https listener */
	struct http_rt		*routes;
	size_t			 nroutes;
	struct http_stat	*stats;		/* [0] is "other" */
	size_t			 nstats;
	uint64_t		 inflight;
};

static int	 http_listen(struct http *, struct http_listener *,
		    const struct conf_listen *, char *, size_t);
static int	 http_bind(struct http_listener *, const struct addrinfo *, int,
		    char *, size_t);
static void	 http_limits(struct evhttp *, const struct conf *);
static SSL_CTX	*http_tls_ctx(const struct conf *, char *, size_t);
static size_t	 http_stat_get(struct http *, const char *);
static void	 http_stat_count(struct http_stat *, int, double);
static void	 http_dispatch(struct http *, struct http_req *, const char *);
static void	 http_allow(struct http *, const char *, char *, size_t);
static size_t	 http_append(char *, size_t, size_t, const char *);
static int	 http_has_token(const char *, const char *);
static void	 http_send(struct evhttp_request *, int, struct evbuffer *);
static void	 http_security_headers(struct evhttp_request *);
static struct http_req *http_req_find(struct evhttp_request *);
static void	 http_req_finish(struct http_req *, int);
static void	 http_unpark(struct http_req *);
static const char *http_method_name(enum evhttp_cmd_type);
static void	 http_sanitise(char *, size_t, const char *);

static struct bufferevent *http_on_bev(struct event_base *, void *);
static void	 http_on_request(struct evhttp_request *, void *);
static void	 http_on_peer_closed(evutil_socket_t, short, void *);
static void	 http_on_conn_close(struct evhttp_connection *, void *);
static void	 http_collect(struct evbuffer *, void *);

/* Every request in flight, of every http: replies find their context here. */
static struct http_reqs	 http_reqs = TAILQ_HEAD_INITIALIZER(http_reqs);

static const struct {
	enum evhttp_cmd_type	 cmd;
	const char		*name;
} http_methods[] = {
	{ EVHTTP_REQ_GET, "GET" },
	{ EVHTTP_REQ_HEAD, "HEAD" },
	{ EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
	{ EVHTTP_REQ_DELETE, "DELETE" },
	{ EVHTTP_REQ_OPTIONS, "OPTIONS" },
};

/*
 * Binds every listener of conf (as root, before the privilege drop) and
 * loads the certificate when one of them is https.  Plain http is refused
 * on anything but a loopback address: conf.c checks it too, and we check the
 * name and every address it resolves to, so a hostile resolver cannot put
 * a plain listener on the network.
 */
struct http *
http_new(struct event_base *base, const struct conf *conf, char *err,
    size_t errlen)
{
	struct http	*http;
	size_t		 i;

	if (conf->nlistens == 0) {
		snprintf(err, errlen, "no listen address");
		return (NULL);
	}
	http = xcalloc(1, sizeof(*http));
	http->base = base;
	http_stat_get(http, HTTP_ROUTE_OTHER);
	for (i = 0; i < conf->nlistens; i++) {
		if (conf->listens[i].tls && http->ctx == NULL &&
		    (http->ctx = http_tls_ctx(conf, err, errlen)) == NULL)
			goto fail;
	}
	http->listeners = xcalloc(conf->nlistens, sizeof(*http->listeners));
	for (i = 0; i < conf->nlistens; i++) {
		if (http_listen(http, &http->listeners[i], &conf->listens[i],
		    err, errlen) == -1)
			goto fail;
		http->nlisteners++;
		http_limits(http->listeners[i].evh, conf);
	}
	metrics_register(http_collect, http);
	return (http);
fail:
	http_free(http);
	return (NULL);
}

/*
 * Closes the listeners and their connections.  Parked requests hear about
 * it through their gone callback (evhttp calls the close callbacks).
 */
void
http_free(struct http *http)
{
	struct http_req	*hr, *next;
	size_t		 i;

	if (http == NULL)
		return;
	metrics_unregister(http_collect, http);
	for (i = 0; i < http->nlisteners; i++)
		evhttp_free(http->listeners[i].evh);
	for (hr = TAILQ_FIRST(&http_reqs); hr != NULL; hr = next) {
		next = TAILQ_NEXT(hr, entry);
		if (hr->http != http)
			continue;
		http_unpark(hr);
		TAILQ_REMOVE(&http_reqs, hr, entry);
		free(hr);
	}
	free(http->listeners);
	for (i = 0; i < http->nroutes; i++) {
		free(http->routes[i].method);
		free(http->routes[i].path);
	}
	free(http->routes);
	for (i = 0; i < http->nstats; i++)
		free(http->stats[i].route);
	free(http->stats);
	SSL_CTX_free(http->ctx);
	free(http);
}

/* Adds n routes (copied), all called with arg; first added wins on a tie. */
void
http_add_routes(struct http *http, const struct http_route *r, size_t n,
    void *arg)
{
	struct http_rt	*rt;
	size_t		 i;

	http->routes = xreallocarray(http->routes, http->nroutes + n,
	    sizeof(*http->routes));
	for (i = 0; i < n; i++) {
		rt = &http->routes[http->nroutes++];
		rt->method = r[i].method != NULL ? xstrdup(r[i].method) : NULL;
		rt->path = xstrdup(r[i].path);
		rt->handler = r[i].handler;
		rt->arg = arg;
		rt->stat = http_stat_get(http, r[i].path);
	}
}

/*
 * Takes new limits and a new certificate.  The new SSL_CTX is built first;
 * if it fails the old one stays.  Connections in flight keep the context
 * they started with: every SSL holds a reference to its SSL_CTX.
 */
int
http_reconf(struct http *http, const struct conf *conf, char *err,
    size_t errlen)
{
	SSL_CTX	*ctx = NULL;
	size_t	 i;

	if (http->ctx != NULL && (ctx = http_tls_ctx(conf, err, errlen)) == NULL)
		return (-1);
	if (ctx != NULL) {
		SSL_CTX_free(http->ctx);
		http->ctx = ctx;
	}
	for (i = 0; i < http->nlisteners; i++)
		http_limits(http->listeners[i].evh, conf);
	return (0);
}

/* The port listener i is bound to (useful when the configuration said 0). */
int
http_port(const struct http *http, size_t i)
{
	if (i >= http->nlisteners)
		return (-1);
	return (http->listeners[i].port);
}

/*
 * Parks a request on asynchronous work.  If the client goes away, or the
 * server shuts down, before the reply, gone(arg) is called once and the
 * request is gone: the owner cancels its work and never replies.  A reply
 * unparks the request.
 */
void
http_park(struct evhttp_request *req, void (*gone)(void *), void *arg)
{
	struct evhttp_connection	*evcon;
	struct http_req			*hr;
	evutil_socket_t			 fd;

	if ((hr = http_req_find(req)) == NULL ||
	    (evcon = evhttp_request_get_connection(req)) == NULL)
		fatalx("http_park: request not in flight");
	hr->gone = gone;
	hr->gone_arg = arg;
	evhttp_connection_set_closecb(evcon, http_on_conn_close, hr);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	if (fd != -1 && (event_base_get_features(hr->http->base) &
	    EV_FEATURE_EARLY_CLOSE)) {
		hr->closed_ev = event_new(hr->http->base, fd, EV_CLOSED,
		    http_on_peer_closed, hr);
		if (hr->closed_ev == NULL || event_add(hr->closed_ev, NULL) == -1)
			fatalx("http_park: event");
	}
}

/* Replies with a JSON body (takes the reference to body; NULL is {}), no-store. */
void
http_reply_json(struct evhttp_request *req, int status, json_t *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*buf;
	char			*s;

	s = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if ((buf = evbuffer_new()) == NULL)
		fatalx("http_reply_json: evbuffer_new");
	if (s != NULL)
		evbuffer_add(buf, s, strlen(s));
	else
		evbuffer_add(buf, "{}", 2);
	free(s);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	http_send(req, status, buf);
	evbuffer_free(buf);
}

/* Replies {"error": code, "message": message}. */
void
http_reply_error(struct evhttp_request *req, int status, const char *code,
    const char *message)
{
	http_reply_json(req, status, json_pack("{s:s, s:s}", "error", code,
	    "message", message != NULL ? message : code));
}

/* Replies with a text body of the given content type. */
void
http_reply_text(struct evhttp_request *req, int status, const char *ctype,
    const char *text, size_t len)
{
	struct evbuffer	*buf;

	if ((buf = evbuffer_new()) == NULL)
		fatalx("http_reply_text: evbuffer_new");
	evbuffer_add(buf, text, len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	http_send(req, status, buf);
	evbuffer_free(buf);
}

/* Per connection on an https listener: a server-side TLS bufferevent. */
static struct bufferevent *
http_on_bev(struct event_base *base, void *arg)
{
	struct http_listener	*l = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(l->http->ctx)) == NULL) {
		log_warnx("http: SSL_new failed");
		return (NULL);
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		log_warnx("http: bufferevent_openssl_socket_new failed");
		return (NULL);
	}
	/* Clients often close without close_notify; that is no error for us. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
}

/*
 * Every request: bound the URI (RFC 9110 §15.5.15: 414), decode its path,
 * note the context, then dispatch.
 */
static void
http_on_request(struct evhttp_request *req, void *arg)
{
	struct http_listener		*l = arg;
	struct http_req			*hr;
	struct evhttp_connection	*evcon;
	struct evhttp_uri		*uri = NULL;
	const char			*raw, *rawpath;
	char				*path = NULL, *peer;
	size_t				 len;
	ev_uint16_t			 port = 0;

	hr = xcalloc(1, sizeof(*hr));
	hr->http = l->http;
	hr->req = req;
	clock_gettime(CLOCK_MONOTONIC, &hr->start);
	hr->method = http_method_name(evhttp_request_get_command(req));
	if ((evcon = evhttp_request_get_connection(req)) != NULL) {
		evhttp_connection_get_peer(evcon, &peer, &port);
		snprintf(hr->peer, sizeof(hr->peer), "%s:%u",
		    peer != NULL ? peer : "?", port);
	}
	TAILQ_INSERT_TAIL(&http_reqs, hr, entry);
	l->http->inflight++;

	raw = evhttp_request_get_uri(req);
	http_sanitise(hr->path, sizeof(hr->path), raw);
	if (strlen(raw) > HTTP_URI_MAX) {
		http_reply_error(req, 414, "uri_too_long",
		    "the request URI is too long");
		return;
	}
	if ((uri = evhttp_uri_parse(raw)) == NULL ||
	    (rawpath = evhttp_uri_get_path(uri)) == NULL ||
	    (path = evhttp_uridecode(rawpath, 0, &len)) == NULL ||
	    len != strlen(path) || path[0] != '/') {
		http_reply_error(req, 400, "bad_request",
		    "the request URI is malformed");
		goto done;
	}
	http_sanitise(hr->path, sizeof(hr->path), path);
	http_dispatch(l->http, hr, path);
done:
	free(path);
	if (uri != NULL)
		evhttp_uri_free(uri);
}

/*
 * Finds the route: an exact path beats a prefix (a path ending in '*'), a longer prefix
 * beats a shorter one.  HEAD is served by GET routes (evhttp drops the
 * body).  A path that exists for other methods gets 405 with Allow (RFC 9110
 * §15.5.6), or 204 with Allow for OPTIONS.
 */
static void
http_dispatch(struct http *http, struct http_req *hr, const char *path)
{
	struct evhttp_request	*req = hr->req;
	struct http_rt		*rt, *best = NULL, *hit = NULL;
	const char		*method = hr->method;
	size_t			 i, plen, score, best_score = 0;
	char			 allow[128];

	for (i = 0; i < http->nroutes; i++) {
		rt = &http->routes[i];
		plen = strlen(rt->path);
		if (strcmp(rt->path, path) == 0)
			score = SIZE_MAX;
		else if (plen > 0 && rt->path[plen - 1] == '*' &&
		    strncmp(rt->path, path, plen - 1) == 0)
			score = plen;
		else
			continue;
		if (best == NULL || score > best_score) {
			best = rt;
			best_score = score;
		}
	}
	if (best == NULL) {
		http_reply_error(req, 404, "not_found", "no such resource");
		return;
	}
	hr->stat = best->stat;
	for (i = 0; i < http->nroutes && hit == NULL; i++) {
		rt = &http->routes[i];
		if (strcmp(rt->path, best->path) != 0)
			continue;
		if (rt->method == NULL || strcmp(rt->method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0))
			hit = rt;
	}
	if (hit != NULL) {
		hit->handler(req, hit->arg);
		return;
	}
	http_allow(http, best->path, allow, sizeof(allow));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	if (strcmp(method, "OPTIONS") == 0)
		http_reply_text(req, 204, "text/plain", "", 0);
	else
		http_reply_error(req, 405, "method_not_allowed",
		    "this resource does not accept that method");
}

/* The Allow header value for a route path: its methods, HEAD with GET, OPTIONS. */
static void
http_allow(struct http *http, const char *path, char *buf, size_t len)
{
	struct http_rt	*rt;
	size_t		 i, n = 0;
	int		 get = 0;

	buf[0] = '\0';
	for (i = 0; i < http->nroutes; i++) {
		rt = &http->routes[i];
		if (strcmp(rt->path, path) != 0 || rt->method == NULL ||
		    http_has_token(buf, rt->method))
			continue;
		n = http_append(buf, len, n, rt->method);
		get |= strcmp(rt->method, "GET") == 0;
	}
	if (get && !http_has_token(buf, "HEAD"))
		n = http_append(buf, len, n, "HEAD");
	if (!http_has_token(buf, "OPTIONS"))
		http_append(buf, len, n, "OPTIONS");
}

/* Appends ", tok" (or "tok" first) to a list of length n in buf; returns the new length. */
static size_t
http_append(char *buf, size_t len, size_t n, const char *tok)
{
	int	 r;

	r = snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "", tok);
	if (r < 0 || (size_t)r >= len - n) {
		buf[n] = '\0';
		return (n);
	}
	return (n + (size_t)r);
}

/* Whether a comma-separated list holds tok. */
static int
http_has_token(const char *list, const char *tok)
{
	size_t	 tlen = strlen(tok);
	const char *p;

	for (p = list; (p = strstr(p, tok)) != NULL; p += tlen)
		if ((p == list || p[-1] == ' ') &&
		    (p[tlen] == '\0' || p[tlen] == ','))
			return (1);
	return (0);
}

/* Every reply of ours: security headers, metrics, log line, then send. */
static void
http_send(struct evhttp_request *req, int code, struct evbuffer *body)
{
	struct http_req	*hr;

	http_security_headers(req);
	if ((hr = http_req_find(req)) != NULL)
		http_req_finish(hr, code);
	/* On a detached request (client gone) this frees it. */
	evhttp_send_reply(req, code, NULL, body);
}

/*
 * The headers every answer carries (CSP without inline script, no
 * sniffing, no referrer, no framing); HSTS only over TLS (RFC 6797 §7.2:
 * never over plain http).
 */
static void
http_security_headers(struct evhttp_request *req)
{
	struct evkeyvalq		*h = evhttp_request_get_output_headers(req);
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct bufferevent		*bev;

	evhttp_add_header(h, "Content-Security-Policy", HTTP_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	if (evcon != NULL &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL &&
	    bufferevent_openssl_get_ssl(bev) != NULL)
		evhttp_add_header(h, "Strict-Transport-Security", HTTP_HSTS);
}

/* The context of a request in flight, or NULL (already answered). */
static struct http_req *
http_req_find(struct evhttp_request *req)
{
	struct http_req	*hr;

	TAILQ_FOREACH(hr, &http_reqs, entry)
		if (hr->req == req)
			return (hr);
	return (NULL);
}

/* Closes a request's context: counts it, logs it, unparks it, frees it. */
static void
http_req_finish(struct http_req *hr, int code)
{
	struct timespec	 now;
	double		 secs;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (now.tv_sec - hr->start.tv_sec) +
	    (now.tv_nsec - hr->start.tv_nsec) / 1e9;
	if (code > 0)
		http_stat_count(&hr->http->stats[hr->stat], code, secs);
	if (code > 0)
		log_debug("http: %s %s %d %s %.1f ms", hr->method, hr->path,
		    code, hr->peer, secs * 1e3);
	else
		log_debug("http: %s %s unanswered, connection closed, %s "
		    "%.1f ms", hr->method, hr->path, hr->peer, secs * 1e3);
	http_unpark(hr);
	hr->http->inflight--;
	TAILQ_REMOVE(&http_reqs, hr, entry);
	free(hr);
}

/* Stops watching a parked request's connection. */
static void
http_unpark(struct http_req *hr)
{
	struct evhttp_connection	*evcon;

	if (hr->gone == NULL)
		return;
	if (hr->closed_ev != NULL)
		event_free(hr->closed_ev);
	hr->closed_ev = NULL;
	if ((evcon = evhttp_request_get_connection(hr->req)) != NULL)
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	hr->gone = NULL;
}

/*
 * The client of a parked request closed its side.  We are in our own event
 * callback, not in evhttp's stack, so the connection can be freed here;
 * evhttp frees the request with it.
 */
static void
http_on_peer_closed(evutil_socket_t fd, short what, void *arg)
{
	struct http_req			*hr = arg;
	struct evhttp_connection	*evcon;
	void				(*gone)(void *) = hr->gone;
	void				*gone_arg = hr->gone_arg;

	(void)fd;
	(void)what;
	evcon = evhttp_request_get_connection(hr->req);
	http_req_finish(hr, 0);
	gone(gone_arg);
	if (evcon != NULL)
		evhttp_connection_free(evcon);
}

/*
 * evhttp is freeing the connection of a parked request (server shutdown,
 * timeout, write error).  If evhttp already detached the request, nobody
 * else will free it.
 */
static void
http_on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct http_req		*hr = arg;
	struct evhttp_request	*req = hr->req;
	void			(*gone)(void *) = hr->gone;
	void			*gone_arg = hr->gone_arg;

	(void)evcon;
	http_req_finish(hr, 0);
	gone(gone_arg);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

/* Creates one listener: its evhttp, its sockets, TLS if https. */
static int
http_listen(struct http *http, struct http_listener *l,
    const struct conf_listen *cl, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 port[8];
	int		 rc, n = 0;

	l->http = http;
	l->tls = cl->tls;
	if (!cl->tls && !util_is_loopback_host(cl->host)) {
		snprintf(err, errlen, "listen http://%s:%u: plain http is only "
		    "allowed on a loopback address; use https", cl->host, cl->port);
		return (-1);
	}
	if ((l->evh = evhttp_new(http->base)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		return (-1);
	}
	evhttp_set_gencb(l->evh, http_on_request, l);
	if (cl->tls)
		evhttp_set_bevcb(l->evh, http_on_bev, l);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", cl->port);
	if ((rc = getaddrinfo(cl->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen %s: %s", cl->host, gai_strerror(rc));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (http_bind(l, ai, cl->tls, err, errlen) == -1)
			break;
		n++;
	}
	freeaddrinfo(res);
	if (ai != NULL || n == 0) {
		if (n == 0 && ai == NULL)
			snprintf(err, errlen, "listen %s: no address", cl->host);
		/* Not counted in nlisteners: close what was bound here. */
		evhttp_free(l->evh);
		l->evh = NULL;
		return (-1);
	}
	log_info("http: listening on %s://%s:%u", cl->tls ? "https" : "http",
	    cl->host, l->port);
	return (0);
}

/* Binds one resolved address and hands the socket to the listener's evhttp. */
static int
http_bind(struct http_listener *l, const struct addrinfo *ai, int tls,
    char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 addr[INET6_ADDRSTRLEN] = "?";
	const void		*a;
	int			 fd, on = 1;

	a = ai->ai_family == AF_INET6 ?
	    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr :
	    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	inet_ntop(ai->ai_family, a, addr, sizeof(addr));
	/* Defence in depth: the name may resolve to a routable address. */
	if (!tls && !util_is_loopback_host(addr)) {
		snprintf(err, errlen, "listen http: %s is not a loopback "
		    "address; plain http is only allowed on loopback", addr);
		return (-1);
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol)) == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, HTTP_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		goto fail;
	if (evhttp_accept_socket_with_handle(l->evh, fd) == NULL)
		goto fail;
	if (l->port == 0)
		l->port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	return (0);
fail:
	snprintf(err, errlen, "listen %s: %s", addr, strerror(errno));
	if (fd != -1)
		close(fd);
	return (-1);
}

/*
 * The limits from the configuration.  Lingering close: when a body is too
 * large evhttp reads and discards what the client still sends, then answers
 * 413, so that the client sees the answer instead of a reset.
 */
static void
http_limits(struct evhttp *evh, const struct conf *conf)
{
	struct timeval	 tv;

	evhttp_set_max_body_size(evh, (ev_ssize_t)conf->http_max_body);
	evhttp_set_max_headers_size(evh, (ev_ssize_t)conf->http_max_headers);
	tv.tv_sec = conf->http_timeout_ms / 1000;
	tv.tv_usec = (conf->http_timeout_ms % 1000) * 1000;
	evhttp_set_timeout_tv(evh, &tv);
	evhttp_set_allowed_methods(evh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS);
	evhttp_set_flags(evh, EVHTTP_SERVER_LINGERING_CLOSE);
}

/*
 * A server TLS context: TLS 1.2 or later, the certificate chain and the
 * key from the configured files, and a check that they belong together.
 * Errors name the file, never its contents.
 */
static SSL_CTX *
http_tls_ctx(const struct conf *conf, char *err, size_t errlen)
{
	SSL_CTX		*ctx;
	const char	*what;
	char		 ssl_err[256] = "";

	if (conf->tls_cert == NULL || conf->tls_key == NULL) {
		snprintf(err, errlen, "https listener without tls_cert and tls_key");
		return (NULL);
	}
	ERR_clear_error();
	what = "SSL_CTX_new";
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	what = conf->tls_cert;
	if (!SSL_CTX_use_certificate_chain_file(ctx, conf->tls_cert))
		goto fail;
	what = conf->tls_key;
	if (!SSL_CTX_use_PrivateKey_file(ctx, conf->tls_key, SSL_FILETYPE_PEM))
		goto fail;
	what = "the key does not match the certificate";
	if (!SSL_CTX_check_private_key(ctx))
		goto fail;
	return (ctx);
fail:
	ERR_error_string_n(ERR_get_error(), ssl_err, sizeof(ssl_err));
	snprintf(err, errlen, "tls: %s: %s", what, ssl_err);
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return (NULL);
}

/* The stats slot of a route pattern, created on first use. */
static size_t
http_stat_get(struct http *http, const char *route)
{
	size_t	 i;

	for (i = 0; i < http->nstats; i++)
		if (strcmp(http->stats[i].route, route) == 0)
			return (i);
	http->stats = xreallocarray(http->stats, http->nstats + 1,
	    sizeof(*http->stats));
	memset(&http->stats[i], 0, sizeof(http->stats[i]));
	http->stats[i].route = xstrdup(route);
	return (http->nstats++);
}

/* Counts one answer; codes beyond HTTP_CODES_MAX distinct ones are not labelled. */
static void
http_stat_count(struct http_stat *st, int code, double secs)
{
	size_t	 i, b;

	for (i = 0; i < st->ncodes; i++)
		if (st->codes[i].code == code)
			break;
	if (i == st->ncodes && st->ncodes < HTTP_CODES_MAX)
		st->codes[st->ncodes++].code = code;
	if (i < st->ncodes)
		st->codes[i].n++;
	for (b = 0; b < HTTP_NBOUNDS && secs > http_bounds[b]; b++)
		;
	st->buckets[b]++;
	st->sum += secs;
}

/* The http families of /metrics. */
static void
http_collect(struct evbuffer *buf, void *arg)
{
	struct http	*http = arg;
	struct http_stat *st;
	char		 route[256], labels[300];
	size_t		 i, j;

	metrics_family(buf, "latchkey_http_requests_total", "counter",
	    "HTTP requests answered, by route pattern and status code.");
	for (i = 0; i < http->nstats; i++) {
		st = &http->stats[i];
		metrics_escape(route, sizeof(route), st->route);
		for (j = 0; j < st->ncodes; j++) {
			snprintf(labels, sizeof(labels), "route=\"%s\",code=\"%d\"",
			    route, st->codes[j].code);
			metrics_sample(buf, "latchkey_http_requests_total",
			    labels, (double)st->codes[j].n);
		}
	}
	metrics_family(buf, "latchkey_http_request_duration_seconds",
	    "histogram", "Time from a request's arrival to its answer.");
	for (i = 0; i < http->nstats; i++) {
		st = &http->stats[i];
		metrics_escape(route, sizeof(route), st->route);
		snprintf(labels, sizeof(labels), "route=\"%s\"", route);
		metrics_histogram(buf, "latchkey_http_request_duration_seconds",
		    labels, http_bounds, st->buckets, HTTP_NBOUNDS, st->sum);
	}
	metrics_family(buf, "latchkey_http_requests_in_flight", "gauge",
	    "HTTP requests received and not yet answered.");
	metrics_sample(buf, "latchkey_http_requests_in_flight", NULL,
	    (double)http->inflight);
}

static const char *
http_method_name(enum evhttp_cmd_type cmd)
{
	size_t	 i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (http_methods[i].cmd == cmd)
			return (http_methods[i].name);
	return ("OTHER");
}

/* Copies at most dstlen - 1 bytes of src, control and non-ASCII bytes as '?': for logs. */
static void
http_sanitise(char *dst, size_t dstlen, const char *src)
{
	size_t	 i;

	for (i = 0; i + 1 < dstlen && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}
