/*
 * store_request.c: the operations callers ask the store for (store.h):
 * each checks its arguments, builds its LDAP request (escaping what the
 * caller gave, RFC 4515 §3) and hands it to the operation table in store.c,
 * which owns the connection, the message ids, the timeouts and the
 * callbacks.  A user lookup is one search for the user entry, then, with
 * group_mode search, a second one for its groups.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "store_entry.h"
#include "store_priv.h"
#include "xmalloc.h"

#define STORE_NAME_MAX		256		/* longest user name looked up */
#define STORE_ENTRIES_MAX	10000		/* entries of one generic search */

static uint64_t	 store_user_lookup(struct store *, const char *, store_user_cb, void *);

/* Reads the root DSE (base scope, "" DN): the cheapest proof of life. */
uint64_t
store_ping(struct store *st, store_done_cb cb, void *arg)
{
	struct store_op	*op;
	char		*attrs[] = { LDAP_NO_ATTRS, NULL };

	if ((op = store_op_new(st, KIND_PING, arg)) == NULL)
		return 0;
	op->done_cb = cb;
	op->maxentries = 1;
	if (st->state != STORE_UP)
		return store_op_start(op, -1, LDAP_SERVER_DOWN);
	return store_op_start(op, 0, store_search_send(op, "", LDAP_SCOPE_BASE,
	    "(objectClass=*)", attrs, 1));
}

/*
 * Looks a user up by name: user_filter with "%s" replaced by the name,
 * escaped (RFC 4515 §3), below user_base.  Exactly one entry must match.
 */
uint64_t
store_user_by_name(struct store *st, const char *name, store_user_cb cb, void *arg)
{
	struct store_op	*op;
	char		*esc, *filter;
	uint64_t	 id;

	if (name == NULL || strlen(name) > STORE_NAME_MAX) {
		if ((op = store_op_new(st, KIND_USER, arg)) == NULL)
			return 0;
		op->user_cb = cb;
		return store_op_start(op, -1, LDAP_PARAM_ERROR);
	}
	esc = store_escape(name, strlen(name));
	filter = store_subst(st->cf.user_filter, esc);
	id = store_user_lookup(st, filter, cb, arg);
	free(filter);
	free(esc);
	return id;
}

/* Looks a user up by WebAuthn user handle (equality-indexed, ARCHITECTURE §3). */
uint64_t
store_user_by_handle(struct store *st, const void *handle, size_t len,
    store_user_cb cb, void *arg)
{
	char		*esc, *filter;
	uint64_t	 id;

	esc = store_escape(handle, len);
	xasprintf(&filter, "(latchkeyUserHandle=%s)", esc);
	id = store_user_lookup(st, len == 0 ? NULL : filter, cb, arg);
	free(filter);
	free(esc);
	return id;
}

/* Looks a user up by credential id (latchkeyPasskeyId, unique directory-wide). */
uint64_t
store_user_by_credential(struct store *st, const void *cid, size_t len,
    store_user_cb cb, void *arg)
{
	char		*esc, *filter;
	uint64_t	 id;

	esc = store_escape(cid, len);
	xasprintf(&filter, "(latchkeyPasskeyId=%s)", esc);
	id = store_user_lookup(st, len == 0 ? NULL : filter, cb, arg);
	free(filter);
	free(esc);
	return id;
}

/* Subtree search below base (NULL: latchkey_base); attrs NULL-terminated, NULL: all. */
uint64_t
store_search(struct store *st, const char *base, const char *filter,
    const char *const *attrs, store_entries_cb cb, void *arg)
{
	struct store_op	*op;

	if ((op = store_op_new(st, KIND_SEARCH, arg)) == NULL)
		return 0;
	op->entries_cb = cb;
	op->maxentries = STORE_ENTRIES_MAX;
	if (base == NULL)
		base = st->cf.latchkey_base;
	if (base == NULL || filter == NULL)
		return store_op_start(op, -1, LDAP_PARAM_ERROR);
	if (st->state != STORE_UP)
		return store_op_start(op, -1, LDAP_SERVER_DOWN);
	/* libldap does not write through attrs; its prototype predates const. */
	return store_op_start(op, 0, store_search_send(op, base, LDAP_SCOPE_SUBTREE,
	    filter, (char **)(uintptr_t)attrs, STORE_ENTRIES_MAX + 1));
}

