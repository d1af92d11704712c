/*
 * ctl_policy.c: `latchkeyctl profile add|set|show|list|delete`, `tap-policy
 * show|set` and `campaign show|set|status`: the directory's policy entries
 * under latchkey-base (research/entra-semantics.md b1-b3, issue 5).
 *
 * Every change goes the same way: parse the options against one table,
 * read the policy entries, apply the change to a copy, check the copy whole
 * (values, cross-field rules, every named group, then policy_from_entries
 * as latchkeyd will read it), and only then write it in one add or one
 * modify.  Bad input is refused naming the option and the allowed values,
 * and nothing is written.  Each change leaves an audit line.
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
#include <unistd.h>

#include <ldap.h>

#include "audit.h"
#include "conf.h"
#include "ctl.h"
#include "log.h"
#include "passkey.h"
#include "policy.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define POL_NAME_MAX		64	/* profile names */
#define POL_GROUP_MAX		256	/* bytes of a group name */
#define POL_LIST_MAX		64	/* groups in one include or exclude list */
#define POL_AAGUIDS_MAX		256	/* AAGUIDs of one profile */
#define POL_LIFETIME_MIN	600		/* b1: 10 minutes */
#define POL_LIFETIME_MAX	(30 * 86400)	/* b1: 30 days */
#define POL_LENGTH_MIN		8		/* b1 */
#define POL_LENGTH_MAX		48
#define POL_SNOOZE_DAYS_MAX	14		/* b2 */
#define POL_SNOOZE_LIMIT_MAX	100		/* ours; Entra fixes it at 3 */

#define POL_FILTER "(|(objectClass=latchkeyPasskeyProfile)(objectClass=latchkeyTapPolicy)" \
	"(objectClass=latchkeyCampaignPolicy))"
#define STR2(x)		#x
#define STR(x)		STR2(x)
#define ATTR_INCLUDE	"latchkeyIncludeGroup"
#define ATTR_EXCLUDE	"latchkeyExcludeGroup"

/* The three kinds of policy entry. */
enum pol_kind { K_PROFILE = 0, K_TAP, K_CAMPAIGN, K_OTHER };

/* Which command an option belongs to. */
#define C_PADD		0x1
#define C_PSET		0x2
#define C_TAP		0x4
#define C_CAMP		0x8
#define C_ALL		(C_PADD | C_PSET | C_TAP | C_CAMP)

enum popt_type { T_TYPES, T_WORD, T_AAGUID, T_GROUP, T_DUR, T_INT, T_BOOL, T_NONE };
/* SET: one value replaces; LIST: each use adds to a new list; CLEAR, ADD, REMOVE. */
enum popt_op { O_SET, O_LIST, O_CLEAR, O_ADD, O_REMOVE };

struct popt {
	const char		*name;
	unsigned int		 cmds;
	const char		*attr;
	enum popt_type		 type;
	enum popt_op		 op;
	const char *const	*words;		/* T_WORD: the allowed values */
	long long		 min, max;	/* T_DUR (seconds), T_INT */
};

static const char *const w_attest[] = { "disabled", "registrationOnly", NULL };
static const char *const w_keys[] = { "off", "allow", "block", NULL };
static const char *const w_uv[] = { "required", "preferred", NULL };
static const char *const w_state[] = { "enabled", "disabled", NULL };

static const struct popt popts[] = {
	{ "types", C_PADD | C_PSET, "latchkeyPasskeyType", T_TYPES, O_SET, NULL, 0, 0 },
	{ "attestation", C_PADD | C_PSET, "latchkeyAttestationEnforcement", T_WORD, O_SET,
	  w_attest, 0, 0 },
	{ "keys", C_PADD | C_PSET, "latchkeyKeyRestriction", T_WORD, O_SET, w_keys, 0, 0 },
	{ "aaguid", C_PADD | C_PSET, "latchkeyAaguid", T_AAGUID, O_LIST, NULL, 0, 0 },
	{ "no-aaguids", C_PSET, "latchkeyAaguid", T_NONE, O_CLEAR, NULL, 0, 0 },
	{ "add-aaguid", C_PSET, "latchkeyAaguid", T_AAGUID, O_ADD, NULL, 0, 0 },
	{ "remove-aaguid", C_PSET, "latchkeyAaguid", T_AAGUID, O_REMOVE, NULL, 0, 0 },
	{ "uv", C_PADD | C_PSET, "latchkeyUserVerification", T_WORD, O_SET, w_uv, 0, 0 },
	{ "include", C_ALL, ATTR_INCLUDE, T_GROUP, O_LIST, NULL, 0, 0 },
	{ "exclude", C_ALL, ATTR_EXCLUDE, T_GROUP, O_LIST, NULL, 0, 0 },
	{ "no-include", C_PSET | C_TAP | C_CAMP, ATTR_INCLUDE, T_NONE, O_CLEAR, NULL, 0, 0 },
	{ "no-exclude", C_PSET | C_TAP | C_CAMP, ATTR_EXCLUDE, T_NONE, O_CLEAR, NULL, 0, 0 },
	{ "add-include", C_PSET, ATTR_INCLUDE, T_GROUP, O_ADD, NULL, 0, 0 },
	{ "remove-include", C_PSET, ATTR_INCLUDE, T_GROUP, O_REMOVE, NULL, 0, 0 },
	{ "add-exclude", C_PSET, ATTR_EXCLUDE, T_GROUP, O_ADD, NULL, 0, 0 },
	{ "remove-exclude", C_PSET, ATTR_EXCLUDE, T_GROUP, O_REMOVE, NULL, 0, 0 },
	{ "min", C_TAP, "latchkeyTapMinLifetime", T_DUR, O_SET, NULL,
	  POL_LIFETIME_MIN, POL_LIFETIME_MAX },
	{ "max", C_TAP, "latchkeyTapMaxLifetime", T_DUR, O_SET, NULL,
	  POL_LIFETIME_MIN, POL_LIFETIME_MAX },
	{ "default", C_TAP, "latchkeyTapDefaultLifetime", T_DUR, O_SET, NULL,
	  POL_LIFETIME_MIN, POL_LIFETIME_MAX },
	{ "length", C_TAP, "latchkeyTapDefaultLength", T_INT, O_SET, NULL,
	  POL_LENGTH_MIN, POL_LENGTH_MAX },
	{ "one-time", C_TAP, "latchkeyTapOneTime", T_BOOL, O_SET, NULL, 0, 0 },
	{ "state", C_CAMP, "latchkeyCampaignState", T_WORD, O_SET, w_state, 0, 0 },
	{ "snooze-days", C_CAMP, "latchkeySnoozeDays", T_INT, O_SET, NULL,
	  0, POL_SNOOZE_DAYS_MAX },
	{ "snooze-limit", C_CAMP, "latchkeySnoozeLimit", T_INT, O_SET, NULL,
	  0, POL_SNOOZE_LIMIT_MAX },
};
#define NPOPTS	(sizeof(popts) / sizeof(popts[0]))

/* How an entry is shown: JSON key, attribute, type, and the value when it is absent. */
enum pfield_type { F_ONE, F_LIST, F_SECS, F_NUM, F_BOOL };
struct pfield {
	const char		*key;
	const char		*attr;
	enum pfield_type	 type;
	const char		*dflt;		/* F_LIST: comma-separated */
};

