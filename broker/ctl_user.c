/*
 * ctl_user.c: `latchkeyctl user add|show`, `group add` and `directory
 * status`: the directory's people and groups as latchkey sees them.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "conf.h"
#include "ctl.h"
#include "log.h"
#include "store.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define USER_NAME_MAX		64
#define USER_DISPLAY_MAX	256
#define USER_GROUPS_MAX		64
#define USER_HANDLE_BYTES	32	/* WebAuthn user handle: random, never PII */

struct ctl_result {
	struct ctl	*ctl;
	enum store_err	 err;
	json_t		*json;
};

static int	 user_name_ok(const char *);
static void	 user_on_done(enum store_err, void *);
static void	 user_on_user(enum store_err, const struct store_user *, void *);
static void	 user_on_entries(enum store_err, const struct store_entry *, size_t, void *);
static void	 user_on_ping(enum store_err, void *);
static void	 user_print(json_t *);
static void	 user_tap_json(json_t *, const char *);
static void	 status_print(json_t *);
static enum store_err group_exists(struct ctl *, const char *);
static char	*group_dn(const struct conf *, const char *);

int
ctl_user_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "display-name", required_argument, NULL, 'd' },
		{ "group", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	const struct conf	*conf = ctl->conf;
	struct ctl_result	 res = { .ctl = ctl };
	const char		*groups[USER_GROUPS_MAX], *display = NULL, *name;
	struct store_val	 oc[2], uid, cn, sn, dname, handle, member;
	struct store_mod	 mods[6], gmod;
	unsigned char		 h[USER_HANDLE_BYTES];
	char			*esc, *dn = NULL, *gdn;
	size_t			 ngroups = 0, i;
	int			 ch, rc = 1;

	optind = 0;	/* glibc: start afresh, forgetting the main parse's ordering */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			display = optarg;
			break;
		case 'g':
			if (ngroups == USER_GROUPS_MAX)
				return ctl_fail(ctl, "usage", "at most %d groups", USER_GROUPS_MAX);
			groups[ngroups++] = optarg;
			break;
		default:
			return ctl_fail(ctl, "usage", "usage: latchkeyctl user add NAME [--display-name S] [--group G]...");
		}
	}
	if (argc - optind != 1)
		return ctl_fail(ctl, "usage", "usage: latchkeyctl user add NAME [--display-name S] [--group G]...");
	name = argv[optind];
	if (!user_name_ok(name))
		return ctl_fail(ctl, "invalid_name", "\"%s\" is not a valid user name: use 1 to %d letters, digits and . _ @ -",
		    name, USER_NAME_MAX);
	if (display != NULL && strlen(display) > USER_DISPLAY_MAX)
		return ctl_fail(ctl, "invalid_name", "the display name is longer than %d bytes", USER_DISPLAY_MAX);
	/* Refuse before writing anything if a group is missing. */
	for (i = 0; i < ngroups; i++) {
		enum store_err e = group_exists(ctl, groups[i]);

		if (e == STORE_NOTFOUND)
			return ctl_fail(ctl, "no_such_group",
			    "group \"%s\" does not exist: create it with latchkeyctl group add %s",
			    groups[i], groups[i]);
		if (e != STORE_OK)
			return ctl_fail(ctl, "directory", "looking up group %s: %s", groups[i], store_strerror(e));
	}

	esc = store_escape_dn(name);
	xasprintf(&dn, "%s=%s,%s", conf->user_name_attr, esc, conf->user_base);
	free(esc);
	util_random(h, sizeof(h));
	oc[0] = (struct store_val){ .data = "inetOrgPerson", .len = 13 };
	oc[1] = (struct store_val){ .data = "latchkeyUser", .len = 12 };
	uid = (struct store_val){ .data = (char *)name, .len = strlen(name) };
	cn = (struct store_val){ .data = (char *)(display ? display : name),
	    .len = strlen(display ? display : name) };
	sn = uid;
	dname = cn;
	handle = (struct store_val){ .data = (char *)h, .len = sizeof(h) };
	mods[0] = (struct store_mod){ STORE_MOD_ADD, "objectClass", oc, 2 };
	mods[1] = (struct store_mod){ STORE_MOD_ADD, conf->user_name_attr, &uid, 1 };
	mods[2] = (struct store_mod){ STORE_MOD_ADD, "cn", &cn, 1 };
	mods[3] = (struct store_mod){ STORE_MOD_ADD, "sn", &sn, 1 };
	mods[4] = (struct store_mod){ STORE_MOD_ADD, conf->display_name_attr, &dname, 1 };
	mods[5] = (struct store_mod){ STORE_MOD_ADD, "latchkeyUserHandle", &handle, 1 };
	store_add(ctl->store, dn, mods, 6, user_on_done, &res);
	ctl_wait(ctl);
	if (res.err == STORE_EXISTS) {
		ctl_fail(ctl, "exists", "user %s exists already", name);
		goto done;
	}
	if (res.err != STORE_OK) {
		ctl_fail(ctl, "directory", "adding %s: %s", dn, store_strerror(res.err));
		goto done;
	}
	member = (struct store_val){ .data = dn, .len = strlen(dn) };
	gmod = (struct store_mod){ STORE_MOD_ADD, "member", &member, 1 };
	for (i = 0; i < ngroups; i++) {
		gdn = group_dn(conf, groups[i]);
		store_modify(ctl->store, gdn, &gmod, 1, user_on_done, &res);
		ctl_wait(ctl);
		free(gdn);
		if (res.err != STORE_OK && res.err != STORE_EXISTS) {
			ctl_fail(ctl, "directory", "adding %s to group %s: %s", name, groups[i],
			    store_strerror(res.err));
			goto done;
		}
	}
	if (ctl->json)
		ctl_print(ctl, json_pack("{s:s, s:s}", "user", name, "dn", dn), NULL);
	else
		printf("user %s added (%s)\n", name, dn);
	rc = 0;
