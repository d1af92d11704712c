/*
 * metrics.c: the collector registry and the Prometheus text exposition
 * format (version 0.0.4).  Collectors append their families to the page on
 * each scrape; this file adds the standard process_* families last.
 *
 * Format rules kept here so collectors cannot get them wrong: HELP and TYPE
 * once per family, before its samples; HELP text escapes '\' and newline;
 * label values escape '\', '"' and newline; histogram buckets are
 * cumulative, end with le="+Inf", and are followed by _sum and _count.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/time.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "xmalloc.h"

struct metrics_entry {
	metrics_collector	 fn;
	void			*arg;
};

static void	 metrics_process(struct evbuffer *);
static double	 metrics_start_time(void);
static void	 metrics_value(struct evbuffer *, double);
static void	 metrics_escape_help(struct evbuffer *, const char *);

static struct metrics_entry	*metrics_entries;
static size_t			 metrics_nentries;

/* Adds a collector at the end of the page; a duplicate (fn, arg) is ignored. */
void
metrics_register(metrics_collector fn, void *arg)
{
	size_t	 i;

	for (i = 0; i < metrics_nentries; i++)
		if (metrics_entries[i].fn == fn && metrics_entries[i].arg == arg)
			return;
	metrics_entries = xreallocarray(metrics_entries, metrics_nentries + 1,
	    sizeof(*metrics_entries));
	metrics_entries[metrics_nentries].fn = fn;
	metrics_entries[metrics_nentries].arg = arg;
	metrics_nentries++;
}

/* Removes a collector, keeping the order of the others. */
void
metrics_unregister(metrics_collector fn, void *arg)
{
	size_t	 i;

	for (i = 0; i < metrics_nentries; i++) {
		if (metrics_entries[i].fn != fn || metrics_entries[i].arg != arg)
			continue;
		memmove(&metrics_entries[i], &metrics_entries[i + 1],
		    (metrics_nentries - i - 1) * sizeof(*metrics_entries));
		metrics_nentries--;
		break;
	}
	if (metrics_nentries == 0) {
		free(metrics_entries);
		metrics_entries = NULL;
	}
}

/*
 * Appends the whole page: every collector in registration order, then the
 * process metrics.  A collector may unregister another while we iterate,
 * so the count is reread on every step.
 */
void
metrics_render(struct evbuffer *buf)
{
	size_t	 i;

	for (i = 0; i < metrics_nentries; i++)
		metrics_entries[i].fn(buf, metrics_entries[i].arg);
	metrics_process(buf);
}

/* Writes the HELP and TYPE lines that open a family. */
void
metrics_family(struct evbuffer *buf, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(buf, "# HELP %s ", name);
	metrics_escape_help(buf, help);
	evbuffer_add_printf(buf, "\n# TYPE %s %s\n", name, type);
}

/* Writes one sample; labels is the inside of {...} (already escaped) or NULL. */
void
metrics_sample(struct evbuffer *buf, const char *name, const char *labels,
    double value)
{
	if (labels != NULL && *labels != '\0')
		evbuffer_add_printf(buf, "%s{%s} ", name, labels);
	else
		evbuffer_add_printf(buf, "%s ", name);
	metrics_value(buf, value);
	evbuffer_add(buf, "\n", 1);
}

/*
 * Escapes a label value into dst (always NUL-terminated, truncated to fit
 * on a character boundary of the escaping).  Returns the length written.
 */
size_t
metrics_escape(char *dst, size_t dstlen, const char *src)
{
	size_t	 n = 0;
	char	 esc;

	if (dstlen == 0)
		return (0);
	for (; *src != '\0'; src++) {
		esc = *src == '\\' ? '\\' : *src == '"' ? '"' :
		    *src == '\n' ? 'n' : '\0';
		if (esc != '\0') {
			if (n + 2 >= dstlen)
				break;
			dst[n++] = '\\';
			dst[n++] = esc;
		} else {
			if (n + 1 >= dstlen)
				break;
			dst[n++] = *src;
		}
	}
	dst[n] = '\0';
	return (n);
}

/*
 * Writes the samples of one histogram.  counts holds nbounds + 1 counts per
 * bucket (not cumulative; the last is above every bound); labels, if any,
 * go before le.  The family line is the caller's.
 */
