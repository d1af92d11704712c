/*
 * store_entry.c: the data side of the directory client (store.c keeps the
 * connection).  Entries are copied out of libldap's messages only within
 * bounds, because a directory's answer is network input (STYLE 12); users
 * are built from entries by the configured attribute names; values are
 * escaped for filters (RFC 4515) and DNs (RFC 4514) by libldap; changes
 * become libldap's LDAPMod arrays.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "log.h"
#include "store.h"
#include "store_entry.h"
#include "xmalloc.h"

static size_t	 store_attr_max(const char *);
static int	 store_group_from_dn(const char *, const char *, char **);
static void	 store_val_copy(struct store_val *, const struct store_val *);

/* Entries. */

/*
 * Copies an entry out of its message, refusing (with a log line) what no
 * sane directory sends: too many attributes or values, or huge values.
 */
int
store_entry_read(LDAP *ld, LDAPMessage *msg, const char *who,
    struct store_entry *e)
{
	BerElement	*ber = NULL;
	struct berval	**vals;
	struct store_attr *a;
	const char	*why = NULL;
	char		*dn, *name;
	size_t		 n, i;

	memset(e, 0, sizeof(*e));
	if ((dn = ldap_get_dn(ld, msg)) == NULL)
		return -1;
	e->dn = xstrdup(dn);
	ldap_memfree(dn);
	for (name = ldap_first_attribute(ld, msg, &ber); name != NULL &&
	    why == NULL; name = ldap_next_attribute(ld, msg, ber)) {
		vals = ldap_get_values_len(ld, msg, name);
		for (n = 0; vals != NULL && vals[n] != NULL; n++)
			if (vals[n]->bv_len > STORE_VALUE_MAX)
				why = "a value too long";
		if (n > store_attr_max(name))
			why = "too many values";
		if (e->nattrs == STORE_ATTRS_MAX)
			why = "too many attributes";
		if (why == NULL) {
			e->attrs = xreallocarray(e->attrs, e->nattrs + 1,
			    sizeof(*e->attrs));
			a = &e->attrs[e->nattrs++];
			a->name = xstrdup(name);
			a->vals = xcalloc(n + 1, sizeof(*a->vals));
			for (i = 0; i < n; i++) {
				a->vals[i].data = xmalloc(vals[i]->bv_len + 1);
				memcpy(a->vals[i].data, vals[i]->bv_val,
				    vals[i]->bv_len);
				a->vals[i].data[vals[i]->bv_len] = '\0';
				a->vals[i].len = vals[i]->bv_len;
			}
			a->nvals = n;
		} else
			log_warnx("%s: entry \"%s\" refused: %s in %s", who,
			    e->dn, why, name);
		ldap_value_free_len(vals);
		ldap_memfree(name);
	}
	if (name != NULL)
		ldap_memfree(name);
	if (ber != NULL)
		ber_free(ber, 0);
	if (why != NULL) {
		store_entry_clear(e);
		return -1;
	}
	return 0;
}

void
store_entry_clear(struct store_entry *e)
{
	size_t	 j, k;

	for (j = 0; j < e->nattrs; j++) {
		for (k = 0; k < e->attrs[j].nvals; k++)
			free(e->attrs[j].vals[k].data);
		free(e->attrs[j].vals);
		free(e->attrs[j].name);
	}
	free(e->attrs);
	free(e->dn);
	memset(e, 0, sizeof(*e));
}

void
store_entries_free(struct store_entry *e, size_t n)
{
	size_t	 i;

	for (i = 0; e != NULL && i < n; i++)
		store_entry_clear(&e[i]);
	free(e);
}

/* Users. */

