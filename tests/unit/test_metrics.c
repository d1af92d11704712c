/*
 * test_metrics.c: the collector registry and the Prometheus text format,
 * checked by parsing the page the way a scraper reads it.
 */
#include "config.h"

#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "metrics.h"

static char	*test_metrics_page(void);
static int	 test_metrics_count(const char *, const char *);
static void	 test_metrics_shape(const char *);

static void
test_metrics_coll_a(struct evbuffer *buf, void *arg)
{
	(void)arg;
	metrics_family(buf, "test_a_total", "counter", "A's help, with \\ and\nnewline.");
	metrics_sample(buf, "test_a_total", "kind=\"x\"", 3);
	metrics_sample(buf, "test_a_total", "kind=\"y\"", 4);
}

static void
test_metrics_coll_b(struct evbuffer *buf, void *arg)
{
	static const double	 bounds[] = { 0.01, 0.1, 1 };
	static const uint64_t	 counts[] = { 2, 0, 5, 1 };

	(void)arg;
	metrics_family(buf, "test_b_seconds", "histogram", "B.");
	metrics_histogram(buf, "test_b_seconds", "route=\"/r\"", bounds,
	    counts, 3, 2.5);
}

/* Collectors appear in registration order, once, before the process metrics. */
static void
test_metrics_order(void **state)
{
	char	*page, *a, *b, *p;

	(void)state;
	metrics_register(test_metrics_coll_a, NULL);
	metrics_register(test_metrics_coll_b, NULL);
	metrics_register(test_metrics_coll_a, NULL);	/* duplicate: ignored */
	page = test_metrics_page();
	a = strstr(page, "# TYPE test_a_total counter");
	b = strstr(page, "# TYPE test_b_seconds histogram");
	p = strstr(page, "# TYPE process_start_time_seconds gauge");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(p);
	assert_true(a < b && b < p);
	assert_int_equal(test_metrics_count(page, "# TYPE test_a_total "), 1);
	assert_non_null(strstr(page, "test_a_total{kind=\"x\"} 3\n"));
	/* HELP escapes backslash and newline (text format 0.0.4). */
	assert_non_null(strstr(page,
	    "# HELP test_a_total A's help, with \\\\ and\\nnewline.\n"));
	test_metrics_shape(page);
	free(page);

	metrics_unregister(test_metrics_coll_a, NULL);
	page = test_metrics_page();
	assert_null(strstr(page, "test_a_total"));
	assert_non_null(strstr(page, "test_b_seconds_count"));
	free(page);
	metrics_unregister(test_metrics_coll_b, NULL);
}

/* Buckets are cumulative, end with +Inf, and _count equals the +Inf bucket. */
static void
test_metrics_histogram(void **state)
{
	char	*page;

	(void)state;
	metrics_register(test_metrics_coll_b, NULL);
	page = test_metrics_page();
	assert_non_null(strstr(page,
	    "test_b_seconds_bucket{route=\"/r\",le=\"0.01\"} 2\n"
	    "test_b_seconds_bucket{route=\"/r\",le=\"0.1\"} 2\n"
	    "test_b_seconds_bucket{route=\"/r\",le=\"1\"} 7\n"
	    "test_b_seconds_bucket{route=\"/r\",le=\"+Inf\"} 8\n"
	    "test_b_seconds_sum{route=\"/r\"} 2.5\n"
	    "test_b_seconds_count{route=\"/r\"} 8\n"));
	test_metrics_shape(page);
	free(page);
	metrics_unregister(test_metrics_coll_b, NULL);
}

/* Label values escape backslash, quote and newline, and truncate safely. */
static void
test_metrics_escape(void **state)
{
	char	 buf[64], small[4];

	(void)state;
	assert_int_equal(metrics_escape(buf, sizeof(buf), "a\"b\\c\nd"), 10);
	assert_string_equal(buf, "a\\\"b\\\\c\\nd");
	/* Never half an escape sequence at the end. */
	metrics_escape(small, sizeof(small), "ab\"c");
	assert_string_equal(small, "ab");
}

