/*
 * ctl_tap.c: `latchkeyctl tap issue NAME` and `tap revoke NAME`: the
 * helpdesk's side of Temporary Access Passes (research/entra-semantics.md
 * b1).  The pass is made within the directory's TAP policy
 * (cn=tap-policy under latchkey-base), written to the user's latchkeyTap
 * (replacing any earlier one: one pass per user), and its code printed
 * once, alone on the last line (ARCHITECTURE §5), then wiped.  Both
 * commands leave an audit line, never with the code.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "audit.h"
#include "conf.h"
#include "ctl.h"
#include "log.h"
#include "store.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define TAP_USAGE_ISSUE	"usage: latchkeyctl tap issue NAME [--lifetime DUR] [--start TIME] [--one-time|--multi-use]"
#define TAP_USAGE_REVOKE "usage: latchkeyctl tap revoke NAME"
#define TAP_POLICY_FILTER "(&(objectClass=latchkeyTapPolicy)(cn=tap-policy))"
#define TAP_START_PAST	60	/* seconds a --start may lie in the past (clock skew) */

/* The TAP policy; the defaults hold when the directory has none. */
struct tap_policy {
	time_t		 min_lifetime;
	time_t		 max_lifetime;
	time_t		 default_lifetime;
	long		 length;
	int		 one_time;	/* 1: every pass is one-time */
	int		 found;
};

/* What a lookup hands back across the event loop (copied out of the store's data). */
struct tap_lookup {
	struct ctl		*ctl;
	enum store_err		 err;
	char			*dn;
	int			 latchkey;
	char			*tap;		/* latchkeyTap value, NULL if none */
	struct tap_policy	*policy;
	char			 bad[128];	/* a policy value that makes no sense */
};

static int	tap_user(struct ctl *, const char *, struct tap_lookup *);
static int	tap_read_policy(struct ctl *, struct tap_policy *, char *, size_t);
static int	tap_parse_start(const char *, time_t, time_t *);
static void	tap_fmt_dur(time_t, char *, size_t);
static const char *tap_actor(char *, size_t);
static void	tap_audit(struct ctl *, const char *, const char *, const struct tap *);
static void	tap_audit_owner(const struct conf *);
static void	tap_on_user(enum store_err, const struct store_user *, void *);
static void	tap_on_policy(enum store_err, const struct store_entry *, size_t, void *);
static void	tap_on_done(enum store_err, void *);
static void	tap_lookup_clear(struct tap_lookup *);