/* One modify request: the changes apply together or not at all (RFC 4511 §4.6). */
uint64_t
store_modify(struct store *st, const char *dn, const struct store_mod *mods,
    size_t nmods, store_done_cb cb, void *arg)
{
	struct store_op	*op;
	LDAPMod		**lm;
	int		  rc, msgid = -1;

	if ((op = store_op_new(st, KIND_MODIFY, arg)) == NULL)
		return 0;
	op->done_cb = cb;
	if (dn == NULL || (lm = store_mods_build(mods, nmods, 0)) == NULL)
		return store_op_start(op, -1, LDAP_PARAM_ERROR);
	if (st->state != STORE_UP)
		rc = LDAP_SERVER_DOWN;
	else
		rc = ldap_modify_ext(st->ld, dn, lm, NULL, NULL, &msgid);
	store_mods_free(lm);
	op->msgid = msgid;
	return store_op_start(op, 0, rc);
}

/* Adds an entry; every change must be an ADD (objectClass among them). */
uint64_t
store_add(struct store *st, const char *dn, const struct store_mod *mods,
    size_t nmods, store_done_cb cb, void *arg)
{
	struct store_op	*op;
	LDAPMod		**lm;
	int		  rc, msgid = -1;

	if ((op = store_op_new(st, KIND_ADD, arg)) == NULL)
		return 0;
	op->done_cb = cb;
	if (dn == NULL || (lm = store_mods_build(mods, nmods, 1)) == NULL)
		return store_op_start(op, -1, LDAP_PARAM_ERROR);
	if (st->state != STORE_UP)
		rc = LDAP_SERVER_DOWN;
	else
		rc = ldap_add_ext(st->ld, dn, lm, NULL, NULL, &msgid);
	store_mods_free(lm);
	op->msgid = msgid;
	return store_op_start(op, 0, rc);
}

uint64_t
store_delete(struct store *st, const char *dn, store_done_cb cb, void *arg)
{
	struct store_op	*op;
	int		 rc, msgid = -1;

	if ((op = store_op_new(st, KIND_DELETE, arg)) == NULL)
		return 0;
	op->done_cb = cb;
	if (dn == NULL)
		return store_op_start(op, -1, LDAP_PARAM_ERROR);
	if (st->state != STORE_UP)
		rc = LDAP_SERVER_DOWN;
	else
		rc = ldap_delete_ext(st->ld, dn, NULL, NULL, &msgid);
	op->msgid = msgid;
	return store_op_start(op, 0, rc);
}

/* Users. */

/* The common start of the three user lookups; filter NULL: a bad argument. */
static uint64_t
store_user_lookup(struct store *st, const char *filter, store_user_cb cb,
    void *arg)
{
	struct store_op	*op;
	const char	*base;
	char		*attrs[12];
	size_t		 n = 0;

	if ((op = store_op_new(st, KIND_USER, arg)) == NULL)
		return 0;
	op->user_cb = cb;
	op->maxentries = 2;
	base = st->cf.user_base != NULL ? st->cf.user_base : st->cf.base_dn;
	if (filter == NULL || base == NULL || st->cf.user_name_attr == NULL)
		return store_op_start(op, -1, LDAP_PARAM_ERROR);
	if (st->state != STORE_UP)
		return store_op_start(op, -1, LDAP_SERVER_DOWN);
	attrs[n++] = st->cf.user_name_attr;
	if (st->cf.display_name_attr != NULL)
		attrs[n++] = st->cf.display_name_attr;
	attrs[n++] = (char *)"objectClass";
	attrs[n++] = (char *)"latchkeyUserHandle";
	attrs[n++] = (char *)"latchkeyPasskey";
	attrs[n++] = (char *)"latchkeyPasskeyId";
	attrs[n++] = (char *)"latchkeyTap";
	attrs[n++] = (char *)"latchkeyCampaign";
	if (st->cf.group_mode == CONF_GROUPS_MEMBEROF)
		attrs[n++] = (char *)"memberOf";
	attrs[n] = NULL;
	/* A size limit of 2 is enough to tell one match from several. */
	return store_op_start(op, 0, store_search_send(op, base,
	    LDAP_SCOPE_SUBTREE, filter, attrs, 2));
}

