/*
 * ctl_campaign.c: `latchkeyctl campaign status`: the registration
 * campaign's progress (issue 5) from one search of the users (and, where
 * groups are searched, one of the groups).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "conf.h"
#include "ctl.h"
#include "ctl_policy.h"
#include "passkey.h"
#include "policy.h"
#include "store.h"
#include "xmalloc.h"

static void	 status_print(json_t *);
static json_t	*status_count(struct ctl *, const struct pent *, json_t *, json_t *);
static int	 status_groups(struct ctl *, json_t *);
static void	 pol_on_users(enum store_err, const struct store_entry *, size_t, void *);
static void	 pol_on_groups(enum store_err, const struct store_entry *, size_t, void *);
static char	*group_of_dn(const char *, const char *);

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