static const struct pfield profile_fields[] = {
	{ "types", "latchkeyPasskeyType", F_LIST, "deviceBound,synced" },
	{ "attestation", "latchkeyAttestationEnforcement", F_ONE, "disabled" },
	{ "keys", "latchkeyKeyRestriction", F_ONE, "off" },
	{ "aaguids", "latchkeyAaguid", F_LIST, NULL },
	{ "userVerification", "latchkeyUserVerification", F_ONE, "required" },
	{ "include", ATTR_INCLUDE, F_LIST, NULL },
	{ "exclude", ATTR_EXCLUDE, F_LIST, NULL },
	{ NULL, NULL, F_ONE, NULL }
};
static const struct pfield tap_fields[] = {
	{ "minLifetime", "latchkeyTapMinLifetime", F_SECS, "3600" },
	{ "maxLifetime", "latchkeyTapMaxLifetime", F_SECS, "28800" },
	{ "defaultLifetime", "latchkeyTapDefaultLifetime", F_SECS, "3600" },
	{ "length", "latchkeyTapDefaultLength", F_NUM, "8" },
	{ "oneTime", "latchkeyTapOneTime", F_BOOL, "TRUE" },
	{ "include", ATTR_INCLUDE, F_LIST, NULL },
	{ "exclude", ATTR_EXCLUDE, F_LIST, NULL },
	{ NULL, NULL, F_ONE, NULL }
};
static const struct pfield campaign_fields[] = {
	{ "state", "latchkeyCampaignState", F_ONE, "disabled" },
	{ "snoozeDays", "latchkeySnoozeDays", F_NUM, "1" },
	{ "snoozeLimit", "latchkeySnoozeLimit", F_NUM, "3" },
	{ "include", ATTR_INCLUDE, F_LIST, NULL },
	{ "exclude", ATTR_EXCLUDE, F_LIST, NULL },
	{ NULL, NULL, F_ONE, NULL }
};

/* Per kind: class, fixed cn (NULL: named by the admin), fields, command bit, audit event. */
static const struct pkind {
	const char		*oc;
	const char		*cn;
	const struct pfield	*fields;
	unsigned int		 cmd;
	const char		*changed;
} pkinds[] = {
	[K_PROFILE] = { "latchkeyPasskeyProfile", NULL, profile_fields, C_PSET,
	    "policy.profile.changed" },
	[K_TAP] = { "latchkeyTapPolicy", "tap-policy", tap_fields, C_TAP, "policy.tap.changed" },
	[K_CAMPAIGN] = { "latchkeyCampaignPolicy", "campaign", campaign_fields, C_CAMP,
	    "policy.campaign.changed" },
};

struct slist {
	char	**v;
	size_t	  n;
};

/* A policy entry as read, and as the change would leave it. */
struct pattr {
	char		*name;
	struct slist	 vals;
	struct slist	 orig;		/* as read: deltas for ADD/DELETE */
	int		 mode;		/* 0 untouched, 'r' replace, 'd' add/delete */
};
struct pent {
	char		*dn;
	char		*cn;
	enum pol_kind	 kind;
	int		 isnew;
	struct pattr	*a;
	size_t		 na;
};
struct pset {
	struct pent	*e;
	size_t		 n;
};

/* What a directory operation hands back across the event loop. */
struct pres {
	struct ctl	*ctl;
	enum store_err	 err;
	struct pset	*set;		/* policy entries */
	struct slist	*names;		/* values of one attribute (group names) */
	const char	*attr;
	json_t		*users;		/* campaign status: [ {dn, groups, passkeys} ] */
};

static int	 pol_change(struct ctl *, int, char **, unsigned int, enum pol_kind);
static int	 pol_parse(struct ctl *, int, char **, unsigned int, struct pent *,
		    const char **);
static int	 pol_value(struct ctl *, const struct popt *, const char *, struct slist *);
static void	 pol_apply(struct pent *, const struct popt *, struct slist *);
static int	 pol_check(struct ctl *, const struct pent *);
static int	 pol_refuse(struct ctl *, const char *);
static const char *pol_first(const struct pent *, const char *);
static int	 pol_check_groups(struct ctl *, const struct pent *);
static int	 pol_check_whole(struct ctl *, const struct pset *);
static int	 pol_write(struct ctl *, const struct pent *);
static int	 pol_read(struct ctl *, struct pset *);
static struct pent *pol_find(struct pset *, enum pol_kind, const char *);
static struct pent *pol_new(struct ctl *, struct pset *, enum pol_kind, const char *);
static json_t	*pol_json(const struct pent *);
static long long pol_num(const struct pent *, const char *, long long);
static void	 pol_audit(struct ctl *, const char *, const char *, json_t *);
static const char *pol_actor(char *, size_t);
static int	 pol_usage(struct ctl *, unsigned int);
static int	 pol_name_ok(const char *, size_t);
static void	 pol_fmt_dur(long long, char *, size_t);
static void	 pol_print_fields(json_t *, const struct pfield *);
static void	 profile_print(json_t *);
static void	 profile_list_print(json_t *);
static void	 tap_policy_print(json_t *);
static void	 campaign_print(json_t *);
static void	 status_print(json_t *);
static json_t	*status_count(struct ctl *, const struct pent *, json_t *, json_t *);
static int	 status_groups(struct ctl *, json_t *);
static void	 pol_on_entries(enum store_err, const struct store_entry *, size_t, void *);
static void	 pol_on_names(enum store_err, const struct store_entry *, size_t, void *);
static void	 pol_on_users(enum store_err, const struct store_entry *, size_t, void *);
static void	 pol_on_groups(enum store_err, const struct store_entry *, size_t, void *);
static void	 pol_on_done(enum store_err, void *);
static struct pattr *pent_attr(struct pent *, const char *, int);
static const struct pattr *pent_get(const struct pent *, const char *);
static void	 pset_clear(struct pset *);
static int	 slist_has(const struct slist *, const char *);
static void	 slist_add(struct slist *, const char *);
static void	 slist_del(struct slist *, const char *);
static void	 slist_copy(struct slist *, const struct slist *);
static void	 slist_clear(struct slist *);
static json_t	*slist_json(const struct slist *);
static char	*group_of_dn(const char *, const char *);

int
ctl_profile_add(struct ctl *ctl, int argc, char **argv)
{
	return pol_change(ctl, argc, argv, C_PADD, K_PROFILE);
}

int
ctl_profile_set(struct ctl *ctl, int argc, char **argv)
{
	return pol_change(ctl, argc, argv, C_PSET, K_PROFILE);
}

int
ctl_tap_policy_set(struct ctl *ctl, int argc, char **argv)
{
	return pol_change(ctl, argc, argv, C_TAP, K_TAP);
}

int
ctl_campaign_set(struct ctl *ctl, int argc, char **argv)
{
	return pol_change(ctl, argc, argv, C_CAMP, K_CAMPAIGN);
}

int
ctl_profile_show(struct ctl *ctl, int argc, char **argv)
{
	struct pset	 set = { NULL, 0 };
	struct pent	*e;
	int		 rc = 1;

	if (argc != 2) {
		ctl_fail(ctl, "usage", "usage: latchkeyctl profile show NAME");
		return 2;
	}
	if (pol_read(ctl, &set) == -1)
		return 1;
	if ((e = pol_find(&set, K_PROFILE, argv[1])) == NULL)
		ctl_fail(ctl, "no_such_profile", "no passkey profile \"%s\": see latchkeyctl "
		    "profile list", argv[1]);
	else {
		ctl_print(ctl, pol_json(e), profile_print);
		rc = 0;
	}
	pset_clear(&set);
	return rc;
}

int
ctl_profile_list(struct ctl *ctl, int argc, char **argv)
{
	struct pset	 set = { NULL, 0 };
	json_t		*a;
	size_t		 i;

	(void)argv;
	if (argc != 1) {
		ctl_fail(ctl, "usage", "usage: latchkeyctl profile list");
		return 2;
	}
	if (pol_read(ctl, &set) == -1)
		return 1;
	a = json_array();
	for (i = 0; i < set.n; i++)
		if (set.e[i].kind == K_PROFILE)
			json_array_append_new(a, pol_json(&set.e[i]));
	ctl_print(ctl, json_pack("{s:o}", "profiles", a), profile_list_print);
	pset_clear(&set);
	return 0;
}