void
metrics_histogram(struct evbuffer *buf, const char *name, const char *labels,
    const double *bounds, const uint64_t *counts, size_t nbounds, double sum)
{
	const char	*sep = labels != NULL && *labels != '\0' ? "," : "";
	uint64_t	 cum = 0;
	size_t		 i;

	if (labels == NULL)
		labels = "";
	for (i = 0; i <= nbounds; i++) {
		cum += counts[i];
		evbuffer_add_printf(buf, "%s_bucket{%s%sle=\"", name, labels, sep);
		if (i < nbounds)
			metrics_value(buf, bounds[i]);
		else
			evbuffer_add(buf, "+Inf", 4);
		evbuffer_add_printf(buf, "\"} %llu\n", (unsigned long long)cum);
	}
	evbuffer_add_printf(buf, "%s_sum%s%s%s ", name, *labels ? "{" : "",
	    labels, *labels ? "}" : "");
	metrics_value(buf, sum);
	evbuffer_add_printf(buf, "\n%s_count%s%s%s %llu\n", name,
	    *labels ? "{" : "", labels, *labels ? "}" : "",
	    (unsigned long long)cum);
}

/* The standard process families, as the Prometheus client libraries name them. */
static void
metrics_process(struct evbuffer *buf)
{
	struct rusage	 ru;
	struct rlimit	 rl;
	struct dirent	*de;
	DIR		*dir;
	FILE		*fp;
	unsigned long	 size, resident;
	double		 fds = 0;

	metrics_family(buf, "process_start_time_seconds", "gauge",
	    "Start time of the process since the epoch in seconds.");
	metrics_sample(buf, "process_start_time_seconds", NULL,
	    metrics_start_time());

	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		metrics_family(buf, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
		metrics_sample(buf, "process_cpu_seconds_total", NULL,
		    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}

	if ((fp = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(fp, "%lu %lu", &size, &resident) == 2) {
			metrics_family(buf, "process_resident_memory_bytes",
			    "gauge", "Resident memory size in bytes.");
			metrics_sample(buf, "process_resident_memory_bytes",
			    NULL, (double)resident * sysconf(_SC_PAGESIZE));
		}
		fclose(fp);
	}

	if ((dir = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(dir)) != NULL)
			if (de->d_name[0] != '.')
				fds++;
		closedir(dir);
		/* The directory stream itself held one descriptor. */
		metrics_family(buf, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
		metrics_sample(buf, "process_open_fds", NULL, fds - 1);
	}

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		metrics_family(buf, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.");
		metrics_sample(buf, "process_max_fds", NULL,
		    rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur);
	}
}

/*
 * The process start time: proc(5) gives it in clock ticks since boot
 * (field 22 of /proc/self/stat), /proc/stat gives the boot time.  Computed
 * once; if /proc is unreadable, the time of the first scrape stands in.
 */
static double
metrics_start_time(void)
{
	static double	 start;
	char		 line[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	FILE		*fp;
	int		 field;

	if (start != 0)
		return (start);
	if ((fp = fopen("/proc/self/stat", "r")) != NULL) {
		/* The command name (field 2) may hold spaces: skip past its ')'. */
		if (fgets(line, sizeof(line), fp) != NULL &&
		    (p = strrchr(line, ')')) != NULL) {
			for (field = 2; field < 22 && p != NULL; field++)
				p = strchr(p + 1, ' ');
			if (p != NULL)
				ticks = strtoull(p + 1, NULL, 10);
		}
		fclose(fp);
	}
	if ((fp = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL)
			if (sscanf(line, "btime %llu", &btime) == 1)
				break;
		fclose(fp);
	}
	if (btime != 0 && ticks != 0)
		start = btime + (double)ticks / sysconf(_SC_CLK_TCK);
	else
		start = (double)time(NULL);
	return (start);
}

/* Sample values: integers without a fraction, +Inf/-Inf/NaN as the format spells them. */
static void
metrics_value(struct evbuffer *buf, double v)
{
	if (isnan(v))
		evbuffer_add(buf, "NaN", 3);
	else if (isinf(v))
		evbuffer_add_printf(buf, "%sInf", v > 0 ? "+" : "-");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		evbuffer_add_printf(buf, "%.0f", v);
	else
		evbuffer_add_printf(buf, "%.15g", v);
}

/* HELP text: '\' and newline are escaped (text format 0.0.4). */
static void
metrics_escape_help(struct evbuffer *buf, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			evbuffer_add(buf, "\\\\", 2);
		else if (*s == '\n')
			evbuffer_add(buf, "\\n", 2);
		else
			evbuffer_add(buf, s, 1);
	}
}