/* The process families are there with plausible values. */
static void
test_metrics_process(void **state)
{
	char	*page, *p;
	double	 start, fds, maxfds, rss;

	(void)state;
	page = test_metrics_page();
	test_metrics_shape(page);
	assert_non_null(p = strstr(page, "\nprocess_start_time_seconds "));
	start = strtod(p + strlen("\nprocess_start_time_seconds "), NULL);
	assert_true(start <= (double)time(NULL) + 1);
	assert_true(start > (double)time(NULL) - 3600);
	assert_non_null(strstr(page, "\nprocess_cpu_seconds_total "));
	assert_non_null(p = strstr(page, "\nprocess_resident_memory_bytes "));
	rss = strtod(p + strlen("\nprocess_resident_memory_bytes "), NULL);
	assert_true(rss > 100000);
	assert_non_null(p = strstr(page, "\nprocess_open_fds "));
	fds = strtod(p + strlen("\nprocess_open_fds "), NULL);
	assert_true(fds >= 3);
	assert_non_null(p = strstr(page, "\nprocess_max_fds "));
	maxfds = strtod(p + strlen("\nprocess_max_fds "), NULL);
	assert_true(maxfds >= fds);
	free(page);
}

/* The page as a string. */
static char *
test_metrics_page(void)
{
	struct evbuffer	*buf;
	char		*s;
	size_t		 len;

	assert_non_null(buf = evbuffer_new());
	metrics_render(buf);
	len = evbuffer_get_length(buf);
	s = malloc(len + 1);
	assert_non_null(s);
	evbuffer_remove(buf, s, len);
	s[len] = '\0';
	evbuffer_free(buf);
	return (s);
}

static int
test_metrics_count(const char *page, const char *needle)
{
	int	 n = 0;

	while ((page = strstr(page, needle)) != NULL) {
		n++;
		page++;
	}
	return (n);
}

/*
 * Every line is a HELP, a TYPE or a sample; HELP then TYPE open each family
 * once; samples belong to the family just opened (histograms with their
 * suffixes); the page ends with a newline.
 */
static void
test_metrics_shape(const char *page)
{
	regex_t		 help, type, sample;
	regmatch_t	 m[3];
	char		 family[128] = "", name[128], seen[8192] = " ";
	const char	*line, *nl;
	char		 l[1024];
	size_t		 len, flen;

	assert_int_equal(regcomp(&help, "^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$",
	    REG_EXTENDED), 0);
	assert_int_equal(regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
	    "(counter|gauge|histogram|summary|untyped)$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&sample, "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
	    "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\.)*\",?)*\\})? "
	    "(-?[0-9.e+-]+|[+-]Inf|NaN)$", REG_EXTENDED), 0);
	assert_true(strlen(page) > 0 && page[strlen(page) - 1] == '\n');
	for (line = page; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		len = (size_t)(nl - line);
		assert_true(len < sizeof(l));
		memcpy(l, line, len);
		l[len] = '\0';
		if (regexec(&help, l, 2, m, 0) == 0) {
			len = (size_t)(m[1].rm_eo - m[1].rm_so);
			snprintf(family, sizeof(family), "%.*s", (int)len,
			    l + m[1].rm_so);
			/* A family is opened once per page. */
			snprintf(name, sizeof(name), " %s ", family);
			assert_null(strstr(seen, name));
			strncat(seen, name + 1, sizeof(seen) - strlen(seen) - 1);
			continue;
		}
		if (regexec(&type, l, 2, m, 0) == 0) {
			assert_int_equal(strncmp(l + m[1].rm_so, family,
			    strlen(family)), 0);
			continue;
		}
		if (regexec(&sample, l, 2, m, 0) != 0)
			fail_msg("not a sample line: %s", l);
		flen = strlen(family);
		assert_true(flen > 0);
		snprintf(name, sizeof(name), "%.*s",
		    (int)(m[1].rm_eo - m[1].rm_so), l + m[1].rm_so);
		assert_int_equal(strncmp(name, family, flen), 0);
		assert_true(name[flen] == '\0' ||
		    strcmp(name + flen, "_bucket") == 0 ||
		    strcmp(name + flen, "_sum") == 0 ||
		    strcmp(name + flen, "_count") == 0);
	}
	regfree(&help);
	regfree(&type);
	regfree(&sample);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_order),
		cmocka_unit_test(test_metrics_histogram),
		cmocka_unit_test(test_metrics_escape),
		cmocka_unit_test(test_metrics_process),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
