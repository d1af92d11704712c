/*
 * log.c: stderr or syslog logging, after the OpenBSD daemons' log.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static void log_vwrite(int, const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static int		 log_foreground = 1;
static enum log_level	 log_level = LOG_LEVEL_INFO;
static const char	*log_ident = "latchkey";

/* Starts logging; in the background lines go to syslog's daemon facility. */
void
log_init(int foreground, enum log_level level, const char *ident)
{
	log_foreground = foreground;
	log_level = level;
	log_ident = ident;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setlevel(enum log_level level)
{
	log_level = level;
}

enum log_level
log_getlevel(void)
{
	return log_level;
}

void
log_warn(const char *fmt, ...)
{
	char	 buf[1024];
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, "warning", ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, "info", ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, "debug", ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	char	 buf[1024];
	int	 saved = errno;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("fatal: %s: %s", buf, strerror(saved));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("fatal: %s", buf);
	exit(1);
}

/* Writes one line; control characters from peers are escaped by callers. */
static void
log_vwrite(int prio, const char *fmt, const char *tag, va_list ap)
{
	char		 stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	int		 saved = errno;

	if (log_foreground) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s[%s] ", stamp,
		    (long)(ts.tv_nsec / 1000000), log_ident, tag);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else
		vsyslog(prio, fmt, ap);
	errno = saved;
}
