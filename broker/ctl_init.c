/*
 * ctl_init.c: `latchkeyctl init DIR` creates a ready-to-run instance on the
 * embedded default (ARCHITECTURE §5): DIR/latchkey.conf, the embedded slapd
 * under DIR, a RADIUS client for 127.0.0.1 whose secret is in
 * DIR/radius-secret (0600).  The configuration's path is the last line.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "log.h"
#include "slapd.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define INIT_DEFAULT_URL	"http://localhost:8080"
#define INIT_DEFAULT_RADIUS	"127.0.0.1:1812"
#define INIT_SECRET_BYTES	24
/* Service accounts tried, in order, when init runs as root. */
static const char *const init_users[] = { "latchkey", "nobody" };

static int	init_write_file(const char *, const char *, mode_t);
static int	init_reachable(const char *, uid_t, gid_t, char *, size_t);
static const struct passwd *init_service_user(void);
static int	init_tap_key(const struct conf *, uid_t, gid_t);

int
ctl_init(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "radius", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const struct passwd	*pw = NULL;
	const char		*url = INIT_DEFAULT_URL, *radius = INIT_DEFAULT_RADIUS;
	char			 dir[PATH_MAX], err[CONF_ERR_MAX], why[PATH_MAX + 64];
	char			*conffile = NULL, *secretfile = NULL, *text = NULL;
	char			*secret = NULL;
	unsigned char		 raw[INIT_SECRET_BYTES];
	size_t			 i;
	struct conf		*conf = NULL;
	uid_t			 uid = getuid();
	gid_t			 gid = getgid();
	int			 ch, rc = 1;

	optind = 0;	/* glibc: start afresh, forgetting the main parse's ordering */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'r':
			radius = optarg;
			break;
		default:
			return ctl_fail(ctl, "usage", "usage: latchkeyctl init DIR [--url URL] [--radius ADDR:PORT]");
		}
	}
	if (argc - optind != 1)
		return ctl_fail(ctl, "usage", "usage: latchkeyctl init DIR [--url URL] [--radius ADDR:PORT]");
	if (util_mkdirs(argv[optind], 0755) == -1)
		return ctl_fail(ctl, "init", "%s: %s", argv[optind], strerror(errno));
	if (realpath(argv[optind], dir) == NULL)
		return ctl_fail(ctl, "init", "%s: %s", argv[optind], strerror(errno));
	xasprintf(&conffile, "%s/latchkey.conf", dir);
	xasprintf(&secretfile, "%s/radius-secret", dir);
	if (access(conffile, F_OK) == 0) {
		ctl_fail(ctl, "exists", "%s exists already: this instance is set up", conffile);
		goto done;
	}

	/* As root the daemon drops to a service account, which must own DIR. */
	if (uid == 0) {
		if ((pw = init_service_user()) == NULL) {
			ctl_fail(ctl, "init", "no service account (latchkey or nobody) to run as");
			goto done;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		if (init_reachable(dir, uid, gid, why, sizeof(why)) == -1) {
			ctl_fail(ctl, "init", "%s: latchkeyd runs as %s, which cannot reach it: %s; "
			    "choose a directory such as /var/lib/latchkey", dir, pw->pw_name, why);
			goto done;
		}
	}

	util_random(raw, sizeof(raw));
	/*
	 * Hex, not base64url: a secret starting with '-' is taken for an
	 * option by radclient and the like, and some VPN consoles refuse '_'.
	 */
	secret = xmalloc(2 * sizeof(raw) + 1);
	for (i = 0; i < sizeof(raw); i++)
		snprintf(secret + 2 * i, 3, "%02x", raw[i]);
	if (init_write_file(secretfile, secret, 0600) == -1) {
		ctl_fail(ctl, "init", "%s: %s", secretfile, strerror(errno));
		goto done;
	}
	xasprintf(&text,
	    "# latchkey instance created by latchkeyctl init; see latchkey.conf(5).\n"
	    "%s%s%s"
	    "state-dir %s\n"
	    "listen %s\n"
	    "directory embedded\n"
	    "audit-file %s/audit.log\n"
	    "radius-listen %s\n"
	    "radius-client 127.0.0.1 secret-file %s mode challenge\n",
	    pw != NULL ? "user " : "", pw != NULL ? pw->pw_name : "", pw != NULL ? "\n" : "",
	    dir, url, dir, radius, secretfile);
	if (init_write_file(conffile, text, 0644) == -1) {
		ctl_fail(ctl, "init", "%s: %s", conffile, strerror(errno));
		goto done;
	}
	if ((conf = conf_load(conffile, err, sizeof(err))) == NULL) {
		ctl_fail(ctl, "init", "%s", err);
		goto unwind;
	}
	if (init_tap_key(conf, uid, gid) == -1) {
		ctl_fail(ctl, "init", "%s: %s", conf->tap_key_file, strerror(errno));
		goto unwind;
	}
	if (slapd_setup(conf, uid, gid, err, sizeof(err)) == -1) {
		ctl_fail(ctl, "init", "embedded directory: %s", err);
		goto unwind;
	}
	if (chown(dir, uid, gid) == -1) {
		ctl_fail(ctl, "init", "%s: %s", dir, strerror(errno));
		goto unwind;
	}
	if (ctl->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "config", conffile,
		    "url", url, "radius", radius, "radiusSecretFile", secretfile);
		ctl_print(ctl, j, NULL);
	} else {
		printf("instance created in %s\n", dir);
		printf("web:    %s\n", url);
		printf("RADIUS: %s (client 127.0.0.1, secret in %s)\n", radius, secretfile);
		printf("%s\n", conffile);
	}
	rc = 0;
	goto done;
