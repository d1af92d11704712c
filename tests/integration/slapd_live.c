/*
 * slapd_live: drives broker/slapd.c for tests/integration/slapd.sh.
 *
 *   slapd_live [-s SLAPD] uri STATE_DIR
 *   slapd_live [-s SLAPD] [-u UID] setup STATE_DIR BASE_DN
 *   slapd_live [-s SLAPD] run STATE_DIR
 *   slapd_live conf-uri FILE
 *
 * setup creates the embedded directory owned by the current user (or UID,
 * with that uid as its group too), with
 * ou=people, ou=groups and ou=latchkey under BASE_DN.  run starts the
 * supervisor in an event loop, prints "pid N" each time a new slapd runs,
 * and on SIGTERM stops it and prints "stopped".  conf-uri loads a
 * latchkey.conf and exits 0 if the URI conf.c derives for the embedded
 * directory is the one slapd_uri() gives slapd (it prints both).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "log.h"
#include "slapd.h"
#include "xmalloc.h"

struct live {
	struct event_base	*base;
	struct slapd		*sd;
	pid_t			 last;
};

static void	live_on_tick(evutil_socket_t, short, void *);
static void	live_on_term(evutil_socket_t, short, void *);
static int	live_run(struct conf *);
static int	live_conf_uri(const char *);
static void	usage(void);

int
main(int argc, char *argv[])
{
	struct conf	 conf;
	char		 err[CONF_ERR_MAX], *uri;
	uid_t		 owner = getuid();
	gid_t		 group = getgid();
	int		 ch, rc = 1;

	memset(&conf, 0, sizeof(conf));
	log_init(1, LOG_LEVEL_DEBUG, "slapd_live");
	while ((ch = getopt(argc, argv, "s:u:")) != -1) {
		if (ch == 's')
			conf.slapd_path = optarg;
		else if (ch == 'u')
			owner = group = (uid_t)strtoul(optarg, NULL, 10);
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	conf.embedded = 1;
	conf.state_dir = argv[1];
	if (strcmp(argv[0], "conf-uri") == 0 && argc == 2)
		rc = live_conf_uri(argv[1]);
	else if (strcmp(argv[0], "uri") == 0 && argc == 2) {
		uri = slapd_uri(&conf);
		printf("%s\n", uri);
		free(uri);
		rc = 0;
	} else if (strcmp(argv[0], "setup") == 0 && argc == 3) {
		conf.base_dn = argv[2];
		xasprintf(&conf.user_base, "ou=people,%s", argv[2]);
		xasprintf(&conf.group_base, "ou=groups,%s", argv[2]);
		xasprintf(&conf.latchkey_base, "ou=latchkey,%s", argv[2]);
		if (slapd_setup(&conf, owner, group, err, sizeof(err)) == -1)
			fprintf(stderr, "setup: %s\n", err);
		else
			rc = 0;
		free(conf.user_base);
		free(conf.group_base);
		free(conf.latchkey_base);
	} else if (strcmp(argv[0], "run") == 0 && argc == 2)
		rc = live_run(&conf);
	else
		usage();
	return rc;
}

static int
live_run(struct conf *conf)
{
	struct live	 lv;
	struct event	*tick, *term;
	struct timeval	 tv = { 0, 100 * 1000 };

	memset(&lv, 0, sizeof(lv));
	lv.last = -1;
	if ((lv.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	lv.sd = slapd_new(lv.base, conf);
	tick = event_new(lv.base, -1, EV_PERSIST, live_on_tick, &lv);
	term = evsignal_new(lv.base, SIGTERM, live_on_term, &lv);
	if (tick == NULL || term == NULL || event_add(tick, &tv) == -1 ||
	    evsignal_add(term, NULL) == -1)
		fatalx("events");
	if (slapd_start(lv.sd) == -1) {
		fprintf(stderr, "start failed\n");
		return 1;
	}
	event_base_dispatch(lv.base);
	slapd_free(lv.sd);
	printf("stopped\n");
	fflush(stdout);
	event_free(tick);
	event_free(term);
	event_base_free(lv.base);
	return 0;
}

static int
live_conf_uri(const char *file)
{
	struct conf	*conf;
	char		 err[CONF_ERR_MAX], *uri;
	int		 rc;

	if ((conf = conf_load(file, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	uri = slapd_uri(conf);
	printf("conf  %s\nslapd %s\n", conf->nldap_uris > 0 ? conf->ldap_uris[0] : "(none)",
	    uri);
	rc = conf->embedded && conf->nldap_uris == 1 && strcmp(conf->ldap_uris[0], uri) == 0 ?
	    0 : 1;
	free(uri);
	conf_free(conf);
	return rc;
}

/* Reports each new slapd pid, so the test can kill it and watch the restart. */
static void
live_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct live	*lv = arg;
	pid_t		 pid;

	(void)fd;
	(void)what;
	pid = slapd_pid(lv->sd);
	if (pid > 0 && pid != lv->last) {
		printf("pid %ld\n", (long)pid);
		fflush(stdout);
		lv->last = pid;
	}
}

static void
live_on_term(evutil_socket_t fd, short what, void *arg)
{
	struct live	*lv = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(lv->base);
}

static void
usage(void)
{
	fprintf(stderr, "usage: slapd_live [-s slapd] [-u uid] uri|setup|run STATE_DIR [BASE_DN]\n");
	exit(2);
}