/* Makes a store_user out of a user entry; NULL (logged) if it has no name. */
struct store_user *
store_user_build(const struct store_entry *e, const struct store_user_map *map,
    const char *who)
{
	struct store_user *u;
	const struct store_attr *a;
	char		*g;
	size_t		 i, j;

	u = xcalloc(1, sizeof(*u));
	u->dn = xstrdup(e->dn);
	for (i = 0; i < e->nattrs; i++) {
		a = &e->attrs[i];
		if (a->nvals == 0)
			continue;
		if (strcasecmp(a->name, map->name_attr) == 0)
			u->name = xstrdup(a->vals[0].data);
		else if (map->display_name_attr != NULL &&
		    strcasecmp(a->name, map->display_name_attr) == 0)
			u->display_name = xstrdup(a->vals[0].data);
		else if (strcasecmp(a->name, "objectClass") == 0) {
			for (j = 0; j < a->nvals; j++)
				if (strcasecmp(a->vals[j].data, "latchkeyUser") == 0)
					u->latchkey = 1;
		} else if (strcasecmp(a->name, "latchkeyUserHandle") == 0)
			store_val_copy(&u->handle, &a->vals[0]);
		else if (strcasecmp(a->name, "latchkeyPasskey") == 0) {
			u->passkeys = xcalloc(a->nvals, sizeof(*u->passkeys));
			for (j = 0; j < a->nvals; j++)
				store_val_copy(&u->passkeys[j], &a->vals[j]);
			u->npasskeys = a->nvals;
		} else if (strcasecmp(a->name, "latchkeyPasskeyId") == 0) {
			u->passkey_ids = xcalloc(a->nvals, sizeof(*u->passkey_ids));
			for (j = 0; j < a->nvals; j++)
				store_val_copy(&u->passkey_ids[j], &a->vals[j]);
			u->npasskey_ids = a->nvals;
		} else if (strcasecmp(a->name, "latchkeyTap") == 0)
			u->tap = xstrdup(a->vals[0].data);
		else if (strcasecmp(a->name, "latchkeyCampaign") == 0)
			u->campaign = xstrdup(a->vals[0].data);
		else if (strcasecmp(a->name, "memberOf") == 0 && map->memberof) {
			u->groups = xcalloc(a->nvals, sizeof(*u->groups));
			for (j = 0; j < a->nvals; j++)
				if (store_group_from_dn(a->vals[j].data,
				    map->group_name_attr, &g) == 0)
					u->groups[u->ngroups++] = g;
		}
	}
	if (u->name == NULL) {
		log_warnx("%s: entry \"%s\" has no %s", who, e->dn,
		    map->name_attr);
		store_user_free(u);
		return NULL;
	}
	return u;
}

/* The groups of a user when group_mode is search: one name per group entry. */
void
store_user_set_groups(struct store_user *u, const struct store_entry *entries,
    size_t n, const char *group_attr)
{
	const struct store_entry *e;
	size_t		 i, j;

	u->groups = xcalloc(n, sizeof(*u->groups));
	for (i = 0; i < n; i++) {
		e = &entries[i];
		for (j = 0; j < e->nattrs; j++)
			if (strcasecmp(e->attrs[j].name, group_attr) == 0 &&
			    e->attrs[j].nvals > 0)
				break;
		if (j < e->nattrs)
			u->groups[u->ngroups++] = xstrdup(e->attrs[j].vals[0].data);
	}
}

void
store_user_free(struct store_user *u)
{
	size_t	 i;

	if (u == NULL)
		return;
	free(u->dn);
	free(u->name);
	free(u->display_name);
	free(u->handle.data);
	for (i = 0; i < u->npasskeys; i++)
		free(u->passkeys[i].data);
	free(u->passkeys);
	for (i = 0; i < u->npasskey_ids; i++)
		free(u->passkey_ids[i].data);
	free(u->passkey_ids);
	free(u->tap);
	free(u->campaign);
	for (i = 0; i < u->ngroups; i++)
		free(u->groups[i]);
	free(u->groups);
	free(u);
}

/* Escaping and filters. */

/* RFC 4515 §3: any byte may be written \XX; libldap escapes what must be. */
char *
store_escape(const void *val, size_t len)
{
	struct berval	 in, out;
	char		*s;

	in.bv_val = (char *)(uintptr_t)val;
	in.bv_len = len;
	out.bv_val = NULL;
	out.bv_len = 0;
	if (ldap_bv2escaped_filter_value(&in, &out) != 0)
		fatalx("store_escape: out of memory");
	s = out.bv_val == NULL ? xstrdup("") : xstrndup(out.bv_val, out.bv_len);
	ldap_memfree(out.bv_val);
	return s;
}

/*
 * RFC 4514 §2.4: escapes an attribute value for a DN by letting libldap
 * write the one-AVA DN "x=<value>" and keeping what follows "x=".
 */