int
ctl_tap_issue(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lifetime", required_argument, NULL, 'l' },
		{ "start", required_argument, NULL, 's' },
		{ "one-time", no_argument, NULL, 'o' },
		{ "multi-use", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct tap_policy	 pol;
	struct tap_lookup	 res = { .ctl = ctl };
	struct tap		 t;
	struct store_val	 val, oc;
	struct store_mod	 mods[2];
	unsigned char		 key[TAP_KEY_LEN];
	const char		*lifetime_arg = NULL, *start_arg = NULL, *name;
	char			 err[512], actor[128], lo[32], hi[32], from[32], until[32];
	char			*code = NULL, *value = NULL, *rest;
	uint64_t		 ms;
	time_t			 now = util_now(), start = now, lifetime;
	int			 ch, want = -1, rc = 1, nmods = 0;
	json_t			*j;

	memset(&t, 0, sizeof(t));
	optind = 0;	/* glibc: start afresh, forgetting the main parse's ordering */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			lifetime_arg = optarg;
			break;
		case 's':
			start_arg = optarg;
			break;
		case 'o':
		case 'm':
			if (want != -1 && want != (ch == 'o'))
				return ctl_fail(ctl, "usage", "--one-time and --multi-use exclude each other");
			want = ch == 'o';
			break;
		default:
			return ctl_fail(ctl, "usage", TAP_USAGE_ISSUE);
		}
	}
	if (argc - optind != 1)
		return ctl_fail(ctl, "usage", TAP_USAGE_ISSUE);
	name = argv[optind];
	if (start_arg != NULL && tap_parse_start(start_arg, now, &start) == -1)
		return ctl_fail(ctl, "usage", "--start \"%s\": use RFC 3339 "
		    "(2026-03-02T09:00:00Z) or +DURATION (+2h)", start_arg);
	if (start < now - TAP_START_PAST)
		return ctl_fail(ctl, "usage", "--start %s is in the past", start_arg);

	if (tap_read_policy(ctl, &pol, err, sizeof(err)) == -1)
		return ctl_fail(ctl, "directory", "%s", err);
	lifetime = pol.default_lifetime;
	if (lifetime_arg != NULL) {
		if (util_parse_duration(lifetime_arg, &ms) == -1 || ms / 1000 == 0)
			return ctl_fail(ctl, "usage", "--lifetime \"%s\" is not a duration "
			    "(use 90m, 1h, 8h)", lifetime_arg);
		lifetime = (time_t)(ms / 1000);
	}
	if (lifetime < pol.min_lifetime || lifetime > pol.max_lifetime) {
		tap_fmt_dur(pol.min_lifetime, lo, sizeof(lo));
		tap_fmt_dur(pol.max_lifetime, hi, sizeof(hi));
		return ctl_fail(ctl, "policy", "the lifetime %s is outside the TAP "
		    "policy's bounds: from %s to %s", lifetime_arg != NULL ?
		    lifetime_arg : "(the policy's default)", lo, hi);
	}
	/* Issue 4: one-time unless the policy allows multi-use and it is asked for. */
	if (want == 0 && pol.one_time)
		return ctl_fail(ctl, "policy", "the TAP policy makes every pass one-time "
		    "(latchkeyTapOneTime TRUE on cn=tap-policy): --multi-use is refused");

	if (tap_key_load(ctl->conf->tap_key_file, key, err, sizeof(err)) == -1)
		return ctl_fail(ctl, "tap_key", "cannot read the TAP key: %s (run as root "
		    "or as the user latchkeyd runs as)", err);
	if (tap_user(ctl, name, &res) == -1)
		goto done;

	code = tap_issue(key, (size_t)pol.length, start, lifetime, want == 0 ? 0 : 1,
	    tap_actor(actor, sizeof(actor)), &t);
	OPENSSL_cleanse(key, sizeof(key));
	if (code == NULL) {
		ctl_fail(ctl, "policy", "the TAP policy's length %ld is not from %d to %d",
		    pol.length, TAP_LEN_MIN, TAP_LEN_MAX);
		goto done;
	}
	value = tap_encode(&t);
	/* One pass per user: REPLACE drops the old one in the same modify. */
	if (!res.latchkey) {
		oc = (struct store_val){ .data = "latchkeyUser", .len = 12 };
		mods[nmods++] = (struct store_mod){ STORE_MOD_ADD, "objectClass", &oc, 1 };
	}
	val = (struct store_val){ .data = value, .len = strlen(value) };
	mods[nmods++] = (struct store_mod){ STORE_MOD_REPLACE, "latchkeyTap", &val, 1 };
	store_modify(ctl->store, res.dn, mods, (size_t)nmods, tap_on_done, &res);
	ctl_wait(ctl);
	if (res.err != STORE_OK) {
		ctl_fail(ctl, "directory", "writing the TAP of %s: %s", name,
		    store_strerror(res.err));
		goto done;
	}
	tap_audit(ctl, "tap.issued", name, &t);

	util_time_fmt(t.start, from, sizeof(from));
	util_time_fmt(t.expiry, until, sizeof(until));
	if (ctl->json) {
		/* The code is printed by us, not copied into jansson's buffers. */
		j = json_pack("{s:s, s:s, s:s, s:b}", "user", name, "start", from,
		    "expiry", until, "oneTime", t.one_time);
		if ((rest = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
			fatalx("out of memory");
		printf("{\"code\":\"%s\",%s\n", code, rest + 1);
		free(rest);
		json_decref(j);
	} else {
		printf("TAP issued for %s (id %s)\n", name, t.id);
		printf("valid from:  %s\n", from);
		printf("valid until: %s\n", until);
		printf("one-time:    %s\n", t.one_time ? "yes" : "no");
		printf("%s\n", code);
	}
	fflush(stdout);
	rc = 0;
done:
	OPENSSL_cleanse(key, sizeof(key));
	if (code != NULL)
		freezero_x(code, strlen(code));
	free(value);
	tap_clear(&t);
	tap_lookup_clear(&res);
	return rc;
}

int
ctl_tap_revoke(struct ctl *ctl, int argc, char **argv)
{
	struct tap_lookup	 res = { .ctl = ctl };
	struct store_mod	 mod;
	struct tap		*t;
	char			 err[256];
	int			 rc = 1;

	if (argc != 2)
		return ctl_fail(ctl, "usage", TAP_USAGE_REVOKE);
	if (tap_user(ctl, argv[1], &res) == -1)
		goto done;
	if (res.tap == NULL) {
		ctl_fail(ctl, "no_tap", "%s has no TAP", argv[1]);
		goto done;
	}
	/* The id names the pass in the audit line; a broken value is still removed. */
	t = tap_decode(res.tap, strlen(res.tap), err, sizeof(err));
	mod = (struct store_mod){ STORE_MOD_DELETE, "latchkeyTap", NULL, 0 };
	store_modify(ctl->store, res.dn, &mod, 1, tap_on_done, &res);
	ctl_wait(ctl);
	if (res.err == STORE_CONFLICT || res.err == STORE_NOTFOUND) {
		ctl_fail(ctl, "no_tap", "%s has no TAP", argv[1]);
	} else if (res.err != STORE_OK) {
		ctl_fail(ctl, "directory", "removing the TAP of %s: %s", argv[1],
		    store_strerror(res.err));
	} else {
		tap_audit(ctl, "tap.revoked", argv[1], t);
		if (ctl->json)
			ctl_print(ctl, json_pack("{s:s, s:b}", "user", argv[1], "revoked", 1),
			    NULL);
		else
			printf("TAP of %s revoked\n", argv[1]);
		rc = 0;
	}
	tap_free(t);
done:
	tap_lookup_clear(&res);
	return rc;
}

/* Looks the user up; fills res (dn, latchkey class, TAP value).  -1: reported. */
static int
tap_user(struct ctl *ctl, const char *name, struct tap_lookup *res)
{
	store_user_by_name(ctl->store, name, tap_on_user, res);
	ctl_wait(ctl);
	if (res->err == STORE_NOTFOUND || res->err == STORE_INVALID) {
		ctl_fail(ctl, "no_such_user", "no user \"%s\" in the directory", name);
		return -1;
	}
	if (res->err != STORE_OK) {
		ctl_fail(ctl, "directory", "looking up %s: %s", name, store_strerror(res->err));
		return -1;
	}
	return 0;
}

/* Reads cn=tap-policy; without one, the defaults (1 h / 8 h / 1 h, 8, one-time). */
static int
tap_read_policy(struct ctl *ctl, struct tap_policy *pol, char *err, size_t errlen)
{
	static const char *const attrs[] = { "latchkeyTapMinLifetime",
	    "latchkeyTapMaxLifetime", "latchkeyTapDefaultLifetime",
	    "latchkeyTapDefaultLength", "latchkeyTapOneTime", NULL };
	struct tap_lookup	 res = { .ctl = ctl, .policy = pol };

	*pol = (struct tap_policy){ .min_lifetime = 3600, .max_lifetime = 8 * 3600,
	    .default_lifetime = 3600, .length = 8, .one_time = 1 };
	store_search(ctl->store, ctl->conf->latchkey_base, TAP_POLICY_FILTER, attrs,
	    tap_on_policy, &res);
	ctl_wait(ctl);
	if (res.err != STORE_OK && res.err != STORE_NOTFOUND) {
		snprintf(err, errlen, "reading the TAP policy: %s", store_strerror(res.err));
		return -1;
	}
	if (res.bad[0] != '\0') {
		snprintf(err, errlen, "the TAP policy (cn=tap-policy,%s): %s",
		    ctl->conf->latchkey_base, res.bad);
		return -1;
	}
	if (pol->min_lifetime > pol->max_lifetime) {
		snprintf(err, errlen, "the TAP policy's shortest lifetime is longer than its "
		    "longest");
		return -1;
	}
	return 0;
}

/* RFC 3339 ("2026-03-02T09:00:00Z", "...+01:00") or "+DURATION" from now. */
static int
tap_parse_start(const char *s, time_t now, time_t *out)
{
	struct tm	 tm;
	const char	*end;
	uint64_t	 ms;
	time_t		 t;
	int		 sign, hh, mm;

	if (s[0] == '+') {
		if (util_parse_duration(s + 1, &ms) == -1)
			return -1;
		*out = now + (time_t)(ms / 1000);
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	if (*end == '.')	/* fractions of a second: dropped */
		for (end++; isdigit((unsigned char)*end); end++)
			;
	if ((*end == 'Z' || *end == 'z') && end[1] == '\0') {
		*out = t;
		return 0;
	}
	if ((*end != '+' && *end != '-') || strlen(end) != 6 ||
	    sscanf(end + 1, "%2d:%2d", &hh, &mm) != 2 || hh > 23 || mm > 59)
		return -1;
	sign = *end == '+' ? 1 : -1;
	*out = t - sign * (time_t)(hh * 3600 + mm * 60);
	return 0;
}

/* A duration as an admin writes it: "8h", "90m", "45s". */
static void
tap_fmt_dur(time_t s, char *buf, size_t len)
{
	if (s % 86400 == 0 && s >= 86400)
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0 && s >= 3600)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0 && s >= 60)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

/* Who runs the command: the sudo user, the login name, or the uid's name. */
static const char *
tap_actor(char *buf, size_t len)
{
	const struct passwd	*pw;
	const char		*s;

	if ((s = getenv("SUDO_USER")) != NULL && *s != '\0' && strlen(s) < len)
		snprintf(buf, len, "%s", s);
	else if ((s = getlogin()) != NULL && *s != '\0')
		snprintf(buf, len, "%s", s);
	else if ((pw = getpwuid(getuid())) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)getuid());
	return buf;
}

