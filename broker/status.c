/*
 * status.c: the operational endpoints.  /healthz says the process is alive
 * and serving (it never touches the directory, so a directory outage does
 * not get latchkeyd restarted by a supervisor); /readyz says whether the
 * directory answers a ping now; /metrics is the Prometheus page, to which
 * this file adds the directory's families.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include <jansson.h>

#include "http.h"
#include "metrics.h"
#include "status.h"
#include "store.h"
#include "xmalloc.h"

/* A /readyz request waiting for the directory's answer. */
struct status_ping {
	struct store		*store;
	struct evhttp_request	*req;
	uint64_t		 id;		/* store operation; 0: failed to start */
	int			 gone;		/* client left; the callback frees */
};

static void	 status_healthz(struct evhttp_request *, void *);
static void	 status_readyz(struct evhttp_request *, void *);
static void	 status_metrics(struct evhttp_request *, void *);
static void	 status_on_ping(enum store_err, void *);
static void	 status_on_gone(void *);
static void	 status_collect(struct evbuffer *, void *);

static const struct http_route status_routes[] = {
	{ .method = "GET", .path = "/healthz", .handler = status_healthz },
	{ .method = "GET", .path = "/readyz", .handler = status_readyz },
	{ .method = "GET", .path = "/metrics", .handler = status_metrics },
};

/* Short, stable label values for store results (metrics labels, not prose). */
static const char *const status_results[STORE_CANCELLED + 1] = {
	[STORE_OK] = "ok",
	[STORE_NOTFOUND] = "notfound",
	[STORE_EXISTS] = "exists",
	[STORE_CONFLICT] = "conflict",
	[STORE_AMBIGUOUS] = "ambiguous",
	[STORE_TIMEOUT] = "timeout",
	[STORE_UNAVAILABLE] = "unavailable",
	[STORE_INVALID] = "invalid",
	[STORE_CANCELLED] = "cancelled",
};

/* Adds /healthz, /readyz and /metrics to http, and the directory metrics. */
void
status_init(struct http *http, struct store *store)
{
	http_add_routes(http, status_routes,
	    sizeof(status_routes) / sizeof(status_routes[0]), store);
	if (store != NULL)
		metrics_register(status_collect, store);
}

/* Unregisters the directory collector, so a scrape never reads a freed store. */
void
status_free(struct store *store)
{
	if (store != NULL)
		metrics_unregister(status_collect, store);
}

/* Liveness: answering at all is the answer. */
static void
status_healthz(struct evhttp_request *req, void *arg)
{
	(void)arg;
	http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

/*
 * Readiness: one ping of the directory (bounded by the store's operation
 * timeout).  The request is parked meanwhile: if the client leaves, the
 * ping is cancelled.
 */
static void
status_readyz(struct evhttp_request *req, void *arg)
{
	struct store		*store = arg;
	struct status_ping	*p;

	if (store == NULL) {
		http_reply_error(req, 503, "directory_unavailable",
		    "no directory is configured");
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->store = store;
	p->req = req;
	/* Even a ping that fails to start answers later, from the loop. */
	p->id = store_ping(store, status_on_ping, p);
	http_park(req, status_on_gone, p);
}

/* The directory answered the ping (or failed to). */
static void
status_on_ping(enum store_err err, void *arg)
{
	struct status_ping	*p = arg;
	const char		*why;

	if (p->gone) {
		free(p);
		return;
	}
	if (err == STORE_OK)
		http_reply_json(p->req, 200, json_pack("{s:s, s:s}",
		    "status", "ready", "directory", "up"));
	else {
		/* While down, the store's own reason says more. */
		why = store_state(p->store) != STORE_UP ?
		    store_reason(p->store) : store_strerror(err);
		http_reply_error(p->req, 503, "directory_unavailable", why);
	}
	free(p);
}

/* The /readyz client went away: cancel the ping. */
static void
status_on_gone(void *arg)
{
	struct status_ping	*p = arg;

	if (p->id == 0) {
		/* The store will still call back once: free there. */
		p->gone = 1;
		return;
	}
	store_cancel(p->store, p->id);
	free(p);
}

/* The Prometheus page. */
static void
status_metrics(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*buf;
	size_t		 len;

	(void)arg;
	if ((buf = evbuffer_new()) == NULL) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	metrics_render(buf);
	len = evbuffer_get_length(buf);
	http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    (const char *)evbuffer_pullup(buf, -1), len);
	evbuffer_free(buf);
}

/* The directory families of /metrics, from store_stats. */
static void
status_collect(struct evbuffer *buf, void *arg)
{
	struct store		*store = arg;
	struct store_stats	 st;
	char			 labels[64];
	size_t			 i;

	store_stats(store, &st);
	metrics_family(buf, "latchkey_directory_up", "gauge",
	    "1 if the directory connection is up.");
	metrics_sample(buf, "latchkey_directory_up", NULL,
	    store_state(store) == STORE_UP ? 1 : 0);
	metrics_family(buf, "latchkey_directory_operations_total", "counter",
	    "Directory operations completed, by result.");
	for (i = 0; i <= STORE_CANCELLED; i++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"",
		    status_results[i]);
		metrics_sample(buf, "latchkey_directory_operations_total",
		    labels, (double)st.ops[i]);
	}
	metrics_family(buf, "latchkey_directory_connects_total", "counter",
	    "Successful connections (and binds) to the directory.");
	metrics_sample(buf, "latchkey_directory_connects_total", NULL,
	    (double)st.connects);
	metrics_family(buf, "latchkey_directory_disconnects_total", "counter",
	    "Directory connections lost or closed.");
	metrics_sample(buf, "latchkey_directory_disconnects_total", NULL,
	    (double)st.disconnects);
	metrics_family(buf, "latchkey_directory_pending_operations", "gauge",
	    "Directory operations waiting for an answer.");
	metrics_sample(buf, "latchkey_directory_pending_operations", NULL,
	    (double)st.pending);
	metrics_family(buf, "latchkey_directory_operation_duration_seconds",
	    "histogram", "Time from sending a directory operation to its answer.");
	metrics_histogram(buf, "latchkey_directory_operation_duration_seconds",
	    NULL, store_latency_bounds, st.latency_buckets,
	    sizeof(store_latency_bounds) / sizeof(store_latency_bounds[0]),
	    st.latency_sum);
}