/* Deletes a profile; never the last one, so that every user keeps a way to register. */
int
ctl_profile_delete(struct ctl *ctl, int argc, char **argv)
{
	struct pres	 res = { .ctl = ctl };
	struct pset	 set = { NULL, 0 };
	struct pent	*e;
	size_t		 i, nprof = 0;
	int		 rc = 1;

	if (argc != 2) {
		ctl_fail(ctl, "usage", "usage: latchkeyctl profile delete NAME");
		return 2;
	}
	if (pol_read(ctl, &set) == -1)
		return 1;
	for (i = 0; i < set.n; i++)
		nprof += set.e[i].kind == K_PROFILE;
	if ((e = pol_find(&set, K_PROFILE, argv[1])) == NULL) {
		ctl_fail(ctl, "no_such_profile", "no passkey profile \"%s\"", argv[1]);
		goto done;
	}
	if (nprof == 1) {
		ctl_fail(ctl, "last_profile", "\"%s\" is the last passkey profile: without one "
		    "nobody may register a passkey; change it with latchkeyctl profile set "
		    "instead", argv[1]);
		goto done;
	}
	store_delete(ctl->store, e->dn, pol_on_done, &res);
	ctl_wait(ctl);
	if (res.err != STORE_OK) {
		ctl_fail(ctl, "directory", "deleting %s: %s", e->dn, store_strerror(res.err));
		goto done;
	}
	pol_audit(ctl, "policy.profile.deleted", e->cn, pol_json(e));
	if (ctl->json)
		ctl_print(ctl, json_pack("{s:s, s:b}", "name", e->cn, "deleted", 1), NULL);
	else
		printf("passkey profile %s deleted\n", e->cn);
	rc = 0;
done:
	pset_clear(&set);
	return rc;
}

/* Shows the TAP policy or the campaign policy (the defaults if the entry is missing). */
static int
pol_show(struct ctl *ctl, int argc, enum pol_kind kind)
{
	struct pset	 set = { NULL, 0 };
	struct pent	*e;

	if (argc != 1) {
		ctl_fail(ctl, "usage", "usage: latchkeyctl %s show",
		    kind == K_TAP ? "tap-policy" : "campaign");
		return 2;
	}
	if (pol_read(ctl, &set) == -1)
		return 1;
	if ((e = pol_find(&set, kind, NULL)) == NULL)
		e = pol_new(ctl, &set, kind, pkinds[kind].cn);
	ctl_print(ctl, pol_json(e), kind == K_TAP ? tap_policy_print : campaign_print);
	pset_clear(&set);
	return 0;
}

int
ctl_tap_policy_show(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	return pol_show(ctl, argc, K_TAP);
}

int
ctl_campaign_show(struct ctl *ctl, int argc, char **argv)
{
	(void)argv;
	return pol_show(ctl, argc, K_CAMPAIGN);
}

/*
 * Progress of the campaign (issue 5): of the users under user-base, those
 * the campaign targets, those of them with a passkey, and how many of them
 * hold a passkey admitted by each profile and of each kind.
 */
int
ctl_campaign_status(struct ctl *ctl, int argc, char **argv)
{
	struct pres	 res = { .ctl = ctl };
	struct pset	 set = { NULL, 0 };
	const char	*attrs[] = { ctl->conf->user_name_attr, "memberOf", "latchkeyPasskey",
			    NULL };
	struct pent	*camp;
	json_t		*groups = NULL, *j;
	int		 rc = 1;

	(void)argv;
	if (argc != 1) {
		ctl_fail(ctl, "usage", "usage: latchkeyctl campaign status");
		return 2;
	}
	if (pol_read(ctl, &set) == -1)
		return 1;
	if ((camp = pol_find(&set, K_CAMPAIGN, NULL)) == NULL)
		camp = pol_new(ctl, &set, K_CAMPAIGN, pkinds[K_CAMPAIGN].cn);
	if (ctl->conf->group_mode == CONF_GROUPS_SEARCH) {
		attrs[1] = NULL;	/* memberOf is not asked for: groups name members */
		groups = json_object();
		if (status_groups(ctl, groups) == -1)
			goto done;
	}
	store_search(ctl->store, ctl->conf->user_base,
	    "(|(objectClass=inetOrgPerson)(objectClass=latchkeyUser))", attrs,
	    pol_on_users, &res);
	ctl_wait(ctl);
	if (res.err != STORE_OK && res.err != STORE_NOTFOUND) {
		ctl_fail(ctl, "directory", "reading the users under %s: %s",
		    ctl->conf->user_base, store_strerror(res.err));
		goto done;
	}
	j = status_count(ctl, camp, res.users != NULL ? res.users : json_array(), groups);
	ctl_print(ctl, j, status_print);
	rc = 0;
done:
	json_decref(res.users);
	json_decref(groups);
	pset_clear(&set);
	return rc;
}

/*
 * The change pipeline of add and set: parse, read, apply to a copy, check
 * everything, write once, audit, show the result.
 */
static int
pol_change(struct ctl *ctl, int argc, char **argv, unsigned int cmd, enum pol_kind kind)
{
	struct pset	 set = { NULL, 0 };
	struct pent	 draft = { .kind = kind }, *e;
	const char	*name = pkinds[kind].cn, *event;
	char		 buf[8];
	size_t		 i;
	int		 rc;

	if ((rc = pol_parse(ctl, argc, argv, cmd, &draft, &name)) != 0)
		goto done;
	rc = 1;
	if (pol_read(ctl, &set) == -1)
		goto done;
	e = pol_find(&set, kind, name);
	if (cmd == C_PADD && e != NULL) {
		ctl_fail(ctl, "exists", "passkey profile %s exists already: change it with "
		    "latchkeyctl profile set %s", name, name);
		goto done;
	}
	if (cmd == C_PSET && e == NULL) {
		ctl_fail(ctl, "no_such_profile", "no passkey profile \"%s\": see latchkeyctl "
		    "profile list", name);
		goto done;
	}
	if (e == NULL)
		e = pol_new(ctl, &set, kind, name);
	for (i = 0; i < draft.na; i++) {
		struct popt	 o = { .attr = draft.a[i].name };

		/* The draft holds, per attribute, the edits in the order given. */
		o.op = draft.a[i].mode == 'r' ? O_SET : O_ADD;
		pol_apply(e, &o, &draft.a[i].vals);
		if (draft.a[i].mode == 'd') {
			o.op = O_REMOVE;
			pol_apply(e, &o, &draft.a[i].orig);
		}
	}
	if (pol_check(ctl, e) == -1 || pol_check_groups(ctl, e) == -1 ||
	    pol_check_whole(ctl, &set) == -1 || pol_write(ctl, e) == -1)
		goto done;
	event = cmd == C_PADD ? "policy.profile.added" : pkinds[kind].changed;
	pol_audit(ctl, event, e->cn, pol_json(e));
	if (!ctl->json) {
		snprintf(buf, sizeof(buf), "%s", cmd == C_PADD ? "added" : "changed");
		printf("%s %s %s\n", kind == K_PROFILE ? "passkey profile" : "policy", e->cn, buf);
	}
	ctl_print(ctl, pol_json(e), kind == K_PROFILE ? profile_print :
	    kind == K_TAP ? tap_policy_print : campaign_print);
	rc = 0;
done:
	for (i = 0; i < draft.na; i++) {
		free(draft.a[i].name);
		slist_clear(&draft.a[i].vals);
		slist_clear(&draft.a[i].orig);
	}
	free(draft.a);
	pset_clear(&set);
	return rc;
}

/*
 * The options, into draft: per attribute, the values to set (mode 'r') or
 * to add (vals) and remove (orig) (mode 'd').  The name of a profile in
 * *name.  0, or the exit status of a refusal (2 usage, 1 bad value).
 */