/*
 * The audit line of the CLI: the same trail as the daemon's.  The file may
 * belong to the service user; if it cannot be opened, syslog still has it.
 */
static void
tap_audit(struct ctl *ctl, const char *event, const char *user, const struct tap *t)
{
	char	 err[512], actor[128], until[32];
	json_t	*extra = NULL;

	if (audit_open(ctl->conf->audit_file, err, sizeof(err)) == -1) {
		log_warnx("audit file: %s; the event goes to syslog only", err);
		(void)audit_open(NULL, err, sizeof(err));
	} else
		tap_audit_owner(ctl->conf);
	if (t != NULL) {
		util_time_fmt(t->expiry, until, sizeof(until));
		extra = json_pack("{s:s, s:s, s:b}", "tapId", t->id, "expiry", until,
		    "oneTime", t->one_time);
	}
	audit_event(event, "success", tap_actor(actor, sizeof(actor)), user, NULL, extra);
	audit_close();
}

/*
 * Run as root, the CLI may be the first to write the audit file: hand it to
 * the service user, who appends to it from then on.
 */
static void
tap_audit_owner(const struct conf *conf)
{
	const struct passwd	*pw;
	struct stat		 st;

	if (geteuid() != 0 || conf->user == NULL ||
	    (pw = getpwnam(conf->user)) == NULL ||
	    lstat(conf->audit_file, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0)
		return;
	if (chown(conf->audit_file, pw->pw_uid, pw->pw_gid) == -1)
		log_warn("audit file %s: chown to %s", conf->audit_file, conf->user);
}

static void
tap_on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct tap_lookup	*res = arg;

	res->err = err;
	res->ctl->done = 1;
	if (err != STORE_OK)
		return;
	res->dn = xstrdup(u->dn);
	res->latchkey = u->latchkey;
	res->tap = u->tap != NULL ? xstrdup(u->tap) : NULL;
}

