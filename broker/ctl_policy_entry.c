/*
 * ctl_policy_entry.c: the policy entries under latchkey-base as the CLI
 * sees them: read in one search and copied, found by kind and name, made
 * new with set-up's defaults, shown as JSON and as text.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "ctl.h"
#include "ctl_policy.h"
#include "store.h"
#include "xmalloc.h"

#define POL_FILTER "(|(objectClass=latchkeyPasskeyProfile)(objectClass=latchkeyTapPolicy)" \
	"(objectClass=latchkeyCampaignPolicy))"

static void	 pol_print_fields(json_t *, const struct pfield *);
static void	 pol_on_entries(enum store_err, const struct store_entry *, size_t, void *);

/* How each kind is shown, with the values set-up writes where one is absent. */
const struct pfield profile_fields[] = {
	{ "types", "latchkeyPasskeyType", F_LIST, "deviceBound,synced" },
	{ "attestation", "latchkeyAttestationEnforcement", F_ONE, "disabled" },
	{ "keys", "latchkeyKeyRestriction", F_ONE, "off" },
	{ "aaguids", "latchkeyAaguid", F_LIST, NULL },
	{ "userVerification", "latchkeyUserVerification", F_ONE, "required" },
	{ "include", ATTR_INCLUDE, F_LIST, NULL },
	{ "exclude", ATTR_EXCLUDE, F_LIST, NULL },
	{ NULL, NULL, F_ONE, NULL }
};
const struct pfield tap_fields[] = {
	{ "minLifetime", "latchkeyTapMinLifetime", F_SECS, "3600" },
	{ "maxLifetime", "latchkeyTapMaxLifetime", F_SECS, "28800" },
	{ "defaultLifetime", "latchkeyTapDefaultLifetime", F_SECS, "3600" },
	{ "length", "latchkeyTapDefaultLength", F_NUM, "8" },
	{ "oneTime", "latchkeyTapOneTime", F_BOOL, "TRUE" },
	{ "include", ATTR_INCLUDE, F_LIST, NULL },
	{ "exclude", ATTR_EXCLUDE, F_LIST, NULL },
	{ NULL, NULL, F_ONE, NULL }
};
const struct pfield campaign_fields[] = {
	{ "state", "latchkeyCampaignState", F_ONE, "disabled" },
	{ "snoozeDays", "latchkeySnoozeDays", F_NUM, "1" },
	{ "snoozeLimit", "latchkeySnoozeLimit", F_NUM, "3" },
	{ "include", ATTR_INCLUDE, F_LIST, NULL },
	{ "exclude", ATTR_EXCLUDE, F_LIST, NULL },
	{ NULL, NULL, F_ONE, NULL }
};

/* Per kind: class, fixed cn (NULL: named by the admin), fields, audit event of a change. */
const struct pkind pkinds[] = {
	[K_PROFILE] = { "latchkeyPasskeyProfile", NULL, profile_fields,
	    "policy.profile.changed" },
	[K_TAP] = { "latchkeyTapPolicy", "tap-policy", tap_fields, "policy.tap.changed" },
	[K_CAMPAIGN] = { "latchkeyCampaignPolicy", "campaign", campaign_fields,
	    "policy.campaign.changed" },
};

/* Reads every policy entry under latchkey-base (one search). */
int
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

struct pent *
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
struct pent *
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
json_t *
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
long long
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

/* The first value of attr, or "". */
const char *
pol_first(const struct pent *e, const char *attr)
{
	const struct pattr	*a = pent_get(e, attr);

	return a != NULL && a->vals.n > 0 ? a->vals.v[0] : "";
}

/* A duration as an admin writes it: "8h", "90m", "30d". */
void
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

void
profile_print(json_t *j)
{
	printf("%-18s%s\n", "profile", json_string_value(json_object_get(j, "name")));
	pol_print_fields(j, profile_fields);
}

/* One line per profile: name, types, attestation, keys (+count), uv, include, exclude. */
void
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

void
tap_policy_print(json_t *j)
{
	pol_print_fields(j, tap_fields);
}

void
campaign_print(json_t *j)
{
	pol_print_fields(j, campaign_fields);
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

void
pol_on_done(enum store_err err, void *arg)
{
	struct pres	*res = arg;

	res->err = err;
	res->ctl->done = 1;
}

/* The attribute name of e (case-insensitive), added empty if create. */
struct pattr *
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

const struct pattr *
pent_get(const struct pent *e, const char *name)
{
	return pent_attr((struct pent *)(uintptr_t)e, name, 0);
}

void
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
int
slist_has(const struct slist *l, const char *s)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void
slist_add(struct slist *l, const char *s)
{
	if (slist_has(l, s))
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

void
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

void
slist_copy(struct slist *dst, const struct slist *src)
{
	size_t	 i;

	slist_clear(dst);
	for (i = 0; i < src->n; i++)
		slist_add(dst, src->v[i]);
}

void
slist_clear(struct slist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

json_t *
slist_json(const struct slist *l)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}