done:
	explicit_bzero(h, sizeof(h));
	free(dn);
	return rc;
}

int
ctl_user_show(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result	 res = { .ctl = ctl };

	if (argc != 2)
		return ctl_fail(ctl, "usage", "usage: latchkeyctl user show NAME");
	store_user_by_name(ctl->store, argv[1], user_on_user, &res);
	ctl_wait(ctl);
	if (res.err == STORE_NOTFOUND || res.err == STORE_INVALID)
		return ctl_fail(ctl, "no_such_user", "no user \"%s\" in the directory", argv[1]);
	if (res.err != STORE_OK)
		return ctl_fail(ctl, "directory", "looking up %s: %s", argv[1], store_strerror(res.err));
	ctl_print(ctl, res.json, user_print);
	return 0;
}

int
ctl_group_add(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result	 res = { .ctl = ctl };
	struct store_val	 oc, cn, member;
	struct store_mod	 mods[3];
	char			*dn;

	if (argc != 2)
		return ctl_fail(ctl, "usage", "usage: latchkeyctl group add NAME");
	if (!user_name_ok(argv[1]))
		return ctl_fail(ctl, "invalid_name", "\"%s\" is not a valid group name: use 1 to %d letters, digits and . _ @ -",
		    argv[1], USER_NAME_MAX);
	dn = group_dn(ctl->conf, argv[1]);
	oc = (struct store_val){ .data = "groupOfNames", .len = 12 };
	cn = (struct store_val){ .data = argv[1], .len = strlen(argv[1]) };
	/*
	 * groupOfNames requires a member; an empty group holds the empty DN,
	 * which names no user (RFC 4519 allows it; the memberof overlay
	 * ignores it as dangling).
	 */
	member = (struct store_val){ .data = "", .len = 0 };
	mods[0] = (struct store_mod){ STORE_MOD_ADD, "objectClass", &oc, 1 };
	mods[1] = (struct store_mod){ STORE_MOD_ADD, ctl->conf->group_name_attr, &cn, 1 };
	mods[2] = (struct store_mod){ STORE_MOD_ADD, "member", &member, 1 };
	store_add(ctl->store, dn, mods, 3, user_on_done, &res);
	ctl_wait(ctl);
	if (res.err == STORE_EXISTS) {
		free(dn);
		return ctl_fail(ctl, "exists", "group %s exists already", argv[1]);
	}
	if (res.err != STORE_OK) {
		ctl_fail(ctl, "directory", "adding %s: %s", dn, store_strerror(res.err));
		free(dn);
		return 1;
	}
	if (ctl->json)
		ctl_print(ctl, json_pack("{s:s, s:s}", "group", argv[1], "dn", dn), NULL);
	else
		printf("group %s added (%s)\n", argv[1], dn);
	free(dn);
	return 0;
}