static int
pol_parse(struct ctl *ctl, int argc, char **argv, unsigned int cmd, struct pent *draft,
    const char **name)
{
	struct option	 lo[NPOPTS + 1];
	struct slist	 vals = { NULL, 0 };
	struct pattr	*a;
	const struct popt *o;
	size_t		 i, n = 0;
	int		 ch, rc = 0, seen[NPOPTS] = { 0 };

	for (i = 0; i < NPOPTS; i++)
		if (popts[i].cmds & cmd)
			lo[n++] = (struct option){ popts[i].name,
			    popts[i].type == T_NONE ? no_argument : required_argument,
			    NULL, 256 + (int)i };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 0;	/* glibc: start afresh, forgetting the main parse's ordering */
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (ch < 256)
			return pol_usage(ctl, cmd);
		o = &popts[ch - 256];
		if (pol_value(ctl, o, optarg, &vals) == -1) {
			slist_clear(&vals);
			return 1;
		}
		a = pent_attr(draft, o->attr, 1);
		/* A whole list and edits of it, or one value twice, make no sense. */
		if ((a->mode != 0 && a->mode != (o->op >= O_ADD ? 'd' : 'r')) ||
		    (o->op == O_SET && seen[ch - 256]++)) {
			ctl_fail(ctl, "usage", "--%s: conflicts with an earlier option for "
			    "the same setting", o->name);
			rc = 2;
			break;
		}
		a->mode = o->op >= O_ADD ? 'd' : 'r';
		for (i = 0; i < vals.n; i++) {
			slist_add(o->op == O_REMOVE ? &a->orig : &a->vals, vals.v[i]);
			if (o->op == O_ADD)
				slist_del(&a->orig, vals.v[i]);
			else if (o->op == O_REMOVE)
				slist_del(&a->vals, vals.v[i]);
		}
		slist_clear(&vals);
	}
	slist_clear(&vals);
	if (rc != 0)
		return rc;
	if (cmd & (C_PADD | C_PSET)) {
		if (argc - optind != 1)
			return pol_usage(ctl, cmd);
		*name = argv[optind];
		if (!pol_name_ok(*name, POL_NAME_MAX)) {
			ctl_fail(ctl, "invalid_name", "\"%s\" is not a valid profile name: use 1 "
			    "to %d letters, digits and . _ -", *name, POL_NAME_MAX);
			return 1;
		}
	} else if (argc != optind)
		return pol_usage(ctl, cmd);
	if (cmd != C_PADD && draft->na == 0) {
		ctl_fail(ctl, "usage", "nothing to change: give at least one option");
		return 2;
	}
	return 0;
}

