/*
 * main.c: latchkeyd.  Reads the configuration, starts as root to bind its
 * sockets and read its keys, drops to the configured user, starts (and
 * supervises) the embedded directory if there is one, and runs the event
 * loop.  SIGHUP reloads the configuration; SIGTERM and SIGINT stop cleanly.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <openssl/crypto.h>

#include "attest.h"
#include "approval.h"
#include "audit.h"
#include "authreq.h"
#include "ceremony.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "mds.h"
#include "radius.h"
#include "radius_pkt.h"
#include "radius_rest.h"
#include "session.h"
#include "slapd.h"
#include "status.h"
#include "store.h"
#include "tap.h"
#include "webflow.h"
#include "xmalloc.h"

#define MAIN_DEFAULT_CONF	LATCHKEY_SYSCONFDIR "/latchkey.conf"

struct daemon {
	struct event_base	*base;
	struct conf		*conf;
	struct http		*http;
	struct radius		*radius;	/* NULL: no radius-listen nor rest client */
	struct radius_rest	*radius_rest;	/* POST /api/v1/radius/authorize */
	struct authreq		*authreq;	/* answers the RADIUS requests */
	struct store		*store;
	struct slapd		*slapd;
	struct attest_trust	*trust;		/* attestation roots and FIDO metadata */
	struct webflow		*webflow;	/* the user API and pages */
	unsigned char		 tap_key[TAP_KEY_LEN];
	int			 has_tap_key;
	struct event		*ev_hup, *ev_term, *ev_int;
};

static void	usage(void) __attribute__((noreturn));
static int	main_drop_privileges(const struct conf *);
static int	main_write_pidfile(const char *);
static struct attest_trust *main_load_trust(const struct conf *, char *, size_t);
static void	main_reload(struct daemon *);
static void	main_state_init(const struct conf *);
static void	main_on_hup(evutil_socket_t, short, void *);
static void	main_on_term(evutil_socket_t, short, void *);