/*
 * A user lookup's search is done: exactly one entry makes a user; with
 * group_mode search the groups are searched next (group_filter with the
 * user's DN escaped) before the callback.
 */
void
store_op_user_done(struct store_op *op, enum store_err err)
{
	struct store	*st = op->st;
	struct store_user *u;
	struct store_user_map map;
	char		*esc, *filter, *attrs[2], who[STORE_WHO_MAX];
	int		 rc;

	if (op->kind == KIND_GROUPS && err == STORE_NOTFOUND) {
		/* Not "no such user": the group base itself is missing. */
		log_warnx("%s: group op %llu: group_base not found",
		    store_uri(st), (unsigned long long)op->id);
		err = STORE_INVALID;
	}
	if (err != STORE_OK) {
		store_op_finish(op, err);
		return;
	}
	if (op->kind == KIND_GROUPS) {
		store_user_set_groups(op->user, op->entries, op->nentries,
		    st->cf.group_name_attr);
		store_op_finish(op, STORE_OK);
		return;
	}
	if (op->nentries != 1) {
		store_op_finish(op, op->nentries == 0 ? STORE_NOTFOUND :
		    STORE_AMBIGUOUS);
		return;
	}
	map.name_attr = st->cf.user_name_attr;
	map.display_name_attr = st->cf.display_name_attr;
	map.group_name_attr = st->cf.group_name_attr;
	map.memberof = st->cf.group_mode == CONF_GROUPS_MEMBEROF;
	store_op_who(op, who, sizeof(who));
	if ((u = store_user_build(&op->entries[0], &map, who)) == NULL) {
		store_op_finish(op, STORE_INVALID);
		return;
	}
	op->user = u;
	if (st->cf.group_mode != CONF_GROUPS_SEARCH) {
		store_op_finish(op, STORE_OK);
		return;
	}
	store_entries_free(op->entries, op->nentries);
	op->entries = NULL;
	op->nentries = 0;
	op->kind = KIND_GROUPS;
	op->maxentries = STORE_GROUPS_MAX;
	esc = store_escape(u->dn, strlen(u->dn));
	filter = store_subst(st->cf.group_filter, esc);
	attrs[0] = st->cf.group_name_attr;
	attrs[1] = NULL;
	rc = store_search_send(op, st->cf.group_base != NULL ?
	    st->cf.group_base : st->cf.base_dn, LDAP_SCOPE_SUBTREE, filter, attrs,
	    STORE_GROUPS_MAX + 1);
	free(filter);
	free(esc);
	if (rc != LDAP_SUCCESS)
		store_op_start(op, 0, rc);
}

/*
 * The text of an LDAP error with libldap's diagnostic message, which is
 * where a TLS failure says why ("certificate verify failed") when the
 * result code says only that the server could not be contacted.
 */
const char *
store_ld_why(struct store *st, int rc, char *buf, size_t len)
{
	char	*diag = NULL;

	const char	*uri = store_uri(st), *hint = "";
	int		 tls;

	if (st->ld != NULL)
		ldap_get_option(st->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	/* libldap over GnuTLS reports a refused certificate as "unknown error". */
	if (diag != NULL && strcmp(diag, "(unknown error code)") == 0) {
		ldap_memfree(diag);
		diag = NULL;
	}
	tls = strncasecmp(uri, "ldaps://", 8) == 0 ||
	    (st->cf.starttls && strncasecmp(uri, "ldap://", 7) == 0);
	if (tls && (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR))
		hint = " (if the server answers, check tls-ca-file and that the"
		    " server certificate names the host in the URI)";
	snprintf(buf, len, "%s%s%s%s", ldap_err2string(rc),
	    diag != NULL && *diag != '\0' ? ": " : "", diag != NULL ? diag : "", hint);
	ldap_memfree(diag);
	return buf;
}