/* One option's argument, checked and in the directory's form, into out. -1: refused. */
static int
pol_value(struct ctl *ctl, const struct popt *o, const char *arg, struct slist *out)
{
	unsigned char	 g[16];
	char		 buf[40], lo[32], hi[32], *s, *p, *tok, *end;
	uint64_t	 ms;
	long long	 x;
	size_t		 i;

	switch (o->type) {
	case T_NONE:
		return 0;
	case T_TYPES:
		s = xstrdup(arg);
		for (p = s; (tok = strsep(&p, ",")) != NULL;) {
			if (strcasecmp(tok, "deviceBound") == 0)
				slist_add(out, "deviceBound");
			else if (strcasecmp(tok, "synced") == 0)
				slist_add(out, "synced");
			else {
				ctl_fail(ctl, "invalid_value", "--types: unknown passkey type "
				    "\"%s\": use deviceBound, synced or deviceBound,synced", tok);
				free(s);
				return -1;
			}
		}
		free(s);
		return 0;
	case T_WORD:
		for (i = 0; o->words[i] != NULL; i++)
			if (strcasecmp(arg, o->words[i]) == 0) {
				slist_add(out, o->words[i]);
				return 0;
			}
		buf[0] = '\0';
		ctl_fail(ctl, "invalid_value", "--%s \"%s\": use %s%s%s%s%s", o->name, arg,
		    o->words[0], o->words[2] != NULL ? ", " : " or ", o->words[1],
		    o->words[2] != NULL ? " or " : "", o->words[2] != NULL ? o->words[2] : "");
		return -1;
	case T_AAGUID:
		if (passkey_aaguid_parse(arg, g) == -1) {
			ctl_fail(ctl, "invalid_value", "--%s \"%s\" is not an AAGUID: use 32 "
			    "hexadecimal digits as 8-4-4-4-12 "
			    "(ee882879-721c-4913-9775-3dfcce97072a)", o->name, arg);
			return -1;
		}
		passkey_aaguid_fmt(g, buf);
		slist_add(out, buf);
		return 0;
	case T_GROUP:
		if (!pol_name_ok(arg, POL_GROUP_MAX)) {
			ctl_fail(ctl, "invalid_value", "--%s \"%s\" is not a group name: use 1 "
			    "to %d letters, digits, spaces and . _ @ -", o->name, arg,
			    POL_GROUP_MAX);
			return -1;
		}
		slist_add(out, arg);
		return 0;
	case T_DUR:
		pol_fmt_dur(o->min, lo, sizeof(lo));
		pol_fmt_dur(o->max, hi, sizeof(hi));
		if (util_parse_duration(arg, &ms) == -1 || (long long)(ms / 1000) < o->min ||
		    (long long)(ms / 1000) > o->max) {
			ctl_fail(ctl, "invalid_value", "--%s \"%s\": the TAP lifetime must be "
			    "a duration from %s to %s (10m, 1h, 8h, 30d)", o->name, arg, lo, hi);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(ms / 1000));
		slist_add(out, buf);
		return 0;
	case T_INT:
		errno = 0;
		x = strtoll(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || x < o->min || x > o->max) {
			ctl_fail(ctl, "invalid_value", "--%s \"%s\": use a whole number from "
			    "%lld to %lld", o->name, arg, o->min, o->max);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%lld", x);
		slist_add(out, buf);
		return 0;
	case T_BOOL:
		if (strcasecmp(arg, "yes") == 0 || strcasecmp(arg, "true") == 0)
			slist_add(out, "TRUE");
		else if (strcasecmp(arg, "no") == 0 || strcasecmp(arg, "false") == 0)
			slist_add(out, "FALSE");
		else {
			ctl_fail(ctl, "invalid_value", "--%s \"%s\": use yes or no", o->name, arg);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Applies one edit to e: SET/LIST/CLEAR replace the values, ADD and REMOVE edit them. */
static void
pol_apply(struct pent *e, const struct popt *o, struct slist *vals)
{
	struct pattr	*a = pent_attr(e, o->attr, 1);
	size_t		 i;

	if (a->mode == 0) {
		slist_copy(&a->orig, &a->vals);
		a->mode = (o->op == O_ADD || o->op == O_REMOVE) ? 'd' : 'r';
	}
	if (o->op != O_ADD && o->op != O_REMOVE) {
		slist_clear(&a->vals);
		a->mode = 'r';
	}
	for (i = 0; i < vals->n; i++)
		if (o->op == O_REMOVE)
			slist_del(&a->vals, vals->v[i]);
		else
			slist_add(&a->vals, vals->v[i]);
}

/* The rules between fields, on the entry as the change would leave it. */
static int
pol_check(struct ctl *ctl, const struct pent *e)
{
	static const char *const lists[] = { ATTR_INCLUDE, ATTR_EXCLUDE };
	const struct pattr	*a;
	char			 lo[32], mid[32], hi[32];
	long long		 min, max, def;
	size_t			 i;

	if (e->kind == K_PROFILE) {
		if ((a = pent_get(e, "latchkeyPasskeyType")) != NULL && a->vals.n == 0)
			return pol_refuse(ctl, "--types: a profile admits at least one "
			    "passkey type: deviceBound, synced or deviceBound,synced");
		a = pent_get(e, "latchkeyAaguid");
		if (a != NULL && a->vals.n > POL_AAGUIDS_MAX)
			return pol_refuse(ctl, "--aaguid: at most " STR(POL_AAGUIDS_MAX)
			    " AAGUIDs per profile");
		if ((a == NULL || a->vals.n == 0) &&
		    strcmp(pol_first(e, "latchkeyKeyRestriction"), "allow") == 0)
			return pol_refuse(ctl, "--keys allow: name the allowed authenticators "
			    "with --aaguid (an empty allow list admits no passkey)");
	}
	for (i = 0; i < 2; i++)
		if ((a = pent_get(e, lists[i])) != NULL && a->vals.n > POL_LIST_MAX)
			return pol_refuse(ctl, i == 0 ? "--include: at most "
			    STR(POL_LIST_MAX) " groups" : "--exclude: at most "
			    STR(POL_LIST_MAX) " groups");
	if (e->kind != K_TAP)
		return 0;
	min = pol_num(e, "latchkeyTapMinLifetime", 3600);
	max = pol_num(e, "latchkeyTapMaxLifetime", 28800);
	def = pol_num(e, "latchkeyTapDefaultLifetime", 3600);
	if (min <= def && def <= max)
		return 0;
	pol_fmt_dur(min, lo, sizeof(lo));
	pol_fmt_dur(def, mid, sizeof(mid));
	pol_fmt_dur(max, hi, sizeof(hi));
	ctl_fail(ctl, "invalid_value", "--min, --default, --max: the TAP lifetimes must be "
	    "ordered min <= default <= max; they would be %s, %s, %s", lo, mid, hi);
	return -1;
}

/* Refuses a value (the message names the option and what is allowed); -1. */
static int
pol_refuse(struct ctl *ctl, const char *msg)
{
	ctl_fail(ctl, "invalid_value", "%s", msg);
	return -1;
}

/* The first value of attr, or "". */
static const char *
pol_first(const struct pent *e, const char *attr)
{
	const struct pattr	*a = pent_get(e, attr);

	return a != NULL && a->vals.n > 0 ? a->vals.v[0] : "";
}

/* Every group named in the include and exclude lists exists: one search. */
static int
pol_check_groups(struct ctl *ctl, const struct pent *e)
{
	static const char *const lists[] = { ATTR_INCLUDE, ATTR_EXCLUDE };
	struct slist		 want = { NULL, 0 }, found = { NULL, 0 };
	struct pres		 res = { .ctl = ctl, .names = &found };
	const struct pattr	*a;
	const char		*attrs[] = { ctl->conf->group_name_attr, NULL };
	char			*filter, *f, *esc;
	size_t			 i, j;
	int			 rc = 0;

	for (i = 0; i < 2; i++)
		if ((a = pent_get(e, lists[i])) != NULL && a->mode != 0)
			for (j = 0; j < a->vals.n; j++)
				slist_add(&want, a->vals.v[j]);
	if (want.n == 0)
		return 0;
	filter = xstrdup("(|");
	for (i = 0; i < want.n; i++) {
		esc = store_escape(want.v[i], strlen(want.v[i]));
		xasprintf(&f, "%s(%s=%s)", filter, ctl->conf->group_name_attr, esc);
		free(esc);
		free(filter);
		filter = f;
	}
	xasprintf(&f, "%s)", filter);
	free(filter);
	res.attr = ctl->conf->group_name_attr;
	store_search(ctl->store, ctl->conf->group_base, f, attrs, pol_on_names, &res);
	ctl_wait(ctl);
	free(f);
	if (res.err != STORE_OK && res.err != STORE_NOTFOUND) {
		rc = -1;
		ctl_fail(ctl, "directory", "looking up groups: %s", store_strerror(res.err));
	}
	for (i = 0; rc == 0 && i < want.n; i++)
		if (!slist_has(&found, want.v[i])) {
			rc = -1;
			ctl_fail(ctl, "no_such_group", "--%s: group \"%s\" does not exist under "
			    "%s: name existing groups (latchkeyctl group add %s creates it)",
			    pent_get(e, ATTR_INCLUDE) != NULL &&
			    slist_has(&pent_get(e, ATTR_INCLUDE)->vals, want.v[i]) ?
			    "include" : "exclude", want.v[i], ctl->conf->group_base, want.v[i]);
		}
	slist_clear(&want);
	slist_clear(&found);
	return rc;
}

/* The policy as latchkeyd would read it after the change: its rules, too. */
static int
pol_check_whole(struct ctl *ctl, const struct pset *set)
{
	struct store_entry	*se;
	struct store_val	*sv;
	struct policy		*p;
	char			 err[256];
	size_t			 i, j, k, nv = 0, v = 0;
	int			 rc = 0;

	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->e[i].na; j++)
			nv += set->e[i].a[j].vals.n + 1;
	se = xcalloc(set->n + 1, sizeof(*se));
	sv = xcalloc(nv + 1, sizeof(*sv));
	for (i = 0; i < set->n; i++) {
		const struct pent	*e = &set->e[i];

		se[i].dn = e->dn;
		se[i].nattrs = e->na + 1;
		se[i].attrs = xcalloc(e->na + 1, sizeof(*se[i].attrs));
		se[i].attrs[0] = (struct store_attr){ "objectClass", &sv[v++], 1 };
		se[i].attrs[0].vals->data = (char *)(uintptr_t)(e->kind == K_OTHER ? "top" :
		    pkinds[e->kind].oc);
		se[i].attrs[0].vals->len = strlen(se[i].attrs[0].vals->data);
		for (j = 0; j < e->na; j++) {
			se[i].attrs[j + 1] = (struct store_attr){ e->a[j].name, &sv[v],
			    e->a[j].vals.n };
			for (k = 0; k < e->a[j].vals.n; k++, v++)
				sv[v] = (struct store_val){ e->a[j].vals.v[k],
				    strlen(e->a[j].vals.v[k]) };
		}
	}
	if ((p = policy_from_entries(se, set->n, err, sizeof(err))) == NULL) {
		ctl_fail(ctl, "invalid_value", "the policy would not be valid: %s", err);
		rc = -1;
	}
	policy_free(p);
	for (i = 0; i < set->n; i++)
		free(se[i].attrs);
	free(se);
	free(sv);
	return rc;
}

/* One add (a new entry) or one modify (REPLACE, or ADD/DELETE for edits of a list). */
static int
pol_write(struct ctl *ctl, const struct pent *e)
{
	struct pres		 res = { .ctl = ctl };
	struct store_mod	*mods;
	struct store_val	*vals, oc[2];
	const struct pattr	*a;
	size_t			 i, j, nv = 0, v = 0, nm = 0;
	int			 rc = 0;

	for (i = 0; i < e->na; i++)
		nv += e->a[i].vals.n + e->a[i].orig.n;
	mods = xcalloc(2 * e->na + 2, sizeof(*mods));
	vals = xcalloc(nv + 1, sizeof(*vals));
	if (e->isnew) {
		oc[0] = (struct store_val){ "top", 3 };
		oc[1] = (struct store_val){ (char *)(uintptr_t)pkinds[e->kind].oc,
		    strlen(pkinds[e->kind].oc) };
		mods[nm++] = (struct store_mod){ STORE_MOD_ADD, "objectClass", oc, 2 };
	}
	for (i = 0; i < e->na; i++) {
		a = &e->a[i];
		if (e->isnew && a->vals.n == 0)
			continue;
		if (e->isnew || a->mode == 'r') {
			mods[nm] = (struct store_mod){ e->isnew ? STORE_MOD_ADD :
			    STORE_MOD_REPLACE, a->name, &vals[v], a->vals.n };
			for (j = 0; j < a->vals.n; j++)
				vals[v++] = (struct store_val){ a->vals.v[j], strlen(a->vals.v[j]) };
			nm++;
			continue;
		}
		if (a->mode != 'd')
			continue;
		/* Deltas: a value removed meanwhile makes the modify fail (CONFLICT). */
		mods[nm] = (struct store_mod){ STORE_MOD_DELETE, a->name, &vals[v], 0 };
		for (j = 0; j < a->orig.n; j++)
			if (!slist_has(&a->vals, a->orig.v[j])) {
				vals[v++] = (struct store_val){ a->orig.v[j], strlen(a->orig.v[j]) };
				mods[nm].nvals++;
			}
		nm += mods[nm].nvals > 0;
		mods[nm] = (struct store_mod){ STORE_MOD_ADD, a->name, &vals[v], 0 };
		for (j = 0; j < a->vals.n; j++)
			if (!slist_has(&a->orig, a->vals.v[j])) {
				vals[v++] = (struct store_val){ a->vals.v[j], strlen(a->vals.v[j]) };
				mods[nm].nvals++;
			}
		nm += mods[nm].nvals > 0;
	}
	if (nm > 0) {
		if (e->isnew)
			store_add(ctl->store, e->dn, mods, nm, pol_on_done, &res);
		else
			store_modify(ctl->store, e->dn, mods, nm, pol_on_done, &res);
		ctl_wait(ctl);
	}
	if (res.err == STORE_CONFLICT || (res.err == STORE_EXISTS && !e->isnew)) {
		ctl_fail(ctl, "conflict", "%s was changed meanwhile: run the command again",
		    e->dn);
		rc = -1;
	} else if (res.err == STORE_EXISTS) {
		ctl_fail(ctl, "exists", "an entry %s exists already", e->dn);
		rc = -1;
	} else if (res.err != STORE_OK) {
		ctl_fail(ctl, "directory", "writing %s: %s", e->dn, store_strerror(res.err));
		rc = -1;
	}
	free(mods);
	free(vals);
	return rc;
}

/* Reads every policy entry under latchkey-base (one search). */
static int
pol_read(struct ctl *ctl, struct pset *set)
{
	struct pres	 res = { .ctl = ctl, .set = set };

	store_search(ctl->store, ctl->conf->latchkey_base, POL_FILTER, NULL,
	    pol_on_entries, &res);
	ctl_wait(ctl);
	if (res.err != STORE_OK && res.err != STORE_NOTFOUND) {
		pset_clear(set);
		ctl_fail(ctl, "directory", "reading the policy entries under %s: %s",
		    ctl->conf->latchkey_base, store_strerror(res.err));
		return -1;
	}
	return 0;
}

static struct pent *
pol_find(struct pset *set, enum pol_kind kind, const char *cn)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		if (set->e[i].kind == kind && (cn == NULL || pkinds[kind].cn != NULL ||
		    strcasecmp(set->e[i].cn, cn) == 0))
			return &set->e[i];
	return NULL;
}

/* A new entry of kind in set, with the defaults set-up writes. */
static struct pent *
pol_new(struct ctl *ctl, struct pset *set, enum pol_kind kind, const char *cn)
{
	const struct pfield	*f;
	struct pent		*e;
	struct pattr		*a;
	char			*s, *p, *tok, *esc;

	set->e = xreallocarray(set->e, set->n + 1, sizeof(*set->e));
	e = &set->e[set->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->isnew = 1;
	e->cn = xstrdup(cn);
	esc = store_escape_dn(cn);
	xasprintf(&e->dn, "cn=%s,%s", esc, ctl->conf->latchkey_base);
	free(esc);
	slist_add(&pent_attr(e, "cn", 1)->vals, cn);
	for (f = pkinds[kind].fields; f->key != NULL; f++) {
		if (f->dflt == NULL)
			continue;
		a = pent_attr(e, f->attr, 1);
		s = xstrdup(f->dflt);
		for (p = s; (tok = strsep(&p, ",")) != NULL;)
			slist_add(&a->vals, tok);
		free(s);
	}
	return e;
}

/* An entry for show and --json: the fields of its kind, defaults where absent. */
static json_t *
pol_json(const struct pent *e)
{
	const struct pfield	*f;
	const struct pattr	*a;
	struct slist		 d = { NULL, 0 };
	char			*s, *p, *tok;
	const char		*v;
	json_t			*j;

	j = json_pack("{s:s}", "name", e->cn);
	for (f = pkinds[e->kind].fields; f->key != NULL; f++) {
		a = pent_get(e, f->attr);
		v = a != NULL && a->vals.n > 0 ? a->vals.v[0] : f->dflt;
		switch (f->type) {
		case F_LIST:
			if (a == NULL && f->dflt != NULL) {
				s = xstrdup(f->dflt);
				for (p = s; (tok = strsep(&p, ",")) != NULL;)
					slist_add(&d, tok);
				free(s);
			}
			json_object_set_new(j, f->key, slist_json(a != NULL ? &a->vals : &d));
			slist_clear(&d);
			break;
		case F_ONE:
			json_object_set_new(j, f->key, v != NULL ? json_string(v) : json_null());
			break;
		case F_SECS:
		case F_NUM:
			json_object_set_new(j, f->key, json_integer(pol_num(e, f->attr,
			    strtoll(f->dflt, NULL, 10))));
			break;
		case F_BOOL:
			json_object_set_new(j, f->key, json_boolean(v == NULL ||
			    strcmp(v, "FALSE") != 0));
			break;
		}
	}
	return j;
}

/* A number from the entry, or dflt if absent or not a number. */
static long long
pol_num(const struct pent *e, const char *attr, long long dflt)
{
	const struct pattr	*a = pent_get(e, attr);
	char			*end;
	long long		 x;

	if (a == NULL || a->vals.n == 0)
		return dflt;
	errno = 0;
	x = strtoll(a->vals.v[0], &end, 10);
	return (errno != 0 || end == a->vals.v[0] || *end != '\0') ? dflt : x;
}

/* The audit line of a change: the same trail as the daemon's; actor the invoking admin. */
static void
pol_audit(struct ctl *ctl, const char *event, const char *subject, json_t *extra)
{
	const struct passwd	*pw;
	struct stat		 st;
	char			 err[512], actor[128];

	if (audit_open(ctl->conf->audit_file, err, sizeof(err)) == -1) {
		log_warnx("audit file: %s; the event goes to syslog only", err);
		(void)audit_open(NULL, err, sizeof(err));
	} else if (geteuid() == 0 && ctl->conf->user != NULL &&
	    (pw = getpwnam(ctl->conf->user)) != NULL &&
	    lstat(ctl->conf->audit_file, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == 0 && chown(ctl->conf->audit_file, pw->pw_uid, pw->pw_gid) == -1)
		/* Run as root, the CLI may create the file: it belongs to the service user. */
		log_warn("audit file %s: chown to %s", ctl->conf->audit_file, ctl->conf->user);
	audit_event(event, "success", pol_actor(actor, sizeof(actor)), subject, NULL,
	    json_pack("{s:o}", "policy", extra));
	audit_close();
}

/* Who runs the command: the sudo user, the login name, or the uid's name. */
static const char *
pol_actor(char *buf, size_t len)
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

/* Prints the usage of a change command; returns 2. */
static int
pol_usage(struct ctl *ctl, unsigned int cmd)
{
	static const char *const u[] = {
		"usage: latchkeyctl profile add NAME [--types deviceBound,synced] "
		"[--attestation disabled|registrationOnly] [--keys off|allow|block] "
		"[--aaguid UUID]... [--uv required|preferred] [--include G]... [--exclude G]...",
		"usage: latchkeyctl profile set NAME [options of profile add] [--no-include] "
		"[--no-exclude] [--no-aaguids] [--add-aaguid U] [--remove-aaguid U] "
		"[--add-include G] [--remove-include G] [--add-exclude G] [--remove-exclude G]",
		"usage: latchkeyctl tap-policy set [--min DUR] [--max DUR] [--default DUR] "
		"[--length N] [--one-time yes|no] [--include G]... [--exclude G]...",
		"usage: latchkeyctl campaign set [--state enabled|disabled] [--snooze-days N] "
		"[--snooze-limit N] [--include G]... [--exclude G]...",
	};

	ctl_fail(ctl, "usage", "%s", u[cmd == C_PADD ? 0 : cmd == C_PSET ? 1 :
	    cmd == C_TAP ? 2 : 3]);
	return 2;
}

/* Profile and group names: printable, no DN or filter specials. */
static int
pol_name_ok(const char *s, size_t max)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > max || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._@-", s[i]) == NULL &&
		    (max == POL_NAME_MAX || s[i] != ' '))
			return 0;
	return 1;
}

/* A duration as an admin writes it: "8h", "90m", "30d". */
static void
pol_fmt_dur(long long s, char *buf, size_t len)
{
	if (s % 86400 == 0 && s >= 86400)
		snprintf(buf, len, "%lldd", s / 86400);
	else if (s % 3600 == 0 && s >= 3600)
		snprintf(buf, len, "%lldh", s / 3600);
	else if (s % 60 == 0 && s >= 60)
		snprintf(buf, len, "%lldm", s / 60);
	else
		snprintf(buf, len, "%llds", s);
}

/* "key: value" lines for the fields of a kind, lists comma-separated. */
static void
pol_print_fields(json_t *j, const struct pfield *fields)
{
	const struct pfield	*f;
	json_t			*v, *x;
	char			 d[32];
	size_t			 i;

	for (f = fields; f->key != NULL; f++) {
		v = json_object_get(j, f->key);
		printf("%-18s", f->key);
		if (json_is_array(v)) {
			json_array_foreach(v, i, x)
				printf("%s%s", i ? ", " : "", json_string_value(x));
			printf("%s\n", json_array_size(v) > 0 ? "" :
			    (strcmp(f->key, "include") == 0 ? "(everyone)" : "(none)"));
		} else if (f->type == F_SECS) {
			pol_fmt_dur(json_integer_value(v), d, sizeof(d));
			printf("%s\n", d);
		} else if (json_is_integer(v))
			printf("%lld\n", (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			printf("%s\n", json_is_true(v) ? "yes" : "no");
		else
			printf("%s\n", json_is_string(v) ? json_string_value(v) : "(none)");
	}
}

static void
profile_print(json_t *j)
{
	printf("%-18s%s\n", "profile", json_string_value(json_object_get(j, "name")));
	pol_print_fields(j, profile_fields);
}

/* One line per profile: name, types, attestation, keys (+count), uv, include, exclude. */
static void
profile_list_print(json_t *j)
{
	static const char *const lists[] = { "types", "include", "exclude" };
	json_t		*p, *x;
	char		 col[3][512], keys[32];
	size_t		 i, k, m;
	int		 off;

	printf("%-16s %-19s %-17s %-10s %-9s %-20s %s\n", "NAME", "TYPES", "ATTESTATION",
	    "KEYS", "UV", "INCLUDE", "EXCLUDE");
	json_array_foreach(json_object_get(j, "profiles"), i, p) {
		for (k = 0; k < 3; k++) {
			off = 0;
			col[k][0] = '\0';
			json_array_foreach(json_object_get(p, lists[k]), m, x)
				if (off >= 0 && (size_t)off < sizeof(col[k]))
					off += snprintf(col[k] + off, sizeof(col[k]) - (size_t)off,
					    "%s%s", m ? "," : "", json_string_value(x));
			if (col[k][0] == '\0')
				snprintf(col[k], sizeof(col[k]), "%s", k == 1 ? "(everyone)" : "-");
		}
		if (strcmp(json_string_value(json_object_get(p, "keys")), "off") == 0)
			snprintf(keys, sizeof(keys), "off");
		else
			snprintf(keys, sizeof(keys), "%s(%zu)",
			    json_string_value(json_object_get(p, "keys")),
			    json_array_size(json_object_get(p, "aaguids")));
		printf("%-16s %-19s %-17s %-10s %-9s %-20s %s\n",
		    json_string_value(json_object_get(p, "name")), col[0],
		    json_string_value(json_object_get(p, "attestation")), keys,
		    json_string_value(json_object_get(p, "userVerification")), col[1], col[2]);
	}
}

static void
tap_policy_print(json_t *j)
{
	pol_print_fields(j, tap_fields);
}

static void
campaign_print(json_t *j)
{
	pol_print_fields(j, campaign_fields);
}

static void
status_print(json_t *j)
{
	static const char *const by[] = { "byProfile", "byKind" };
	const char	*k;
	json_t		*v;
	long long	 t = json_integer_value(json_object_get(j, "targeted"));
	long long	 w = json_integer_value(json_object_get(j, "withPasskey"));
	size_t		 i, n;

	printf("%-22s%s\n", "campaign", json_string_value(json_object_get(j, "state")));
	printf("%-22s%lld\n", "users", (long long)json_integer_value(json_object_get(j, "users")));
	printf("%-22s%lld\n", "targeted", t);
	printf("%-22s%lld (%lld%%)\n", "with a passkey", w, t > 0 ? w * 100 / t : 0);
	printf("%-22s%lld\n", "without a passkey", t - w);
	for (i = 0; i < 2; i++) {
		printf("%-22s", i == 0 ? "by profile" : "by kind");
		n = 0;
		json_object_foreach(json_object_get(j, by[i]), k, v)
			printf("%s%s %lld", n++ ? ", " : "", k, (long long)json_integer_value(v));
		printf("%s\n", n ? "" : "-");
	}
	if (json_integer_value(json_object_get(j, "unreadablePasskeys")) > 0)
		printf("%-22s%lld\n", "unreadable passkeys",
		    (long long)json_integer_value(json_object_get(j, "unreadablePasskeys")));
}

/*
 * The figures, over the users read (each {dn, groups, passkeys}); groups
 * (search mode) maps a member's normalised DN to its group names.  The
 * breakdowns count targeted users with a passkey of that profile or kind.
 */
static json_t *
status_count(struct ctl *ctl, const struct pent *camp, json_t *users, json_t *groups)
{
	const struct pattr	*inc = pent_get(camp, ATTR_INCLUDE);
	const struct pattr	*exc = pent_get(camp, ATTR_EXCLUDE);
	struct slist		 g = { NULL, 0 }, prof = { NULL, 0 }, kind = { NULL, 0 };
	struct passkey		*pk;
	json_t			*u, *x, *byp, *byk, *gl;
	char			 err[256];
	const char		*s;
	json_int_t		 total = 0, targeted = 0, with = 0, bad = 0;
	size_t			 i, k;

	(void)ctl;
	byp = json_object();
	byk = json_object();
	json_array_foreach(users, i, u) {
		total++;
		gl = groups != NULL ? json_object_get(groups, json_string_value(json_object_get(u,
		    "dn"))) : json_object_get(u, "groups");
		json_array_foreach(gl, k, x)
			slist_add(&g, json_string_value(x));
		if (policy_targets(inc != NULL ? inc->vals.v : NULL, inc != NULL ? inc->vals.n : 0,
		    exc != NULL ? exc->vals.v : NULL, exc != NULL ? exc->vals.n : 0, g.v, g.n)) {
			targeted++;
			json_array_foreach(json_object_get(u, "passkeys"), k, x) {
				s = json_string_value(x);
				if ((pk = passkey_decode(s, strlen(s), err, sizeof(err))) == NULL) {
					bad++;
					continue;
				}
				slist_add(&prof, pk->profile != NULL ? pk->profile : "(none)");
				slist_add(&kind, passkey_type(pk));
				passkey_free(pk);
			}
			with += prof.n > 0;
			for (k = 0; k < prof.n; k++)
				json_object_set_new(byp, prof.v[k], json_integer(1 +
				    json_integer_value(json_object_get(byp, prof.v[k]))));
			for (k = 0; k < kind.n; k++)
				json_object_set_new(byk, kind.v[k], json_integer(1 +
				    json_integer_value(json_object_get(byk, kind.v[k]))));
		}
		slist_clear(&g);
		slist_clear(&prof);
		slist_clear(&kind);
	}
	s = pol_first(camp, "latchkeyCampaignState");
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:I}",
	    "state", *s != '\0' ? s : "disabled",
	    "users", total, "targeted", targeted, "withPasskey", with,
	    "withoutPasskey", targeted - with, "byProfile", byp, "byKind", byk,
	    "unreadablePasskeys", bad);
}

/* Search mode: one search of the groups, into groups: member DN -> [names]. */
static int
status_groups(struct ctl *ctl, json_t *groups)
{
	struct pres	 res = { .ctl = ctl, .users = groups,
			    .attr = ctl->conf->group_name_attr };
	const char	*attrs[] = { ctl->conf->group_name_attr, "member", "uniqueMember",
			    NULL };

	store_search(ctl->store, ctl->conf->group_base, "(|(member=*)(uniqueMember=*))",
	    attrs, pol_on_groups, &res);
	ctl_wait(ctl);
	if (res.err == STORE_OK || res.err == STORE_NOTFOUND)
		return 0;
	ctl_fail(ctl, "directory", "reading the groups under %s: %s",
	    ctl->conf->group_base, store_strerror(res.err));
	return -1;
}

/* Copies the policy entries out of the store's data. */
static void
pol_on_entries(enum store_err err, const struct store_entry *se, size_t n, void *arg)
{
	struct pres		*res = arg;
	struct pent		*e;
	struct pattr		*a;
	const struct store_attr	*sa;
	size_t			 i, j, k;

	res->err = err;
	res->ctl->done = 1;
	if (err != STORE_OK)
		return;
	res->set->e = xcalloc(n + 1, sizeof(*res->set->e));
	for (i = 0; i < n; i++) {
		e = &res->set->e[res->set->n++];
		e->dn = xstrdup(se[i].dn);
		e->kind = K_OTHER;
		for (j = 0; j < se[i].nattrs; j++) {
			sa = &se[i].attrs[j];
			if (strcasecmp(sa->name, "objectClass") == 0) {
				for (k = 0; k < sa->nvals; k++) {
					if (strcasecmp(sa->vals[k].data, pkinds[K_PROFILE].oc) == 0)
						e->kind = K_PROFILE;
					else if (strcasecmp(sa->vals[k].data, pkinds[K_TAP].oc) == 0)
						e->kind = K_TAP;
					else if (strcasecmp(sa->vals[k].data,
					    pkinds[K_CAMPAIGN].oc) == 0)
						e->kind = K_CAMPAIGN;
				}
				continue;
			}
			if (strcasecmp(sa->name, "cn") == 0 && sa->nvals > 0 && e->cn == NULL)
				e->cn = xstrdup(sa->vals[0].data);
			a = pent_attr(e, sa->name, 1);
			for (k = 0; k < sa->nvals; k++)
				slist_add(&a->vals, sa->vals[k].data);
		}
		if (e->cn == NULL)
			e->cn = xstrdup("");
	}
}

/* The values of res->attr of the entries found, into res->names. */
static void
pol_on_names(enum store_err err, const struct store_entry *se, size_t n, void *arg)
{
	struct pres	*res = arg;
	size_t		 i, j, k;

	res->err = err;
	res->ctl->done = 1;
	for (i = 0; err == STORE_OK && i < n; i++)
		for (j = 0; j < se[i].nattrs; j++)
			if (strcasecmp(se[i].attrs[j].name, res->attr) == 0)
				for (k = 0; k < se[i].attrs[j].nvals; k++)
					slist_add(res->names, se[i].attrs[j].vals[k].data);
}

/* Users for campaign status: DN (normalised), group names from memberOf, passkeys. */
static void
pol_on_users(enum store_err err, const struct store_entry *se, size_t n, void *arg)
{
	struct pres		*res = arg;
	const struct store_attr	*sa;
	json_t			*u, *g, *p;
	char			*name, *dn;
	size_t			 i, j, k;

	res->err = err;
	res->ctl->done = 1;
	if (err != STORE_OK)
		return;
	res->users = json_array();
	for (i = 0; i < n; i++) {
		g = json_array();
		p = json_array();
		for (j = 0; j < se[i].nattrs; j++) {
			sa = &se[i].attrs[j];
			for (k = 0; k < sa->nvals; k++)
				if (strcasecmp(sa->name, "memberOf") == 0) {
					name = group_of_dn(sa->vals[k].data,
					    res->ctl->conf->group_name_attr);
					if (name != NULL)
						json_array_append_new(g, json_string(name));
					free(name);
				} else if (strcasecmp(sa->name, "latchkeyPasskey") == 0)
					json_array_append_new(p,
					    json_stringn(sa->vals[k].data, sa->vals[k].len));
		}
		dn = NULL;
		if (ldap_dn_normalize(se[i].dn, LDAP_DN_FORMAT_LDAPV3, &dn,
		    LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
			dn = NULL;
		u = json_pack("{s:s, s:o, s:o}", "dn", dn != NULL ? dn : se[i].dn,
		    "groups", g, "passkeys", p);
		ldap_memfree(dn);
		json_array_append_new(res->users, u);
	}
}

/* Search mode: for each group, its name under each member's normalised DN. */
static void
pol_on_groups(enum store_err err, const struct store_entry *se, size_t n, void *arg)
{
	struct pres		*res = arg;
	const struct store_attr	*sa;
	const char		*name;
	json_t			*l;
	char			*dn;
	size_t			 i, j, k;

	res->err = err;
	res->ctl->done = 1;
	for (i = 0; err == STORE_OK && i < n; i++) {
		name = NULL;
		for (j = 0; j < se[i].nattrs; j++)
			if (strcasecmp(se[i].attrs[j].name, res->attr) == 0 &&
			    se[i].attrs[j].nvals > 0)
				name = se[i].attrs[j].vals[0].data;
		for (j = 0; name != NULL && j < se[i].nattrs; j++) {
			sa = &se[i].attrs[j];
			if (strcasecmp(sa->name, "member") != 0 &&
			    strcasecmp(sa->name, "uniqueMember") != 0)
				continue;
			for (k = 0; k < sa->nvals; k++) {
				if (ldap_dn_normalize(sa->vals[k].data, LDAP_DN_FORMAT_LDAPV3,
				    &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || dn == NULL)
					continue;
				if ((l = json_object_get(res->users, dn)) == NULL) {
					l = json_array();
					json_object_set_new(res->users, dn, l);
				}
				json_array_append_new(l, json_string(name));
				ldap_memfree(dn);
			}
		}
	}
}

static void
pol_on_done(enum store_err err, void *arg)
{
	struct pres	*res = arg;

	res->err = err;
	res->ctl->done = 1;
}

/* The attribute name of e (case-insensitive), added empty if create. */
static struct pattr *
pent_attr(struct pent *e, const char *name, int create)
{
	size_t	 i;

	for (i = 0; i < e->na; i++)
		if (strcasecmp(e->a[i].name, name) == 0)
			return &e->a[i];
	if (!create)
		return NULL;
	e->a = xreallocarray(e->a, e->na + 1, sizeof(*e->a));
	memset(&e->a[e->na], 0, sizeof(*e->a));
	e->a[e->na].name = xstrdup(name);
	return &e->a[e->na++];
}

static const struct pattr *
pent_get(const struct pent *e, const char *name)
{
	return pent_attr((struct pent *)(uintptr_t)e, name, 0);
}

static void
pset_clear(struct pset *set)
{
	size_t	 i, j;

	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->e[i].na; j++) {
			free(set->e[i].a[j].name);
			slist_clear(&set->e[i].a[j].vals);
			slist_clear(&set->e[i].a[j].orig);
		}
		free(set->e[i].a);
		free(set->e[i].dn);
		free(set->e[i].cn);
	}
	free(set->e);
	set->e = NULL;
	set->n = 0;
}

/* Lists of names and keywords compare case-insensitively, as the directory does. */
static int
slist_has(const struct slist *l, const char *s)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static void
slist_add(struct slist *l, const char *s)
{
	if (slist_has(l, s))
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

static void
slist_del(struct slist *l, const char *s)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0) {
			free(l->v[i]);
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
			l->n--;
			return;
		}
}

static void
slist_copy(struct slist *dst, const struct slist *src)
{
	size_t	 i;

	slist_clear(dst);
	for (i = 0; i < src->n; i++)
		slist_add(dst, src->v[i]);
}

static void
slist_clear(struct slist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static json_t *
slist_json(const struct slist *l)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

/* A group name from a memberOf DN: its first RDN's value if of the name attribute. */
static char *
group_of_dn(const char *val, const char *attr)
{
	LDAPDN	 dn = NULL;
	LDAPAVA	*ava;
	char	*name = NULL;

	if (ldap_str2dn(val, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    dn == NULL || dn[0] == NULL || dn[0][0] == NULL)
		goto done;
	ava = dn[0][0];
	if (ava->la_attr.bv_len == strlen(attr) &&
	    strncasecmp(ava->la_attr.bv_val, attr, ava->la_attr.bv_len) == 0 &&
	    !(ava->la_flags & LDAP_AVA_BINARY) &&
	    memchr(ava->la_value.bv_val, '\0', ava->la_value.bv_len) == NULL)
		name = xstrndup(ava->la_value.bv_val, ava->la_value.bv_len);
done:
	if (dn != NULL)
		ldap_dnfree(dn);
	return name;
}
