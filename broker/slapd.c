/*
 * slapd.c: the embedded directory's supervisor (slapd_setup.c creates the
 * directory).  The supervisor runs Debian's slapd in the foreground as our
 * child inside the caller's event loop, listening only on the ldapi socket
 * under STATE_DIR/slapd, logs what it writes to stderr, and restarts it
 * with backoff when it dies.  The helpers both halves share (paths, finding
 * the binaries, the child's exec) are here too.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <ldap.h>

#include "conf.h"
#include "log.h"
#include "slapd.h"
#include "slapd_priv.h"
#include "util.h"
#include "xmalloc.h"

#define SLAPD_BACKOFF_MIN_MS	1000		/* first restart delay */
#define SLAPD_BACKOFF_MAX_MS	30000		/* restart delay ceiling */
#define SLAPD_STABLE_MS		60000		/* uptime that resets the backoff */
#define SLAPD_STOP_WAIT_MS	5000		/* SIGTERM grace before SIGKILL */
#define SLAPD_LINE_MAX		512		/* longest slapd stderr line we keep whole */

enum slapd_state {
	SLAPD_IDLE,		/* not started, or stopped */
	SLAPD_RUNNING,		/* child forked and not yet reaped */
	SLAPD_BACKOFF,		/* died; restart timer armed */
};

struct slapd {
	struct event_base	*base;
	enum slapd_state	 state;
	char			*bin;		/* slapd binary */
	char			*uri;		/* ldapi://... for -h */
	char			*confdir;	/* STATE_DIR/slapd/slapd.d for -F */
	char			*sock;		/* STATE_DIR/slapd/ldapi */
	pid_t			 pid;
	uint64_t		 started_ms;
	uint64_t		 backoff_ms;
	int			 failing;	/* died, and not stable since */
	struct event		*ev_chld;
	struct event		*ev_restart;
	struct event		*ev_err;	/* the child's stderr */
	int			 errfd;
	char			 line[SLAPD_LINE_MAX];	/* partial stderr line */
	size_t			 linelen;
	char			 last[SLAPD_LINE_MAX];	/* last complete line */
};

static const char *slapd_state_names[] = {
	[SLAPD_IDLE] = "idle", [SLAPD_RUNNING] = "running", [SLAPD_BACKOFF] = "backoff",
};

static void	 slapd_enter_state(struct slapd *, enum slapd_state);
static int	 slapd_spawn(struct slapd *);
static void	 slapd_reaped(struct slapd *, int);
static void	 slapd_on_sigchld(evutil_socket_t, short, void *);
static void	 slapd_on_restart(evutil_socket_t, short, void *);
static void	 slapd_on_stderr(evutil_socket_t, short, void *);
static void	 slapd_drain_stderr(struct slapd *);
static void	 slapd_close_stderr(struct slapd *);
static int	 slapd_noise(const char *);
static int	 slapd_sock_alive(const char *);

/* The ldapi:// URI of the embedded directory: every byte outside RFC 3986's unreserved set as %XX. */
char *
slapd_uri(const struct conf *conf)
{
	static const char hex[] = "0123456789ABCDEF";
	char		*path, *uri, *p;
	const unsigned char *s;

	path = slapd_path(conf, "ldapi");
	uri = p = xmalloc(strlen("ldapi://") + 3 * strlen(path) + 1);
	p += sprintf(p, "ldapi://");
	for (s = (const unsigned char *)path; *s != '\0'; s++) {
		/* ASCII by value, not isalnum(): a locale must not change the URI. */
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("._~-", *s) != NULL)
			*p++ = *s;
		else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 0xf];
		}
	}
	*p = '\0';
	free(path);
	return uri;
}

/* Creates a supervisor; copies what it needs from conf, which may be swapped by a reload. */
struct slapd *
slapd_new(struct event_base *base, const struct conf *conf)
{
	struct slapd	*sd;
	char		 bin[PATH_MAX];

	sd = xcalloc(1, sizeof(*sd));
	sd->base = base;
	sd->pid = -1;
	sd->errfd = -1;
	sd->backoff_ms = SLAPD_BACKOFF_MIN_MS;
	if (slapd_find_bin(conf->slapd_path, SLAPD_PATH, "slapd", bin, sizeof(bin)) == 0)
		sd->bin = xstrdup(bin);
	sd->uri = slapd_uri(conf);
	sd->confdir = slapd_path(conf, "slapd.d");
	sd->sock = slapd_path(conf, "ldapi");
	/* Reaps only our own pid, so other SIGCHLD events in the loop stay theirs. */
	if ((sd->ev_chld = evsignal_new(base, SIGCHLD, slapd_on_sigchld, sd)) == NULL ||
	    (sd->ev_restart = evtimer_new(base, slapd_on_restart, sd)) == NULL)
		fatalx("slapd: cannot create events");
	return sd;
}