unwind:
	/* A half-made instance would be refused by the next init: remove what we wrote. */
	unlink(conffile);
	unlink(secretfile);
	if (conf != NULL && unlink(conf->tap_key_file) == 0) {
		char *slash = strrchr(conf->tap_key_file, '/');

		if (slash != NULL) {
			*slash = '\0';
			rmdir(conf->tap_key_file);
		}
	}
done:
	conf_free(conf);
	free(conffile);
	free(secretfile);
	free(text);
	if (secret != NULL)
		freezero_x(secret, strlen(secret));
	return rc;
}

/* Writes text to a new file with mode; refuses to follow or replace an existing one. */
static int
init_write_file(const char *path, const char *text, mode_t mode)
{
	size_t	 len = strlen(text);
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)) == -1)
		return -1;
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len || close(fd) == -1) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * The TAP key (tap.h): 32 random bytes in STATE_DIR/keys/tap.key, mode
 * 0600 in a 0700 directory, owned by the user the daemon runs as (it reads
 * the key after dropping privileges on reload; root reads it anyway).
 */
static int
init_tap_key(const struct conf *conf, uid_t uid, gid_t gid)
{
	char	*dir, *slash;
	int	 rc = -1, save;

	dir = xstrdup(conf->tap_key_file);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (util_mkdirs(dir, 0700) == -1 || chown(dir, uid, gid) == -1)
			goto done;
	}
	if (tap_key_create(conf->tap_key_file) == -1)
		goto done;
	if (chown(conf->tap_key_file, uid, gid) == -1) {
		save = errno;
		unlink(conf->tap_key_file);
		errno = save;
		goto done;
	}
	rc = 0;
done:
	free(dir);
	return rc;
}

/*
 * Whether a user without supplementary groups may search every directory
 * above dir (dir itself is handed to it): a checkout under /root, mode
 * 0700, would start a daemon whose directory it cannot open.
 */
static int
init_reachable(const char *dir, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	size_t		 i;
	int		 ok;

	for (i = 1; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		memcpy(path, dir, i);
		path[i] = '\0';
		if (stat(path, &st) == -1)
			continue;
		if (st.st_uid == uid)
			ok = (st.st_mode & S_IXUSR) != 0;
		else if (st.st_gid == gid)
			ok = (st.st_mode & S_IXGRP) != 0;
		else
			ok = (st.st_mode & S_IXOTH) != 0;
		if (!ok) {
			snprintf(why, whylen, "%s is mode %04o", path, (unsigned)(st.st_mode & 07777));
			return -1;
		}
	}
	return 0;
}

static const struct passwd *
init_service_user(void)
{
	const struct passwd	*pw;
	size_t			 i;

	for (i = 0; i < sizeof(init_users) / sizeof(init_users[0]); i++)
		if ((pw = getpwnam(init_users[i])) != NULL)
			return pw;
	return NULL;
}
