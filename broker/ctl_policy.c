/*
 * ctl_policy.c: `latchkeyctl profile add|set|show|list|delete`, `tap-policy
 * show|set` and `campaign show|set` (status: ctl_campaign.c): the policy entries
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

#include "audit.h"
#include "conf.h"
#include "ctl.h"
#include "ctl_policy.h"
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

static int	 pol_change(struct ctl *, int, char **, unsigned int, enum pol_kind);
static int	 pol_parse(struct ctl *, int, char **, unsigned int, struct pent *,
		    const char **);
static int	 pol_value(struct ctl *, const struct popt *, const char *, struct slist *);
static void	 pol_apply(struct pent *, const struct popt *, struct slist *);
static int	 pol_check(struct ctl *, const struct pent *);
static int	 pol_refuse(struct ctl *, const char *);
static int	 pol_check_groups(struct ctl *, const struct pent *);
static int	 pol_check_whole(struct ctl *, const struct pset *);
static int	 pol_write(struct ctl *, const struct pent *);
static void	 pol_audit(struct ctl *, const char *, const char *, json_t *);
static const char *pol_actor(char *, size_t);
static int	 pol_usage(struct ctl *, unsigned int);
static int	 pol_name_ok(const char *, size_t);
static void	 pol_on_names(enum store_err, const struct store_entry *, size_t, void *);

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