int
slapd_start(struct slapd *sd)
{
	if (sd->state != SLAPD_IDLE)
		return 0;
	if (sd->bin == NULL) {
		log_warnx(SLAPD_NOT_FOUND);
		return -1;
	}
	if (evsignal_add(sd->ev_chld, NULL) == -1) {
		log_warnx("slapd: cannot watch SIGCHLD");
		return -1;
	}
	sd->backoff_ms = SLAPD_BACKOFF_MIN_MS;
	sd->failing = 0;
	if (slapd_spawn(sd) == -1) {
		evsignal_del(sd->ev_chld);
		return -1;
	}
	log_info("slapd started (pid %ld) on %s", (long)sd->pid, sd->uri);
	return 0;
}

/*
 * Stops slapd: SIGTERM, up to SLAPD_STOP_WAIT_MS for it to write its
 * database and exit, then SIGKILL.  Blocks: it runs only at shutdown.
 */
void
slapd_stop(struct slapd *sd)
{
	struct timespec	 tick = { 0, 50 * 1000 * 1000 };
	uint64_t	 deadline;
	int		 status;
	pid_t		 r;

	if (sd == NULL)
		return;
	evtimer_del(sd->ev_restart);
	evsignal_del(sd->ev_chld);
	if (sd->state == SLAPD_RUNNING && sd->pid > 0) {
		kill(sd->pid, SIGTERM);
		deadline = util_now_ms() + SLAPD_STOP_WAIT_MS;
		while ((r = waitpid(sd->pid, &status, WNOHANG)) == 0 &&
		    util_now_ms() < deadline)
			nanosleep(&tick, NULL);
		if (r == 0) {
			log_warnx("slapd (pid %ld) ignored SIGTERM for %d s: killing it",
			    (long)sd->pid, SLAPD_STOP_WAIT_MS / 1000);
			kill(sd->pid, SIGKILL);
			while (waitpid(sd->pid, &status, 0) == -1 && errno == EINTR)
				;
		}
		log_info("slapd (pid %ld) stopped", (long)sd->pid);
	}
	slapd_close_stderr(sd);
	sd->pid = -1;
	slapd_enter_state(sd, SLAPD_IDLE);
}

void
slapd_free(struct slapd *sd)
{
	if (sd == NULL)
		return;
	slapd_stop(sd);
	event_free(sd->ev_chld);
	event_free(sd->ev_restart);
	free(sd->bin);
	free(sd->uri);
	free(sd->confdir);
	free(sd->sock);
	free(sd);
}

pid_t
slapd_pid(const struct slapd *sd)
{
	return (sd != NULL && sd->state == SLAPD_RUNNING) ? sd->pid : -1;
}

/* The one place the supervisor's state changes. */
static void
slapd_enter_state(struct slapd *sd, enum slapd_state state)
{
	if (sd->state != state)
		log_debug("slapd: %s -> %s", slapd_state_names[sd->state],
		    slapd_state_names[state]);
	sd->state = state;
}

/* SIGCHLD: someone's child changed state; reap ours only, by pid. */
static void
slapd_on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct slapd	*sd = arg;
	int		 status;
	pid_t		 r;

	(void)sig;
	(void)what;
	if (sd->state != SLAPD_RUNNING || sd->pid <= 0)
		return;
	while ((r = waitpid(sd->pid, &status, WNOHANG)) == -1 && errno == EINTR)
		;
	if (r == sd->pid)
		slapd_reaped(sd, status);
	else if (r == -1)
		slapd_reaped(sd, -1);	/* ECHILD: someone reaped it for us */
}

