/*
 * audit.c: the audit trail, a sink apart from the log (STYLE 8).  Each
 * event is one JSON object on one line, appended to the audit file and sent
 * to syslog (facility auth).  jansson writes the JSON, so a user name with
 * a newline or a quote cannot forge a line.  Callers never pass a TAP code,
 * a challenge or a key: the events name passes and passkeys by their ids.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "log.h"
#include "xmalloc.h"

#define AUDIT_IDENT	"latchkeyd"
#define AUDIT_SYSLOG_SOCK	"/dev/log"	/* glibc's _PATH_LOG */
#define AUDIT_SYSLOG_RECHECK	10	/* seconds between looks for a syslog daemon */

static int	 audit_fd = -1;
static char	*audit_path;

static void	 audit_time(char *, size_t);
static int	 audit_syslog_up(void);

int
audit_open(const char *path, char *err, size_t errlen)
{
	int	 fd;

	audit_close();
	/*
	 * The priority of each line names its facility (auth), so the default
	 * facility stays the daemon's own (log.c opens syslog the same way).
	 */
	openlog(AUDIT_IDENT, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (path == NULL)
		return 0;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0640)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	audit_fd = fd;
	audit_path = xstrdup(path);
	return 0;
}

void
audit_close(void)
{
	if (audit_fd != -1)
		close(audit_fd);
	audit_fd = -1;
	free(audit_path);
	audit_path = NULL;
}

void
audit_event(const char *event, const char *outcome, const char *actor,
    const char *subject, const char *client, json_t *extra)
{
	char		 when[32], *line;
	json_t		*o;
	size_t		 len;
	ssize_t		 n;

	audit_time(when, sizeof(when));
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "time", when,
	    "event", event != NULL ? event : "unknown", "outcome", outcome,
	    "actor", actor, "subject", subject, "client", client);
	if (o == NULL)
		fatalx("audit_event: out of memory");
	/* The event's own fields never replace the common ones. */
	if (extra != NULL && json_is_object(extra))
		json_object_update_missing(o, extra);
	json_decref(extra);
	if ((line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		fatalx("audit_event: out of memory");
	json_decref(o);
	if (audit_syslog_up())
		syslog(LOG_AUTH | LOG_INFO, "%s", line);
	if (audit_fd != -1) {
		len = strlen(line);
		line[len++] = '\n';	/* over the NUL: the buffer is ours */
		/*
		 * One write(2) per line with O_APPEND: POSIX makes the seek and
		 * the write one step, but does not promise that a line to a
		 * regular file is never split by a concurrent writer (PIPE_BUF
		 * is for pipes).  One write per line is the best we can do.
		 */
		if ((n = write(audit_fd, line, len)) == -1)
			log_warn("audit: %s", audit_path);
		else if ((size_t)n != len)
			log_warnx("audit: %s: short write (%zd of %zu bytes)", audit_path,
			    n, len);
	}
	free(line);
}

/*
 * Whether a syslog daemon listens.  Without one, syslog(3) tries to
 * connect again on every call (three system calls for a line that goes
 * nowhere, on the RADIUS challenge path once per request); the socket is
 * looked for again every AUDIT_SYSLOG_RECHECK seconds, so a daemon
 * started later gets the lines from then on.
 */
static int
audit_syslog_up(void)
{
	static time_t	 checked;
	static int	 up;
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (checked == 0 || ts.tv_sec - checked >= AUDIT_SYSLOG_RECHECK) {
		checked = ts.tv_sec != 0 ? ts.tv_sec : 1;
		up = access(AUDIT_SYSLOG_SOCK, W_OK) == 0;
	}
	return (up);
}

/* RFC 3339 UTC with milliseconds: "2026-12-07T10:00:00.123Z". */
static void
audit_time(char *buf, size_t len)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 sec[24];
	int		 ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	ms = (int)(ts.tv_nsec / 1000000) % 1000;
	snprintf(buf, len, "%.19s.%03dZ", sec, ms);
}
