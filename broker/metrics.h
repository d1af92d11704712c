/*
 * metrics.h: the /metrics page in the Prometheus text exposition format.
 * Each module registers a collector that appends its families to the page;
 * the page is assembled on each scrape, so no counter is kept twice.
 */
#ifndef LATCHKEY_METRICS_H
#define LATCHKEY_METRICS_H

#include <stdint.h>

struct evbuffer;

typedef void (*metrics_collector)(struct evbuffer *, void *arg);

/* Adds a collector; the same (fn, arg) twice is ignored. */
void	 metrics_register(metrics_collector, void *arg);
void	 metrics_unregister(metrics_collector, void *arg);
/* Appends every collector's output, then the process metrics. */
void	 metrics_render(struct evbuffer *);

/* Helpers for collectors: HELP and TYPE lines, then samples. */
void	 metrics_family(struct evbuffer *, const char *name, const char *type, const char *help);
void	 metrics_sample(struct evbuffer *, const char *name, const char *labels, double value);

#endif
