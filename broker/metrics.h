/*
 * metrics.h: the /metrics page in the Prometheus text exposition format.
 * Each module registers a collector that appends its families to the page;
 * the page is assembled on each scrape, so no counter is kept twice.
 */
#ifndef LATCHKEY_METRICS_H
#define LATCHKEY_METRICS_H

#include <stddef.h>
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
/* Escapes a label value ('\\', '"', newline) into dst, NUL-terminated; returns its length. */
size_t	 metrics_escape(char *dst, size_t dstlen, const char *src);
/*
 * Samples of one histogram: counts has nbounds + 1 per-bucket (not
 * cumulative) counts, the last one above every bound; written as cumulative
 * _bucket{le=...} lines ending with le="+Inf", then _sum and _count.
 */
void	 metrics_histogram(struct evbuffer *, const char *name, const char *labels,
	    const double *bounds, const uint64_t *counts, size_t nbounds, double sum);

#endif
