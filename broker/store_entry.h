/*
 * store_entry.h: private to the store (store.c and store_entry.c); callers
 * include store.h only.  What the store does with the data it exchanges
 * with the directory, apart from the connection: entries copied out of
 * libldap's messages within bounds, users built from entries, filters and
 * DNs escaped, changes turned into libldap's LDAPMod arrays.  Nothing here
 * touches the connection or the event loop.
 */
#ifndef LATCHKEY_STORE_ENTRY_H
#define LATCHKEY_STORE_ENTRY_H

#include <stddef.h>

#include <ldap.h>

#include "store.h"

/* Bounds on what the directory sends us and on what we send it. */
#define STORE_GROUPS_MAX	1000		/* groups of one user */
#define STORE_PASSKEYS_MAX	256		/* passkeys of one user */
#define STORE_VALUE_MAX		(64 * 1024)	/* bytes of one value */
#define STORE_VALUES_MAX	5000		/* values of any other attribute */
#define STORE_ATTRS_MAX		256		/* attributes of one entry */
#define STORE_MODS_MAX		1000		/* changes in one modify or add */

/* Which attributes of a user entry mean what (the store's configuration). */
struct store_user_map {
	const char	*name_attr;
	const char	*display_name_attr;	/* NULL: none */
	const char	*group_name_attr;
	int		 memberof;		/* groups from memberOf values */
};

/*
 * Copies the entry of a SearchResultEntry into *e (the caller clears it with
 * store_entry_clear).  Returns -1, logged under the prefix who (the URI and
 * the operation), if the entry breaks a bound: too many attributes or
 * values, or a value too long; *e is then empty.
 */
int		 store_entry_read(LDAP *, LDAPMessage *, const char *who,
		    struct store_entry *e);
void		 store_entry_clear(struct store_entry *);
/* Clears n entries and frees the array.  NULL-safe. */
void		 store_entries_free(struct store_entry *, size_t n);

/* A new user from a user entry; NULL (logged under who) if it has no name. */
struct store_user *store_user_build(const struct store_entry *,
		    const struct store_user_map *, const char *who);
/* Sets u's groups to the group_attr values of the n group entries found. */
void		 store_user_set_groups(struct store_user *u,
		    const struct store_entry *, size_t n, const char *group_attr);
/* NULL-safe. */
void		 store_user_free(struct store_user *);

/*
 * A configured filter with every "%s" replaced by val (already escaped);
 * a new string, or NULL if tmpl is NULL.
 */
char		*store_subst(const char *tmpl, const char *val);

/*
 * libldap's LDAPMod array for n changes (binary values), pointing into mods
 * (which must outlive it); add: every change must be an ADD with values.
 * NULL on a bad change or count.  Freed with store_mods_free.
 */
LDAPMod		**store_mods_build(const struct store_mod *mods, size_t n, int add);
void		 store_mods_free(LDAPMod **);

#endif