/* Copies the policy's numbers, bounded; a value out of range is reported by name. */
static void
tap_on_policy(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct tap_lookup	*res = arg;
	struct tap_policy	*pol = res->policy;
	const struct store_attr	*a;
	const char		*v;
	char			*end;
	long long		 x;
	size_t			 i;

	res->err = err;
	res->ctl->done = 1;
	if (err != STORE_OK || n == 0)
		return;
	pol->found = 1;
	for (i = 0; i < e[0].nattrs; i++) {
		a = &e[0].attrs[i];
		if (a->nvals == 0)
			continue;
		v = a->vals[0].data;
		if (strcasecmp(a->name, "latchkeyTapOneTime") == 0) {
			pol->one_time = strcmp(v, "FALSE") != 0;
			continue;
		}
		errno = 0;
		x = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || x < 1 || x > 366LL * 86400) {
			snprintf(res->bad, sizeof(res->bad), "%s \"%.32s\" is out of range",
			    a->name, v);
			return;
		}
		if (strcasecmp(a->name, "latchkeyTapMinLifetime") == 0)
			pol->min_lifetime = (time_t)x;
		else if (strcasecmp(a->name, "latchkeyTapMaxLifetime") == 0)
			pol->max_lifetime = (time_t)x;
		else if (strcasecmp(a->name, "latchkeyTapDefaultLifetime") == 0)
			pol->default_lifetime = (time_t)x;
		else if (strcasecmp(a->name, "latchkeyTapDefaultLength") == 0)
			pol->length = (long)x;
	}
}

static void
tap_on_done(enum store_err err, void *arg)
{
	struct tap_lookup	*res = arg;

	res->err = err;
	res->ctl->done = 1;
}

static void
tap_lookup_clear(struct tap_lookup *res)
{
	free(res->dn);
	free(res->tap);
	res->dn = res->tap = NULL;
}