/* The restart timer fired: try again, and back off further if even forking fails. */
static void
slapd_on_restart(evutil_socket_t fd, short what, void *arg)
{
	struct slapd	*sd = arg;
	struct timeval	 tv;

	(void)fd;
	(void)what;
	if (sd->state != SLAPD_BACKOFF)
		return;
	if (slapd_spawn(sd) == 0) {
		log_debug("slapd restarted (pid %ld)", (long)sd->pid);
		return;
	}
	tv.tv_sec = sd->backoff_ms / 1000;
	tv.tv_usec = (sd->backoff_ms % 1000) * 1000;
	evtimer_add(sd->ev_restart, &tv);
	sd->backoff_ms = sd->backoff_ms * 2 > SLAPD_BACKOFF_MAX_MS ?
	    SLAPD_BACKOFF_MAX_MS : sd->backoff_ms * 2;
}

/* slapd's stderr: each line goes to our log at debug level; the last one is kept for the exit line. */
static void
slapd_on_stderr(evutil_socket_t fd, short what, void *arg)
{
	struct slapd	*sd = arg;

	(void)fd;
	(void)what;
	slapd_drain_stderr(sd);
}

/* Our child is gone: log once, then schedule the restart with backoff. */
static void
slapd_reaped(struct slapd *sd, int status)
{
	struct timeval	 tv;
	char		 how[64];
	uint64_t	 up;

	slapd_drain_stderr(sd);
	slapd_close_stderr(sd);
	if (status == -1)
		snprintf(how, sizeof(how), "exited");
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	up = util_now_ms() - sd->started_ms;
	if (up >= SLAPD_STABLE_MS) {
		sd->backoff_ms = SLAPD_BACKOFF_MIN_MS;
		sd->failing = 0;
	}
	/* slapd's last words explain an exit, not a kill. */
	if (status != -1 && WIFSIGNALED(status))
		sd->last[0] = '\0';
	/* One warning per outage: a crash loop repeats at debug level only. */
	(sd->failing ? log_debug : log_warnx)("slapd (pid %ld) %s after %llu s%s%s; "
	    "restarting in %llu s", (long)sd->pid, how, (unsigned long long)(up / 1000),
	    sd->last[0] != '\0' ? ": " : "", sd->last,
	    (unsigned long long)(sd->backoff_ms / 1000));
	sd->failing = 1;
	sd->pid = -1;
	slapd_enter_state(sd, SLAPD_BACKOFF);
	tv.tv_sec = sd->backoff_ms / 1000;
	tv.tv_usec = (sd->backoff_ms % 1000) * 1000;
	evtimer_add(sd->ev_restart, &tv);
	sd->backoff_ms = sd->backoff_ms * 2 > SLAPD_BACKOFF_MAX_MS ?
	    SLAPD_BACKOFF_MAX_MS : sd->backoff_ms * 2;
}

/* Forks and execs slapd; 0 once the child exists (readiness is the store's to judge). */
static int
slapd_spawn(struct slapd *sd)
{
	struct stat	 st;
	int		 pfd[2];
	pid_t		 pid;
	/* -d none: stay in the foreground and print only errors (slapd's "none" level). */
	char *const	 argv[] = { sd->bin, "-d", "none", "-h", sd->uri, "-F", sd->confdir,
			    NULL };

	/* A live socket means another slapd serves this database: never run two. */
	if (slapd_sock_alive(sd->sock)) {
		log_warnx("slapd: %s is served by another process; not starting", sd->sock);
		return -1;
	}
	if (lstat(sd->sock, &st) == 0 && S_ISSOCK(st.st_mode) && unlink(sd->sock) == -1)
		log_warn("slapd: cannot remove stale socket %s", sd->sock);
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_warn("slapd: pipe");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("slapd: fork");
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0)
		slapd_child_exec(-1, pfd[1], argv);
	close(pfd[1]);
	sd->pid = pid;
	sd->errfd = pfd[0];
	sd->linelen = 0;
	sd->last[0] = '\0';
	evutil_make_socket_nonblocking(sd->errfd);
	if ((sd->ev_err = event_new(sd->base, sd->errfd, EV_READ | EV_PERSIST,
	    slapd_on_stderr, sd)) == NULL || event_add(sd->ev_err, NULL) == -1)
		fatalx("slapd: cannot watch stderr");
	sd->started_ms = util_now_ms();
	slapd_enter_state(sd, SLAPD_RUNNING);
	return 0;
}

/*
 * In the child: stdout to outfd (-1: /dev/null), stderr to errfd, no
 * inherited descriptors or signal state, then exec.
 */