char *
store_escape_dn(const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	LDAPAVA		 ava, *rdn[2];
	LDAPRDN		 dn[2];
	char		*str = NULL, *s;
	size_t		 i;

	if (val == NULL)
		return xstrdup("");
	memset(&ava, 0, sizeof(ava));
	ava.la_attr.bv_val = (char *)"x";
	ava.la_attr.bv_len = 1;
	ava.la_value.bv_val = (char *)(uintptr_t)val;
	ava.la_value.bv_len = strlen(val);
	ava.la_flags = LDAP_AVA_STRING;
	rdn[0] = &ava;
	rdn[1] = NULL;
	dn[0] = rdn;
	dn[1] = NULL;
	if (ldap_dn2str(dn, &str, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    str == NULL || strncmp(str, "x=", 2) != 0) {
		/*
		 * libldap writes UTF-8 values only, but the value may come from
		 * a client and must not end the daemon.  RFC 4514 §3 lets any
		 * octet be a hexpair: the DN stays well formed, and the
		 * directory refuses or never matches it.
		 */
		ldap_memfree(str);
		s = xmalloc(3 * strlen(val) + 1);
		for (i = 0; val[i] != '\0'; i++) {
			s[3 * i] = '\\';
			s[3 * i + 1] = hex[(unsigned char)val[i] >> 4];
			s[3 * i + 2] = hex[(unsigned char)val[i] & 0xf];
		}
		s[3 * i] = '\0';
		return s;
	}
	s = xstrdup(str + 2);
	ldap_memfree(str);
	return s;
}

/* Replaces every "%s" of a configured filter (never a printf format) by val. */
char *
store_subst(const char *tmpl, const char *val)
{
	const char	*p;
	char		*out, *o;
	size_t		 n = 0;

	if (tmpl == NULL)
		return NULL;
	for (p = tmpl; (p = strstr(p, "%s")) != NULL; p += 2)
		n++;
	o = out = xmalloc(strlen(tmpl) + n * strlen(val) + 1);
	for (p = tmpl; *p != '\0'; ) {
		if (p[0] == '%' && p[1] == 's') {
			memcpy(o, val, strlen(val));
			o += strlen(val);
			p += 2;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* Changes. */

/* Builds libldap's LDAPMod array (binary values); NULL on a bad change or count. */
LDAPMod **
store_mods_build(const struct store_mod *mods, size_t n, int add)
{
	static const int ops[] = {
		[STORE_MOD_ADD] = LDAP_MOD_ADD,
		[STORE_MOD_DELETE] = LDAP_MOD_DELETE,
		[STORE_MOD_REPLACE] = LDAP_MOD_REPLACE,
	};
	LDAPMod		**lm, *m;
	struct berval	*bv;
	size_t		 i, j;

	if (n == 0 || n > STORE_MODS_MAX)
		return NULL;
	for (i = 0; i < n; i++)
		if (mods[i].attr == NULL || (unsigned int)mods[i].op > 2 ||
		    (add && (mods[i].op != STORE_MOD_ADD || mods[i].nvals == 0)) ||
		    mods[i].nvals > STORE_VALUES_MAX ||
		    (mods[i].nvals > 0 && mods[i].vals == NULL))
			return NULL;
	lm = xcalloc(n + 1, sizeof(*lm));
	for (i = 0; i < n; i++) {
		m = lm[i] = xcalloc(1, sizeof(*m));
		m->mod_op = ops[mods[i].op] | LDAP_MOD_BVALUES;
		m->mod_type = (char *)(uintptr_t)mods[i].attr;
		if (mods[i].nvals == 0)
			continue;
		m->mod_bvalues = xcalloc(mods[i].nvals + 1, sizeof(struct berval *));
		bv = xcalloc(mods[i].nvals, sizeof(*bv));
		for (j = 0; j < mods[i].nvals; j++) {
			bv[j].bv_val = mods[i].vals[j].data;
			bv[j].bv_len = mods[i].vals[j].len;
			m->mod_bvalues[j] = &bv[j];
		}
	}
	return lm;
}

void
store_mods_free(LDAPMod **lm)
{
	size_t	 i;

	for (i = 0; lm[i] != NULL; i++) {
		if (lm[i]->mod_bvalues != NULL)
			free(lm[i]->mod_bvalues[0]);
		free(lm[i]->mod_bvalues);
		free(lm[i]);
	}
	free(lm);
}

/* Helpers. */

/* How many values an attribute may have (groups and passkeys per issue 2). */
static size_t
store_attr_max(const char *name)
{
	if (strcasecmp(name, "memberOf") == 0)
		return STORE_GROUPS_MAX;
	if (strcasecmp(name, "latchkeyPasskey") == 0 ||
	    strcasecmp(name, "latchkeyPasskeyId") == 0)
		return STORE_PASSKEYS_MAX;
	return STORE_VALUES_MAX;
}

/*
 * A group name from a memberOf value: the value of the DN's first RDN when
 * its type is the group name attribute ("cn=staff,ou=groups,..." -> staff).
 */
static int
store_group_from_dn(const char *val, const char *attr, char **name)
{
	LDAPDN		 dn = NULL;
	LDAPAVA		*ava;
	int		 ret = -1;

	if (ldap_str2dn(val, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    dn == NULL || dn[0] == NULL || dn[0][0] == NULL)
		goto done;
	ava = dn[0][0];
	if (ava->la_attr.bv_len != strlen(attr) ||
	    strncasecmp(ava->la_attr.bv_val, attr, ava->la_attr.bv_len) != 0 ||
	    (ava->la_flags & LDAP_AVA_BINARY) ||
	    memchr(ava->la_value.bv_val, '\0', ava->la_value.bv_len) != NULL)
		goto done;
	*name = xstrndup(ava->la_value.bv_val, ava->la_value.bv_len);
	ret = 0;
 done:
	if (dn != NULL)
		ldap_dnfree(dn);
	return ret;
}

static void
store_val_copy(struct store_val *dst, const struct store_val *src)
{
	dst->data = xmalloc(src->len + 1);
	memcpy(dst->data, src->data, src->len);
	dst->data[src->len] = '\0';
	dst->len = src->len;
}
