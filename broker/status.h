/*
 * status.h: the operational endpoints: /healthz (the process is alive),
 * /readyz (the directory answers; 503 with a JSON reason otherwise) and
 * /metrics (Prometheus text format).
 */
#ifndef LATCHKEY_STATUS_H
#define LATCHKEY_STATUS_H

struct http;
struct store;

/* Adds the three routes to http; /readyz pings store. */
void	 status_init(struct http *, struct store *);
/* Unregisters store's metrics collector: call before store_free.  NULL-safe. */
void	 status_free(struct store *);

#endif