void
slapd_child_exec(int outfd, int errfd, char *const argv[])
{
	sigset_t	 all;
	int		 fd;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* Own process group: a terminal's ^C reaches latchkeyd, which stops slapd in order. */
	setpgid(0, 0);
#ifdef __linux__
	/* If latchkeyd dies hard, slapd must not outlive it holding the database. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if ((fd = open("/dev/null", O_RDWR)) == -1 || dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(outfd == -1 ? fd : outfd, STDOUT_FILENO) == -1 ||
	    dup2(errfd, STDERR_FILENO) == -1)
		_exit(126);
	for (fd = STDERR_FILENO + 1; fd < 1024; fd++)
		close(fd);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Reads what slapd wrote, line by line; strips slapd's "timestamp thread" prefix. */
static void
slapd_drain_stderr(struct slapd *sd)
{
	char		 buf[1024], *s;
	ssize_t		 n, i;

	if (sd->errfd == -1)
		return;
	while ((n = read(sd->errfd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n' && sd->linelen < sizeof(sd->line) - 1) {
				sd->line[sd->linelen++] = isprint((unsigned char)buf[i]) ?
				    buf[i] : ' ';
				continue;
			}
			if (buf[i] != '\n')
				continue;	/* overlong: keep the head, drop the rest */
			sd->line[sd->linelen] = '\0';
			sd->linelen = 0;
			s = sd->line;
			if (strspn(s, "0123456789abcdef.") > 8 && (s = strchr(s, ' ')) != NULL &&
			    strncmp(s, " 0x", 3) == 0 && (s = strchr(s + 1, ' ')) != NULL)
				s++;
			else
				s = sd->line;
			if (*s == '\0')
				continue;
			log_debug("slapd: %s", s);
			if (!slapd_noise(s))
				snprintf(sd->last, sizeof(sd->last), "%s", s);
		}
	}
	if (n == 0)
		slapd_close_stderr(sd);
}

/* 1 for the banner and shutdown lines, which never explain why slapd exited. */
static int
slapd_noise(const char *line)
{
	static const char *noise[] = { "@(#)", "slapd stopped", "slapd shutdown",
	    "slapd starting", "connections_destroy", "Debian OpenLDAP" };
	size_t	 i;

	while (*line == ' ')
		line++;
	for (i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
		if (strncmp(line, noise[i], strlen(noise[i])) == 0)
			return 1;
	return 0;
}

static void
slapd_close_stderr(struct slapd *sd)
{
	if (sd->ev_err != NULL) {
		event_free(sd->ev_err);
		sd->ev_err = NULL;
	}
	if (sd->errfd != -1) {
		close(sd->errfd);
		sd->errfd = -1;
	}
}

/* STATE_DIR/slapd, or a path under it (new string). */
char *
slapd_path(const struct conf *conf, const char *sub)
{
	char	*p;

	if (sub == NULL)
		xasprintf(&p, "%s/slapd", conf->state_dir);
	else
		xasprintf(&p, "%s/slapd/%s", conf->state_dir, sub);
	return p;
}

/*
 * Finds an executable: want if given (a path, or a name looked up in PATH),
 * else builtin, else name in PATH and the sbin directories a non-root PATH
 * often lacks.  0 with the path in out, or -1.
 */
int
slapd_find_bin(const char *want, const char *builtin, const char *name, char *out,
    size_t outlen)
{
	const char	*path;
	char		*dirs, *dir, *save;
	int		 found = 0;

	if (want != NULL && strchr(want, '/') != NULL) {
		if (access(want, X_OK) == -1)
			return -1;
		return (size_t)snprintf(out, outlen, "%s", want) < outlen ? 0 : -1;
	}
	if (want != NULL)
		name = want;
	else if (builtin != NULL && access(builtin, X_OK) == 0)
		return (size_t)snprintf(out, outlen, "%s", builtin) < outlen ? 0 : -1;
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	xasprintf(&dirs, "%s:/usr/sbin:/sbin", path);
	for (dir = strtok_r(dirs, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, outlen, "%s/%s", dir, name);
		found = dir[0] == '/' && access(out, X_OK) == 0;
	}
	free(dirs);
	return found ? 0 : -1;
}

/* 1 if a process accepts connections on the unix socket at path. */
static int
slapd_sock_alive(const char *path)
{
	struct sockaddr_un sun;
	int		 s, alive;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	alive = connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(s);
	return alive;
}