/* Connects and reads the root DSE, reporting either way (exit 1 when down). */
int
ctl_directory_status(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_result	 res = { .ctl = ctl };
	uint64_t		 t0 = 0;
	json_t			*j;
	int			 up = 0;

	(void)argc;
	(void)argv;
	if (ctl_store_open(ctl) == 0) {
		t0 = util_now_ms();
		store_ping(ctl->store, user_on_ping, &res);
		ctl_wait(ctl);
		up = res.err == STORE_OK;
	}
	j = json_pack("{s:s, s:s, s:s, s:s, s:b}", "uri", ctl->conf->ldap_uris[0],
	    "base", ctl->conf->base_dn, "state", up ? "up" : "down",
	    "reason", up ? "connected" : store_reason(ctl->store),
	    "embedded", ctl->conf->embedded);
	if (up)
		json_object_set_new(j, "latencyMs", json_integer((json_int_t)(util_now_ms() - t0)));
	ctl_print(ctl, j, status_print);
	return up ? 0 : 1;
}

static void
status_print(json_t *j)
{
	printf("directory: %s (%s%s)\n", json_string_value(json_object_get(j, "state")),
	    json_string_value(json_object_get(j, "uri")),
	    json_is_true(json_object_get(j, "embedded")) ? ", embedded" : "");
	printf("base:      %s\n", json_string_value(json_object_get(j, "base")));
	if (json_object_get(j, "latencyMs") != NULL)
		printf("latency:   %lld ms\n", (long long)json_integer_value(json_object_get(j, "latencyMs")));
	else
		printf("reason:    %s\n", json_string_value(json_object_get(j, "reason")));
}

/* User and group names: a conservative set that is safe in every directory. */
static int
user_name_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > USER_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._@-", s[i]) == NULL)
			return 0;
	return 1;
}

static char *
group_dn(const struct conf *conf, const char *name)
{
	char	*esc, *dn;

	esc = store_escape_dn(name);
	xasprintf(&dn, "%s=%s,%s", conf->group_name_attr, esc, conf->group_base);
	free(esc);
	return dn;
}

static enum store_err
group_exists(struct ctl *ctl, const char *name)
{
	struct ctl_result	 res = { .ctl = ctl };
	const char		*attrs[] = { "cn", NULL };
	char			*esc, *filter;

	esc = store_escape(name, strlen(name));
	xasprintf(&filter, "(&(objectClass=groupOfNames)(%s=%s))", ctl->conf->group_name_attr, esc);
	free(esc);
	store_search(ctl->store, ctl->conf->group_base, filter, attrs, user_on_entries, &res);
	ctl_wait(ctl);
	free(filter);
	if (res.err == STORE_OK && res.json == NULL)
		return STORE_NOTFOUND;
	json_decref(res.json);
	return res.err;
}

static void
user_on_done(enum store_err err, void *arg)
{
	struct ctl_result	*res = arg;

	res->err = err;
	res->ctl->done = 1;
}

static void
user_on_ping(enum store_err err, void *arg)
{
	user_on_done(err, arg);
}