static void
usage(void)
{
	fprintf(stderr, "usage: latchkeyd [-dnvV] [-c FILE]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -d       stay in the foreground and log to stderr\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       verbose: log at debug level\n"
	    "  -V       print the version and exit\n", MAIN_DEFAULT_CONF);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct daemon	 d = { .base = NULL };
	const char	*path = MAIN_DEFAULT_CONF;
	char		 err[CONF_ERR_MAX];
	int		 ch, foreground = 0, check = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "c:dnvV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("latchkeyd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init(1, verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO, "latchkeyd");
	if ((d.conf = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (check) {
		printf("configuration OK\n");
		conf_free(d.conf);
		return 0;
	}
	log_init(foreground, verbose ? LOG_LEVEL_DEBUG : (enum log_level)d.conf->log_level,
	    "latchkeyd");
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	signal(SIGPIPE, SIG_IGN);

	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");

	/* As root: set up the embedded directory for the service user, bind, read keys. */
	if (d.conf->embedded && !slapd_exists(d.conf)) {
		struct passwd	*pw = NULL;

		if (geteuid() == 0 && d.conf->user != NULL && (pw = getpwnam(d.conf->user)) == NULL)
			fatalx("user %s: no such user", d.conf->user);
		log_info("creating the embedded directory under %s/slapd", d.conf->state_dir);
		if (slapd_setup(d.conf, pw ? pw->pw_uid : geteuid(), pw ? pw->pw_gid : getegid(),
		    err, sizeof(err)) == -1)
			fatalx("embedded directory: %s", err);
	}
	if ((d.http = http_new(d.base, d.conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	/* The dictionary once, then the UDP sockets and the secrets, as root. */
	if (radius_wanted(d.conf) &&
	    radius_pkt_init(NULL, err, sizeof(err)) == -1)
		fatalx("RADIUS: %s", err);
	if ((d.radius = radius_new(d.base, d.conf, err, sizeof(err))) == NULL &&
	    err[0] != '\0')
		fatalx("%s", err);
	if (d.radius != NULL && authreq_conf_check(d.conf, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if ((d.trust = main_load_trust(d.conf, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	/* The TAP key may be readable by root alone; without it no pass can be redeemed. */
	if (tap_key_load(d.conf->tap_key_file, d.tap_key, err, sizeof(err)) == -1)
		log_warnx("tap-key-file %s: %s: temporary access passes cannot be redeemed",
		    d.conf->tap_key_file, err);
	else
		d.has_tap_key = 1;
	if (audit_open(d.conf->audit_file, err, sizeof(err)) == -1)
		fatalx("audit-file %s: %s", d.conf->audit_file, err);
	if (d.conf->pid_file != NULL && main_write_pidfile(d.conf->pid_file) == -1)
		fatal("%s", d.conf->pid_file);
	if (main_drop_privileges(d.conf) == -1)
		fatalx("cannot drop privileges to user %s", d.conf->user);

	if (d.conf->embedded) {
		d.slapd = slapd_new(d.base, d.conf);
		if (slapd_start(d.slapd) == -1)
			fatalx("cannot start the embedded directory");
	}
	d.store = store_new(d.base, d.conf);
	store_start(d.store);
	status_init(d.http, d.store);
	main_state_init(d.conf);
	d.webflow = webflow_new(d.base, d.http, d.store, d.conf, d.trust,
	    d.has_tap_key ? d.tap_key : NULL);
	if (d.radius != NULL) {
		d.authreq = authreq_new(d.base, d.radius, d.store, d.conf,
		    d.has_tap_key ? d.tap_key : NULL);
		radius_set_handler(d.radius, authreq_on_request, d.authreq);
		d.radius_rest = radius_rest_new(d.http, d.radius);
	}
	OPENSSL_cleanse(d.tap_key, sizeof(d.tap_key));

	d.ev_hup = evsignal_new(d.base, SIGHUP, main_on_hup, &d);
	d.ev_term = evsignal_new(d.base, SIGTERM, main_on_term, &d);
	d.ev_int = evsignal_new(d.base, SIGINT, main_on_term, &d);
	evsignal_add(d.ev_hup, NULL);
	evsignal_add(d.ev_term, NULL);
	evsignal_add(d.ev_int, NULL);

	log_info("latchkeyd %s started (configuration %s)", PACKAGE_VERSION, d.conf->file);
	if (event_base_dispatch(d.base) == -1)
		fatalx("event loop failed");
	log_info("stopping");

	event_free(d.ev_hup);
	event_free(d.ev_term);
	event_free(d.ev_int);
	authreq_free(d.authreq);
	radius_free(d.radius);		/* answers the parked REST calls: 503 */
	radius_rest_free(d.radius_rest);
	radius_pkt_cleanup();
	approval_cleanup();
	http_free(d.http);
	webflow_free(d.webflow);
	session_cleanup();
	ceremony_cleanup();
	audit_close();
	status_free(d.store);
	store_free(d.store);
	slapd_stop(d.slapd);
	slapd_free(d.slapd);
	if (d.conf->pid_file != NULL)
		unlink(d.conf->pid_file);
	attest_trust_free(d.trust);
	conf_free(d.conf);
	event_base_free(d.base);
	return 0;
}

/*
 * Drops root for the configured user: supplementary groups, gid, uid, in
 * that order, and checks root cannot be regained.  Not root: nothing to do.
 */
static int
main_drop_privileges(const struct conf *conf)
{
	struct passwd	*pw;

	if (geteuid() != 0 || conf->user == NULL) {
		if (conf->user != NULL)
			log_debug("not started as root: running as uid %u", (unsigned)geteuid());
		return 0;
	}
	if ((pw = getpwnam(conf->user)) == NULL) {
		log_warnx("user %s: no such user", conf->user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_warn("dropping privileges to %s", conf->user);
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) != -1) {
		log_warnx("root could be regained after dropping privileges");
		return -1;
	}
	log_info("running as user %s", conf->user);
	return 0;
}

/*
 * The attestation trust anchors: every attestation-root PEM file, then the
 * FIDO metadata imported with `latchkeyctl mds import`.  Read as root at
 * start, so the files may be readable by root alone.
 */
static struct attest_trust *
main_load_trust(const struct conf *conf, char *err, size_t errlen)
{
	struct attest_trust	*trust = attest_trust_new();
	char			 why[256];
	size_t			 i;

	for (i = 0; i < conf->nattestation_roots; i++)
		if (attest_trust_add_pem(trust, conf->attestation_roots[i], why, sizeof(why)) == -1) {
			snprintf(err, errlen, "attestation-root %s: %s", conf->attestation_roots[i], why);
			goto fail;
		}
	if (mds_load(conf, trust, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "FIDO metadata: %s", why);
		goto fail;
	}
	return trust;
fail:
	attest_trust_free(trust);
	return NULL;
}

/* Session and ceremony lifetimes from the configuration (at start and on reload). */
static void
main_state_init(const struct conf *conf)
{
	session_init((time_t)(conf->session_idle_ms / 1000),
	    (time_t)(conf->session_lifetime_ms / 1000));
	ceremony_init((time_t)(conf->ceremony_timeout_ms / 1000));
}

static int
main_write_pidfile(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

/*
 * SIGHUP: parse the file again into a fresh struct; a bad one is refused
 * with its reason and the running configuration stays (STYLE 14).  Settings
 * fixed at start (listeners, state directory, user) need a restart.
 */
static void
main_reload(struct daemon *d)
{
	struct attest_trust *trust;
	struct conf	*nc;
	char		 err[CONF_ERR_MAX];

	if ((nc = conf_load(d->conf->file, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, keeping the running configuration: %s", err);
		return;
	}
	if (strcmp(nc->state_dir, d->conf->state_dir) != 0 || nc->embedded != d->conf->embedded)
		log_warnx("reload: state-dir and directory embedded take effect at restart");
	if (http_reconf(d->http, nc, err, sizeof(err)) == -1) {
		log_warnx("reload refused, keeping the running configuration: %s", err);
		conf_free(nc);
		return;
	}
	if ((trust = main_load_trust(nc, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, keeping the running configuration: %s", err);
		conf_free(nc);
		return;
	}
	if (d->radius != NULL && (authreq_conf_check(nc, err, sizeof(err)) == -1 ||
	    radius_reconf(d->radius, nc, err, sizeof(err)) == -1)) {
		log_warnx("reload refused, keeping the running configuration: %s", err);
		attest_trust_free(trust);
		conf_free(nc);
		return;
	}
	if (d->radius == NULL && radius_wanted(nc))
		log_warnx("reload: radius-listen and rest clients take effect at restart");
	attest_trust_free(d->trust);
	d->trust = trust;
	webflow_reconf(d->webflow, nc, trust);
	if (d->authreq != NULL)
		authreq_reconf(d->authreq, nc);
	main_state_init(nc);
	store_reconf(d->store, nc);
	log_setlevel((enum log_level)nc->log_level);
	/* http, store and slapd keep copies of what they need, never the struct. */
	conf_free(d->conf);
	d->conf = nc;
	log_info("configuration reloaded from %s", nc->file);
}

static void
main_on_hup(evutil_socket_t sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	main_reload(arg);
}

static void
main_on_term(evutil_socket_t sig, short ev, void *arg)
{
	struct daemon	*d = arg;

	(void)ev;
	log_info("signal %d received", (int)sig);
	event_base_loopexit(d->base, NULL);
}