static void
user_on_entries(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct ctl_result	*res = arg;

	(void)e;
	res->err = err;
	res->json = (err == STORE_OK && n > 0) ? json_true() : NULL;
	res->ctl->done = 1;
}

/* Copies what `user show` prints; the store frees the user after we return. */
static void
user_on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct ctl_result	*res = arg;
	json_t			*groups;
	size_t			 i;

	res->err = err;
	res->ctl->done = 1;
	if (err != STORE_OK)
		return;
	groups = json_array();
	for (i = 0; i < u->ngroups; i++)
		json_array_append_new(groups, json_string(u->groups[i]));
	res->json = json_pack("{s:s, s:s, s:s?, s:b, s:b, s:I, s:o, s:b}",
	    "user", u->name, "dn", u->dn, "displayName", u->display_name,
	    "latchkey", u->latchkey, "userHandle", u->handle.len > 0,
	    "passkeys", (json_int_t)u->npasskeys, "groups", groups,
	    "tap", u->tap != NULL);
	if (u->tap != NULL)
		user_tap_json(res->json, u->tap);
}

/*
 * What `user show` says of the TAP: whether there is one, its state and
 * until when.  The value holds only a keyed hash; the code is never known
 * here.
 */
static void
user_tap_json(json_t *j, const char *value)
{
	struct tap	*t;
	const char	*state;
	char		 err[256], from[32], until[32];
	time_t		 now = util_now();

	if ((t = tap_decode(value, strlen(value), err, sizeof(err))) == NULL) {
		json_object_set_new(j, "tapState", json_string("unreadable"));
		json_object_set_new(j, "tapError", json_string(err));
		return;
	}
	if (t->locked_until > now)
		state = "locked";
	else if (now < t->start)
		state = "not yet valid";
	else if (now >= t->expiry)
		state = "expired";
	else if (t->one_time && t->uses > 0)
		state = "used";
	else
		state = "valid";
	util_time_fmt(t->start, from, sizeof(from));
	util_time_fmt(t->expiry, until, sizeof(until));
	json_object_set_new(j, "tapState", json_string(state));
	json_object_set_new(j, "tapStart", json_string(from));
	json_object_set_new(j, "tapExpiry", json_string(until));
	json_object_set_new(j, "tapOneTime", json_boolean(t->one_time));
	if (t->issuer != NULL)
		json_object_set_new(j, "tapIssuer", json_string(t->issuer));
	tap_free(t);
}

static void
user_print(json_t *j)
{
	json_t	*g;
	size_t	 i;

	printf("user:         %s\n", json_string_value(json_object_get(j, "user")));
	printf("dn:           %s\n", json_string_value(json_object_get(j, "dn")));
	if (json_object_get(j, "displayName") != NULL &&
	    !json_is_null(json_object_get(j, "displayName")))
		printf("display name: %s\n", json_string_value(json_object_get(j, "displayName")));
	printf("groups:       ");
	json_array_foreach(json_object_get(j, "groups"), i, g)
		printf("%s%s", i ? ", " : "", json_string_value(g));
	printf("%s\n", json_array_size(json_object_get(j, "groups")) ? "" : "(none)");
	printf("passkeys:     %lld\n", (long long)json_integer_value(json_object_get(j, "passkeys")));
	if (!json_is_true(json_object_get(j, "tap")))
		printf("TAP:          none\n");
	else if (json_object_get(j, "tapExpiry") == NULL)
		printf("TAP:          unreadable (%s)\n",
		    json_string_value(json_object_get(j, "tapError")));
	else
		printf("TAP:          %s, from %s until %s, %s\n",
		    json_string_value(json_object_get(j, "tapState")),
		    json_string_value(json_object_get(j, "tapStart")),
		    json_string_value(json_object_get(j, "tapExpiry")),
		    json_is_true(json_object_get(j, "tapOneTime")) ? "one-time" : "multi-use");
}
