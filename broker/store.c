/*
 * store.c: the directory client.  One libldap connection used
 * asynchronously inside the caller's event loop: the connection's descriptor
 * is watched for reading, and on readiness every complete message is taken
 * with a zero-timeout ldap_result(), so the loop never blocks on the
 * directory.  Each operation is a struct store_op in a table keyed by its
 * LDAP message id (STYLE 6), with its own timeout; callers see our own
 * 64-bit operation ids, because LDAP message ids restart on every connection.
 *
 * Connection states: DOWN (waiting for the backoff timer), CONNECTING
 * (TCP/TLS/StartTLS/bind in progress; operations are refused with
 * STORE_UNAVAILABLE rather than queued, so /readyz can say why) and UP.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <ldap.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define STORE_NAME_MAX		256		/* longest user name looked up */
#define STORE_GROUPS_MAX	1000		/* groups of one user */
#define STORE_PASSKEYS_MAX	256		/* passkeys of one user */
#define STORE_VALUE_MAX		(64 * 1024)	/* bytes of one value */
#define STORE_VALUES_MAX	5000		/* values of any other attribute */
#define STORE_ATTRS_MAX		256		/* attributes of one entry */
#define STORE_ENTRIES_MAX	10000		/* entries of one generic search */
#define STORE_MODS_MAX		1000		/* changes in one modify or add */
#define STORE_PASSWORD_MAX	1024		/* bytes of the bind password file */
#define STORE_BACKOFF_MIN_MS	250		/* first reconnect delay */
#define STORE_RC_PWFILE		(-0x7000)	/* not an LDAP code: password file unreadable */

enum store_kind {
	KIND_PING, KIND_USER, KIND_GROUPS, KIND_SEARCH, KIND_MODIFY, KIND_ADD,
	KIND_DELETE,
};

static const char *const store_kind_names[] = {
	[KIND_PING] = "ping", [KIND_USER] = "user lookup",
	[KIND_GROUPS] = "group search", [KIND_SEARCH] = "search",
	[KIND_MODIFY] = "modify", [KIND_ADD] = "add", [KIND_DELETE] = "delete",
};

/* Steps of a connection attempt while CONNECTING. */
enum store_conn { CONN_NONE, CONN_STARTTLS, CONN_BIND, CONN_READY };

/* Our copy of the directory settings: the caller may free its conf. */
struct store_cf {
	char		**uris;
	size_t		  nuris;
	int		  starttls;
	char		 *tls_ca_file;
	int		  sasl_external;
	char		 *bind_dn;
	char		 *bind_password_file;
	char		 *base_dn;
	char		 *user_base;
	char		 *user_filter;
	char		 *user_name_attr;
	char		 *display_name_attr;
	char		 *group_base;
	int		  group_mode;
	char		 *group_filter;
	char		 *group_name_attr;
	char		 *latchkey_base;
	uint64_t	  timeout_ms;
	uint64_t	  backoff_max_ms;
};

struct store_op {
	TAILQ_ENTRY(store_op)	 entry;
	struct store		*st;
	uint64_t		 id;
	int			 msgid;		/* -1: not on the wire, fails with err */
	enum store_kind		 kind;
	enum store_err		 err;
	struct event		*timer;		/* timeout, or the deferred failure */
	uint64_t		 start_ms;
	store_done_cb		 done_cb;
	store_user_cb		 user_cb;
	store_entries_cb	 entries_cb;
	void			*arg;
	struct store_entry	*entries;	/* accumulated until SearchResultDone */
	size_t			 nentries;
	size_t			 maxentries;
	int			 overflow;	/* a hostile answer: STORE_INVALID */
	struct store_user	*user;		/* KIND_GROUPS: the user being completed */
};

struct store {
	struct event_base	*base;
	struct store_cf		 cf;
	LDAP			*ld;
	unsigned int		 gen;		/* bumped whenever ld is dropped */
	enum store_state	 state;
	enum store_conn		 conn;
	int			 conn_msgid;
	size_t			 uri_idx;
	uint64_t		 backoff_ms;
	int			 started;
	int			 warned;	/* the outage has been logged */
	int			 closing;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_conn;	/* connect timeout, backoff, or a drop */
	char			 reason[256];
	char			 drop_reason[256];
	store_state_cb		 state_cb;
	void			*state_arg;
	TAILQ_HEAD(, store_op)	 ops;
	uint64_t		 next_id;
	struct store_stats	 stats;
};

const double store_latency_bounds[7] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1 };

static void	 store_cf_set(struct store_cf *, const struct conf *);
static void	 store_cf_clear(struct store_cf *);
static int	 store_cf_same_directory(const struct store_cf *, const struct conf *);
static const char *store_uri(const struct store *);
static void	 store_enter_state(struct store *, enum store_state);
static void	 store_connect(struct store *);
static void	 store_conn_send(struct store *);
static int	 store_send_bind(struct store *, int *);
static void	 store_conn_result(struct store *, LDAPMessage *);
static void	 store_watch(struct store *);
static void	 store_disconnect(struct store *);
static void	 store_drop(struct store *, const char *);
static void	 store_schedule_drop(struct store *, const char *);
static void	 store_on_read(evutil_socket_t, short, void *);
static void	 store_on_writable(evutil_socket_t, short, void *);
static void	 store_on_conn_timer(evutil_socket_t, short, void *);
static void	 store_on_op_timer(evutil_socket_t, short, void *);
static void	 store_dispatch(struct store *, LDAPMessage *);
static struct store_op *store_op_new(struct store *, enum store_kind, void *);
static struct store_op *store_op_find(struct store *, int);
static uint64_t	 store_op_start(struct store_op *, int, int);
static void	 store_op_defer(struct store_op *, enum store_err);
static void	 store_op_entry(struct store_op *, LDAPMessage *);
static void	 store_op_result(struct store_op *, LDAPMessage *);
static void	 store_op_user_done(struct store_op *, enum store_err);
static void	 store_op_finish(struct store_op *, enum store_err);
static void	 store_op_free(struct store_op *);
static int	 store_search_send(struct store_op *, const char *, int,
		    const char *, char **, int);
static uint64_t	 store_user_lookup(struct store *, const char *, store_user_cb, void *);
static int	 store_entry_read(struct store_op *, LDAPMessage *, struct store_entry *);
static size_t	 store_attr_max(const char *);
static struct store_user *store_user_build(struct store_op *, const struct store_entry *);
static int	 store_group_from_dn(const char *, const char *, char **);
static enum store_err store_map_err(int);
static LDAPMod	**store_mods_build(const struct store_mod *, size_t, int);
static void	 store_mods_free(LDAPMod **);
static char	*store_subst(const char *, const char *);
static void	 store_entry_clear(struct store_entry *);
static void	 store_entries_free(struct store_entry *, size_t);
static void	 store_user_free(struct store_user *);
static void	 store_val_copy(struct store_val *, const struct store_val *);
static struct timeval store_tv(uint64_t);

/* Creates a store; nothing happens until store_start. */
struct store *
store_new(struct event_base *base, const struct conf *conf)
{
	struct store	*st;

	st = xcalloc(1, sizeof(*st));
	st->base = base;
	store_cf_set(&st->cf, conf);
	st->state = STORE_DOWN;
	st->conn = CONN_NONE;
	st->conn_msgid = -1;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	st->next_id = 1;
	TAILQ_INIT(&st->ops);
	if ((st->ev_conn = evtimer_new(base, store_on_conn_timer, st)) == NULL)
		fatalx("store: evtimer_new");
	snprintf(st->reason, sizeof(st->reason), "not started");
	return st;
}

void
store_start(struct store *st)
{
	st->started = 1;
	store_connect(st);
}

/*
 * Fails every pending operation with STORE_UNAVAILABLE (callbacks run from
 * here, in order), unbinds and frees.  Must not be called from inside one of
 * the store's own callbacks (STYLE 11); operations submitted by a callback
 * while closing are refused with id 0 and no callback.
 */
void
store_free(struct store *st)
{
	struct store_op	*op;

	if (st == NULL)
		return;
	st->closing = 1;
	store_disconnect(st);
	while ((op = TAILQ_FIRST(&st->ops)) != NULL)
		store_op_finish(op, op->msgid == -1 ? op->err : STORE_UNAVAILABLE);
	event_free(st->ev_conn);
	store_cf_clear(&st->cf);
	free(st);
}

/*
 * Takes a new configuration.  A change of the directory settings (URIs, TLS,
 * bind) drops the connection (failing the operations in flight) and
 * connects again at once with the new ones; other changes (bases, filters,
 * timeouts) apply to the next operation.
 */
void
store_reconf(struct store *st, const struct conf *conf)
{
	int	 same;

	same = store_cf_same_directory(&st->cf, conf);
	store_cf_clear(&st->cf);
	store_cf_set(&st->cf, conf);
	if (same || !st->started)
		return;
	log_info("directory settings changed: reconnecting to %s", store_uri(st));
	store_disconnect(st);
	st->uri_idx = 0;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	store_connect(st);
}

void
store_set_state_cb(struct store *st, store_state_cb cb, void *arg)
{
	st->state_cb = cb;
	st->state_arg = arg;
}

enum store_state
store_state(const struct store *st)
{
	return st->state;
}

const char *
store_reason(const struct store *st)
{
	return st->reason;
}

const char *
store_strerror(enum store_err err)
{
	static const char *const names[] = {
		[STORE_OK] = "ok", [STORE_NOTFOUND] = "not found",
		[STORE_EXISTS] = "already exists", [STORE_CONFLICT] = "conflict",
		[STORE_AMBIGUOUS] = "ambiguous", [STORE_TIMEOUT] = "timeout",
		[STORE_UNAVAILABLE] = "directory unavailable",
		[STORE_INVALID] = "refused by the directory",
		[STORE_CANCELLED] = "cancelled",
	};

	if ((size_t)err >= sizeof(names) / sizeof(names[0]))
		return "unknown error";
	return names[err];
}

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
	if (dn == NULL || nmods == 0 || nmods > STORE_MODS_MAX ||
	    (lm = store_mods_build(mods, nmods, 0)) == NULL)
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
	if (dn == NULL || nmods == 0 || nmods > STORE_MODS_MAX ||
	    (lm = store_mods_build(mods, nmods, 1)) == NULL)
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

/* Abandons an operation (RFC 4511 §4.11); its callback is never called. */
void
store_cancel(struct store *st, uint64_t id)
{
	struct store_op	*op;

	TAILQ_FOREACH(op, &st->ops, entry)
		if (op->id == id)
			break;
	if (op == NULL)
		return;
	if (op->msgid != -1 && st->ld != NULL)
		ldap_abandon_ext(st->ld, op->msgid, NULL, NULL);
	log_debug("%s: %s op %llu cancelled", store_uri(st),
	    store_kind_names[op->kind], (unsigned long long)op->id);
	TAILQ_REMOVE(&st->ops, op, entry);
	st->stats.pending--;
	st->stats.ops[STORE_CANCELLED]++;
	store_op_free(op);
}

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
	LDAPAVA		 ava, *rdn[2];
	LDAPRDN		 dn[2];
	char		*str = NULL, *s;

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
	    str == NULL || strncmp(str, "x=", 2) != 0)
		fatalx("store_escape_dn: ldap_dn2str failed");
	s = xstrdup(str + 2);
	ldap_memfree(str);
	return s;
}

void
store_stats(const struct store *st, struct store_stats *out)
{
	*out = st->stats;
}

/* Event callbacks. */

/* The descriptor is readable: take every complete message without blocking. */
static void
store_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct store	*st = arg;
	struct timeval	 zero = { 0, 0 };
	LDAPMessage	*msg;
	unsigned int	 gen = st->gen;
	int		 rc, err;

	(void)fd;
	(void)what;
	/*
	 * Drain until ldap_result() has nothing: with TLS, decrypted data may
	 * sit in the library's buffers while the socket itself is quiet.
	 */
	while (st->ld != NULL && st->gen == gen) {
		msg = NULL;
		rc = ldap_result(st->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &msg);
		if (rc == 0)
			return;
		if (rc == -1) {
			err = LDAP_SERVER_DOWN;
			ldap_get_option(st->ld, LDAP_OPT_RESULT_CODE, &err);
			store_drop(st, ldap_err2string(err));
			return;
		}
		store_dispatch(st, msg);
		ldap_msgfree(msg);
	}
}

/* An asynchronous connect finished (or failed): send the first request again. */
static void
store_on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct store	*st = arg;

	(void)fd;
	(void)what;
	event_free(st->ev_write);
	st->ev_write = NULL;
	store_conn_send(st);
}

/* One timer, three uses: connect timeout, reconnect backoff, deferred drop. */
static void
store_on_conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct store	*st = arg;

	(void)fd;
	(void)what;
	switch (st->state) {
	case STORE_DOWN:
		store_connect(st);
		break;
	case STORE_CONNECTING:
		store_drop(st, "timed out connecting");
		break;
	case STORE_UP:
		store_drop(st, st->drop_reason);
		break;
	}
}

/*
 * An operation's timer: either its deferred failure (msgid -1) or its
 * timeout.  The event belongs to the op and dies with it, so its argument
 * cannot outlive it.
 */
static void
store_on_op_timer(evutil_socket_t fd, short what, void *arg)
{
	struct store_op	*op = arg;
	struct store	*st = op->st;

	(void)fd;
	(void)what;
	if (op->msgid == -1) {
		store_op_finish(op, op->err);
		return;
	}
	log_warnx("%s: %s op %llu timed out after %llu ms", store_uri(st),
	    store_kind_names[op->kind], (unsigned long long)op->id,
	    (unsigned long long)st->cf.timeout_ms);
	if (st->ld != NULL)
		ldap_abandon_ext(st->ld, op->msgid, NULL, NULL);
	store_op_finish(op, STORE_TIMEOUT);
}

/* Connection handling. */

static const char *
store_uri(const struct store *st)
{
	if (st->cf.nuris == 0)
		return "(no ldap uri)";
	return st->cf.uris[st->uri_idx % st->cf.nuris];
}

/* The only place that changes st->state (STYLE 5). */
static void
store_enter_state(struct store *st, enum store_state state)
{
	static const char *const names[] = { "down", "connecting", "up" };

	if (st->state == state)
		return;
	log_debug("%s: %s -> %s", store_uri(st), names[st->state], names[state]);
	st->state = state;
	if (state == STORE_UP) {
		st->stats.connects++;
		st->backoff_ms = STORE_BACKOFF_MIN_MS;
		snprintf(st->reason, sizeof(st->reason), "connected");
		log_info("%s: directory connected", store_uri(st));
		st->warned = 0;
	}
	if (st->state_cb != NULL)
		st->state_cb(state, st->reason, st->state_arg);
}

/* Starts one connection attempt to the current URI. */
static void
store_connect(struct store *st)
{
	const char	*uri = store_uri(st);
	struct timeval	 tv = store_tv(st->cf.timeout_ms);
	int		 v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND;
	int		 zero = 0, rc, tls;

	evtimer_del(st->ev_conn);
	store_enter_state(st, STORE_CONNECTING);
	if (st->cf.nuris == 0) {
		store_drop(st, "no ldap uri configured");
		return;
	}
	if ((rc = ldap_initialize(&st->ld, uri)) != LDAP_SUCCESS) {
		st->ld = NULL;
		store_drop(st, ldap_err2string(rc));
		return;
	}
	st->gen++;
	ldap_set_option(st->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(st->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(st->ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON);
	/* The event loop restarts nothing; referrals would be chased blocking. */
	ldap_set_option(st->ld, LDAP_OPT_RESTART, LDAP_OPT_OFF);
	ldap_set_option(st->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	tls = strncasecmp(uri, "ldaps://", 8) == 0 ||
	    (st->cf.starttls && strncasecmp(uri, "ldap://", 7) == 0);
	if (tls) {
		if (st->cf.tls_ca_file != NULL)
			ldap_set_option(st->ld, LDAP_OPT_X_TLS_CACERTFILE,
			    st->cf.tls_ca_file);
		ldap_set_option(st->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		/* The TLS options above take effect in a new context. */
		if ((rc = ldap_set_option(st->ld, LDAP_OPT_X_TLS_NEWCTX,
		    &zero)) != LDAP_OPT_SUCCESS) {
			store_drop(st, "cannot set up TLS (tls_ca_file?)");
			return;
		}
	}
	st->conn = st->cf.starttls && strncasecmp(uri, "ldap://", 7) == 0 ?
	    CONN_STARTTLS : CONN_BIND;
	evtimer_add(st->ev_conn, &tv);
	store_conn_send(st);
}

/*
 * Sends the request of the current connect step: StartTLS (RFC 4511 §4.14)
 * or the bind.  With LDAP_OPT_CONNECT_ASYNC the first request may only start
 * the TCP connect (LDAP_X_CONNECTING): it is sent again once the socket is
 * writable.
 */
static void
store_conn_send(struct store *st)
{
	evutil_socket_t	 fd = -1;
	char		 why[256];
	int		 rc, msgid = -1;

	if (st->conn == CONN_STARTTLS)
		rc = ldap_start_tls(st->ld, NULL, NULL, &msgid);
	else
		rc = store_send_bind(st, &msgid);
	if (rc == LDAP_X_CONNECTING) {
		if (ldap_get_option(st->ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS ||
		    fd < 0) {
			store_drop(st, "no descriptor while connecting");
			return;
		}
		st->ev_write = event_new(st->base, fd, EV_WRITE, store_on_writable, st);
		if (st->ev_write == NULL || event_add(st->ev_write, NULL) == -1)
			fatalx("store: event_add");
		return;
	}
	if (rc != LDAP_SUCCESS) {
		snprintf(why, sizeof(why), "%s: %s", st->conn == CONN_STARTTLS ?
		    "StartTLS" : "bind", rc == STORE_RC_PWFILE ? "cannot read "
		    "the bind password file" : ldap_err2string(rc));
		store_drop(st, why);
		return;
	}
	st->conn_msgid = msgid;
	store_watch(st);
}

/*
 * Sends the bind: SASL EXTERNAL (RFC 4422 appendix A; the identity comes
 * from ldapi peer credentials or the TLS client certificate), a simple bind
 * with the password read afresh from its file (and wiped right after), or an
 * anonymous simple bind that proves the connection works.  Returns an LDAP
 * result code, or STORE_RC_PWFILE if the password file cannot be read.
 */
static int
store_send_bind(struct store *st, int *msgid)
{
	struct berval	 cred = { 0, NULL };
	char		*pw;
	size_t		 len, pwlen;
	int		 rc;

	if (st->cf.sasl_external) {
		/*
		 * An empty initial response (RFC 4422 §3.3, appendix A: no
		 * authzid) makes it one round trip; without one, slapd answers
		 * saslBindInProgress and waits for it.
		 */
		cred.bv_val = (char *)"";
		return ldap_sasl_bind(st->ld, NULL, "EXTERNAL", &cred, NULL, NULL,
		    msgid);
	}
	if (st->cf.bind_dn == NULL || st->cf.bind_password_file == NULL)
		return ldap_sasl_bind(st->ld, "", LDAP_SASL_SIMPLE, &cred, NULL,
		    NULL, msgid);
	if ((pw = util_read_file(st->cf.bind_password_file, STORE_PASSWORD_MAX,
	    &len)) == NULL)
		return STORE_RC_PWFILE;
	for (pwlen = len; pwlen > 0 && (pw[pwlen - 1] == '\n' ||
	    pw[pwlen - 1] == '\r'); pwlen--)
		;
	cred.bv_val = pw;
	cred.bv_len = pwlen;
	rc = ldap_sasl_bind(st->ld, st->cf.bind_dn, LDAP_SASL_SIMPLE, &cred, NULL,
	    NULL, msgid);
	freezero_x(pw, len + 1);
	return rc;
}

/* The answer to StartTLS or to the bind. */
static void
store_conn_result(struct store *st, LDAPMessage *msg)
{
	char	*diag = NULL, why[512];
	int	 rc = LDAP_OTHER, prc;

	prc = ldap_parse_result(st->ld, msg, &rc, NULL, &diag, NULL, NULL, 0);
	if (prc != LDAP_SUCCESS)
		rc = prc;
	if (rc != LDAP_SUCCESS) {
		snprintf(why, sizeof(why), "%s failed: %s%s%s",
		    st->conn == CONN_STARTTLS ? "StartTLS" : "bind",
		    ldap_err2string(rc), diag != NULL && *diag ? ": " : "",
		    diag != NULL ? diag : "");
		ldap_memfree(diag);
		store_drop(st, why);
		return;
	}
	ldap_memfree(diag);
	if (st->conn == CONN_STARTTLS) {
		/*
		 * The TLS handshake itself is synchronous in libldap: a short
		 * blocking exchange, bounded by LDAP_OPT_NETWORK_TIMEOUT, once
		 * per connection.
		 */
		if ((rc = ldap_install_tls(st->ld)) != LDAP_SUCCESS) {
			snprintf(why, sizeof(why), "TLS handshake failed: %s",
			    ldap_err2string(rc));
			store_drop(st, why);
			return;
		}
		st->conn = CONN_BIND;
		store_conn_send(st);
		return;
	}
	st->conn = CONN_READY;
	st->conn_msgid = -1;
	evtimer_del(st->ev_conn);
	store_enter_state(st, STORE_UP);
}

/* Watches the connection's descriptor, once it has one. */
static void
store_watch(struct store *st)
{
	evutil_socket_t	 fd = -1;

	if (st->ev_read != NULL)
		return;
	if (ldap_get_option(st->ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS ||
	    fd < 0) {
		store_drop(st, "no descriptor after connecting");
		return;
	}
	st->ev_read = event_new(st->base, fd, EV_READ | EV_PERSIST,
	    store_on_read, st);
	if (st->ev_read == NULL || event_add(st->ev_read, NULL) == -1)
		fatalx("store: event_add");
}

/*
 * Closes the connection, if any.  Operations on the wire will fail with
 * STORE_UNAVAILABLE from the loop; their LDAP message ids mean nothing on
 * the next connection.
 */
static void
store_disconnect(struct store *st)
{
	struct store_op	*op;

	if (st->ev_read != NULL)
		event_free(st->ev_read);
	if (st->ev_write != NULL)
		event_free(st->ev_write);
	st->ev_read = st->ev_write = NULL;
	evtimer_del(st->ev_conn);
	if (st->ld != NULL)
		ldap_unbind_ext(st->ld, NULL, NULL);
	st->ld = NULL;
	st->gen++;
	st->conn = CONN_NONE;
	st->conn_msgid = -1;
	TAILQ_FOREACH(op, &st->ops, entry)
		if (op->msgid != -1)
			store_op_defer(op, STORE_UNAVAILABLE);
}

/*
 * The connection is lost or the attempt failed: disconnect, go DOWN and try
 * the next URI after the backoff (250 ms doubling up to ldap_backoff_max_ms).
 * One warning per outage, not one per retry.
 */
static void
store_drop(struct store *st, const char *why)
{
	char		 buf[sizeof(st->reason)];
	struct timeval	 tv;

	snprintf(buf, sizeof(buf), "%s: %s", store_uri(st), why);
	if (st->state == STORE_UP)
		st->stats.disconnects++;
	store_disconnect(st);
	snprintf(st->reason, sizeof(st->reason), "%s", buf);
	if (!st->warned)
		log_warnx("directory unavailable: %s", st->reason);
	else
		log_debug("directory still unavailable: %s", st->reason);
	st->warned = 1;
	store_enter_state(st, STORE_DOWN);
	if (st->cf.nuris > 0)
		st->uri_idx = (st->uri_idx + 1) % st->cf.nuris;
	if (st->closing || st->state != STORE_DOWN)
		return;
	tv = store_tv(st->backoff_ms);
	evtimer_add(st->ev_conn, &tv);
	st->backoff_ms *= 2;
	if (st->backoff_ms > st->cf.backoff_max_ms)
		st->backoff_ms = st->cf.backoff_max_ms;
	if (st->backoff_ms < STORE_BACKOFF_MIN_MS)
		st->backoff_ms = STORE_BACKOFF_MIN_MS;
}

/* Drops the connection from the loop, not from inside a caller's request. */
static void
store_schedule_drop(struct store *st, const char *why)
{
	struct timeval	 zero = { 0, 0 };

	if (st->state != STORE_UP)
		return;
	snprintf(st->drop_reason, sizeof(st->drop_reason), "%s", why);
	evtimer_add(st->ev_conn, &zero);
}

/* Routes one message to the connect steps or to its operation. */
static void
store_dispatch(struct store *st, LDAPMessage *msg)
{
	struct store_op	*op;
	int		 msgid = ldap_msgid(msg), type = ldap_msgtype(msg);

	if (st->conn != CONN_READY) {
		if (msgid == st->conn_msgid)
			store_conn_result(st, msg);
		else
			log_debug("%s: message id %d while connecting dropped",
			    store_uri(st), msgid);
		return;
	}
	if ((op = store_op_find(st, msgid)) == NULL) {
		log_debug("%s: unknown message id %d (type 0x%x) dropped",
		    store_uri(st), msgid, (unsigned int)type);
		return;
	}
	switch (type) {
	case LDAP_RES_SEARCH_ENTRY:
		store_op_entry(op, msg);
		break;
	case LDAP_RES_SEARCH_REFERENCE:
		break;		/* referrals are not chased */
	default:
		store_op_result(op, msg);
		break;
	}
}

/* Operations. */

/* A new operation in the table; NULL while closing (see store_free). */
static struct store_op *
store_op_new(struct store *st, enum store_kind kind, void *arg)
{
	struct store_op	*op;

	if (st->closing)
		return NULL;
	op = xcalloc(1, sizeof(*op));
	op->st = st;
	op->id = st->next_id++;
	op->msgid = -1;
	op->kind = kind;
	op->arg = arg;
	op->start_ms = util_now_ms();
	if ((op->timer = evtimer_new(st->base, store_on_op_timer, op)) == NULL)
		fatalx("store: evtimer_new");
	TAILQ_INSERT_TAIL(&st->ops, op, entry);
	st->stats.pending++;
	return op;
}

/* Pending operations are few (bounded by the callers' own limits): a list. */
static struct store_op *
store_op_find(struct store *st, int msgid)
{
	struct store_op	*op;

	TAILQ_FOREACH(op, &st->ops, entry)
		if (op->msgid == msgid)
			return op;
	return NULL;
}

/*
 * Arms an operation after its request: on rc LDAP_SUCCESS the timeout runs;
 * otherwise it fails from the loop with rc mapped (not connected:
 * UNAVAILABLE; a bad argument or filter: INVALID).  A connection error on
 * send also drops the connection.  Returns the operation's id.
 */
static uint64_t
store_op_start(struct store_op *op, int sent, int rc)
{
	struct store	*st = op->st;
	struct timeval	 tv;

	if (sent == 0 && rc == LDAP_SUCCESS && op->msgid != -1) {
		tv = store_tv(st->cf.timeout_ms);
		evtimer_add(op->timer, &tv);
		return op->id;
	}
	switch (rc) {
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
	case LDAP_X_CONNECTING:
		if (st->state == STORE_UP)
			store_schedule_drop(st, ldap_err2string(rc));
		store_op_defer(op, STORE_UNAVAILABLE);
		break;
	default:
		log_warnx("%s: %s op %llu not sent: %s", store_uri(st),
		    store_kind_names[op->kind], (unsigned long long)op->id,
		    rc == LDAP_SUCCESS ? "no message id" : ldap_err2string(rc));
		store_op_defer(op, STORE_INVALID);
		break;
	}
	return op->id;
}

/* Takes the operation off the wire; it fails with err from the loop. */
static void
store_op_defer(struct store_op *op, enum store_err err)
{
	struct timeval	 zero = { 0, 0 };

	op->msgid = -1;
	op->err = err;
	store_entries_free(op->entries, op->nentries);
	op->entries = NULL;
	op->nentries = 0;
	store_user_free(op->user);
	op->user = NULL;
	evtimer_add(op->timer, &zero);
}

/* A SearchResultEntry: kept until the SearchResultDone, within bounds. */
static void
store_op_entry(struct store_op *op, LDAPMessage *msg)
{
	struct store_entry	 e;

	if (op->overflow)
		return;
	if (op->nentries >= op->maxentries) {
		log_warnx("%s: %s op %llu: more than %zu entries", store_uri(op->st),
		    store_kind_names[op->kind], (unsigned long long)op->id,
		    op->maxentries);
		op->overflow = 1;
		return;
	}
	if (store_entry_read(op, msg, &e) == -1) {
		op->overflow = 1;
		return;
	}
	op->entries = xreallocarray(op->entries, op->nentries + 1,
	    sizeof(*op->entries));
	op->entries[op->nentries++] = e;
}

/* The final response of an operation. */
static void
store_op_result(struct store_op *op, LDAPMessage *msg)
{
	struct store	*st = op->st;
	enum store_err	 err;
	char		*diag = NULL;
	int		 rc = LDAP_OTHER, prc;

	prc = ldap_parse_result(st->ld, msg, &rc, NULL, &diag, NULL, NULL, 0);
	if (prc != LDAP_SUCCESS)
		rc = prc;
	err = store_map_err(rc);
	if (op->kind == KIND_USER && rc == LDAP_SIZELIMIT_EXCEEDED &&
	    op->nentries > 1)
		err = STORE_AMBIGUOUS;
	else if (err == STORE_INVALID || err == STORE_UNAVAILABLE ||
	    err == STORE_TIMEOUT)
		log_warnx("%s: %s op %llu: %s%s%s", store_uri(st),
		    store_kind_names[op->kind], (unsigned long long)op->id,
		    ldap_err2string(rc), diag != NULL && *diag ? ": " : "",
		    diag != NULL ? diag : "");
	else if (err != STORE_OK)
		log_debug("%s: %s op %llu: %s", store_uri(st),
		    store_kind_names[op->kind], (unsigned long long)op->id,
		    ldap_err2string(rc));
	ldap_memfree(diag);
	if (err == STORE_OK && op->overflow)
		err = STORE_INVALID;
	if (op->kind == KIND_USER || op->kind == KIND_GROUPS)
		store_op_user_done(op, err);
	else
		store_op_finish(op, err);
}

/*
 * A user lookup's search is done: exactly one entry makes a user; with
 * group_mode search the groups are searched next (group_filter with the
 * user's DN escaped) before the callback.
 */
static void
store_op_user_done(struct store_op *op, enum store_err err)
{
	struct store	*st = op->st;
	struct store_user *u;
	char		*esc, *filter, *attrs[2];
	size_t		 i;
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
		u = op->user;
		u->groups = xcalloc(op->nentries, sizeof(*u->groups));
		for (i = 0; i < op->nentries; i++) {
			const struct store_entry *e = &op->entries[i];
			size_t	 j;

			for (j = 0; j < e->nattrs; j++)
				if (strcasecmp(e->attrs[j].name,
				    st->cf.group_name_attr) == 0 &&
				    e->attrs[j].nvals > 0)
					break;
			if (j < e->nattrs)
				u->groups[u->ngroups++] =
				    xstrdup(e->attrs[j].vals[0].data);
		}
		store_op_finish(op, STORE_OK);
		return;
	}
	if (op->nentries != 1) {
		store_op_finish(op, op->nentries == 0 ? STORE_NOTFOUND :
		    STORE_AMBIGUOUS);
		return;
	}
	if ((u = store_user_build(op, &op->entries[0])) == NULL) {
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
 * Calls the operation's callback with its result and frees it.  The op is
 * out of the table first, so a callback that cancels it, or submits more,
 * finds a consistent table.
 */
static void
store_op_finish(struct store_op *op, enum store_err err)
{
	struct store	*st = op->st;
	double		 secs;
	size_t		 i;

	TAILQ_REMOVE(&st->ops, op, entry);
	st->stats.pending--;
	st->stats.ops[err]++;
	secs = (double)(util_now_ms() - op->start_ms) / 1000.0;
	st->stats.latency_sum += secs;
	for (i = 0; i < 7 && secs > store_latency_bounds[i]; i++)
		;
	st->stats.latency_buckets[i]++;
	switch (op->kind) {
	case KIND_USER:
	case KIND_GROUPS:
		if (op->user_cb != NULL)
			op->user_cb(err, err == STORE_OK ? op->user : NULL, op->arg);
		break;
	case KIND_SEARCH:
		if (op->entries_cb != NULL)
			op->entries_cb(err, err == STORE_OK ? op->entries : NULL,
			    err == STORE_OK ? op->nentries : 0, op->arg);
		break;
	default:
		if (op->done_cb != NULL)
			op->done_cb(err, op->arg);
		break;
	}
	store_op_free(op);
}

static void
store_op_free(struct store_op *op)
{
	event_free(op->timer);
	store_entries_free(op->entries, op->nentries);
	store_user_free(op->user);
	free(op);
}

/* Sends a search for op; returns the LDAP result code of the send. */
static int
store_search_send(struct store_op *op, const char *base, int scope,
    const char *filter, char **attrs, int sizelimit)
{
	struct store	*st = op->st;
	int		 msgid = -1, rc;

	rc = ldap_search_ext(st->ld, base, scope, filter, attrs, 0, NULL, NULL,
	    NULL, sizelimit, &msgid);
	if (rc == LDAP_SUCCESS)
		op->msgid = msgid;
	return rc;
}

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
 * Copies an entry out of its message, refusing (with a log line) what no
 * sane directory sends: too many attributes or values, or huge values.
 */
static int
store_entry_read(struct store_op *op, LDAPMessage *msg, struct store_entry *e)
{
	struct store	*st = op->st;
	BerElement	*ber = NULL;
	struct berval	**vals;
	struct store_attr *a;
	const char	*why = NULL;
	char		*dn, *name;
	size_t		 n, i;

	memset(e, 0, sizeof(*e));
	if ((dn = ldap_get_dn(st->ld, msg)) == NULL)
		return -1;
	e->dn = xstrdup(dn);
	ldap_memfree(dn);
	for (name = ldap_first_attribute(st->ld, msg, &ber); name != NULL &&
	    why == NULL; name = ldap_next_attribute(st->ld, msg, ber)) {
		vals = ldap_get_values_len(st->ld, msg, name);
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
			log_warnx("%s: %s op %llu: entry \"%s\" refused: %s in %s",
			    store_uri(st), store_kind_names[op->kind],
			    (unsigned long long)op->id, e->dn, why, name);
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

/* Makes a store_user out of a user entry; NULL (logged) if it has no name. */
static struct store_user *
store_user_build(struct store_op *op, const struct store_entry *e)
{
	const struct store_cf *cf = &op->st->cf;
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
		if (strcasecmp(a->name, cf->user_name_attr) == 0)
			u->name = xstrdup(a->vals[0].data);
		else if (cf->display_name_attr != NULL &&
		    strcasecmp(a->name, cf->display_name_attr) == 0)
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
		else if (strcasecmp(a->name, "memberOf") == 0 &&
		    cf->group_mode == CONF_GROUPS_MEMBEROF) {
			u->groups = xcalloc(a->nvals, sizeof(*u->groups));
			for (j = 0; j < a->nvals; j++)
				if (store_group_from_dn(a->vals[j].data,
				    cf->group_name_attr, &g) == 0)
					u->groups[u->ngroups++] = g;
		}
	}
	if (u->name == NULL) {
		log_warnx("%s: %s op %llu: entry \"%s\" has no %s",
		    store_uri(op->st), store_kind_names[op->kind],
		    (unsigned long long)op->id, e->dn, cf->user_name_attr);
		store_user_free(u);
		return NULL;
	}
	return u;
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

/* RFC 4511 appendix A result codes, as the callers see them. */
static enum store_err
store_map_err(int rc)
{
	switch (rc) {
	case LDAP_SUCCESS:
		return STORE_OK;
	case LDAP_NO_SUCH_OBJECT:
		return STORE_NOTFOUND;
	case LDAP_NO_SUCH_ATTRIBUTE:
		return STORE_CONFLICT;
	case LDAP_TYPE_OR_VALUE_EXISTS:
	case LDAP_ALREADY_EXISTS:
		return STORE_EXISTS;
	case LDAP_TIMELIMIT_EXCEEDED:
	case LDAP_TIMEOUT:
		return STORE_TIMEOUT;
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
		return STORE_UNAVAILABLE;
	default:
		return STORE_INVALID;	/* schema, syntax, access, limits */
	}
}

/* Builds libldap's LDAPMod array (binary values); NULL on a bad change. */
static LDAPMod **
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

static void
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

/* Replaces every "%s" of a configured filter (never a printf format) by val. */
static char *
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

static void
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

static void
store_entries_free(struct store_entry *e, size_t n)
{
	size_t	 i;

	for (i = 0; e != NULL && i < n; i++)
		store_entry_clear(&e[i]);
	free(e);
}

static void
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

static void
store_val_copy(struct store_val *dst, const struct store_val *src)
{
	dst->data = xmalloc(src->len + 1);
	memcpy(dst->data, src->data, src->len);
	dst->data[src->len] = '\0';
	dst->len = src->len;
}

static struct timeval
store_tv(uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

static char **
store_strv_dup(char **v, size_t n)
{
	char	**out;
	size_t	  i;

	out = xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

#define STORE_DUP(s)	((s) != NULL ? xstrdup(s) : NULL)

static void
store_cf_set(struct store_cf *cf, const struct conf *c)
{
	cf->uris = store_strv_dup(c->ldap_uris, c->nldap_uris);
	cf->nuris = c->nldap_uris;
	cf->starttls = c->starttls;
	cf->tls_ca_file = STORE_DUP(c->tls_ca_file);
	cf->sasl_external = c->sasl_external;
	cf->bind_dn = STORE_DUP(c->bind_dn);
	cf->bind_password_file = STORE_DUP(c->bind_password_file);
	cf->base_dn = STORE_DUP(c->base_dn);
	cf->user_base = STORE_DUP(c->user_base);
	cf->user_filter = STORE_DUP(c->user_filter);
	cf->user_name_attr = STORE_DUP(c->user_name_attr);
	cf->display_name_attr = STORE_DUP(c->display_name_attr);
	cf->group_base = STORE_DUP(c->group_base);
	cf->group_mode = c->group_mode;
	cf->group_filter = STORE_DUP(c->group_filter);
	cf->group_name_attr = STORE_DUP(c->group_name_attr != NULL ?
	    c->group_name_attr : "cn");
	cf->latchkey_base = STORE_DUP(c->latchkey_base);
	cf->timeout_ms = c->ldap_timeout_ms > 0 ? c->ldap_timeout_ms : 5000;
	cf->backoff_max_ms = c->ldap_backoff_max_ms;
}

static void
store_cf_clear(struct store_cf *cf)
{
	size_t	 i;

	for (i = 0; i < cf->nuris; i++)
		free(cf->uris[i]);
	free(cf->uris);
	free(cf->tls_ca_file);
	free(cf->bind_dn);
	free(cf->bind_password_file);
	free(cf->base_dn);
	free(cf->user_base);
	free(cf->user_filter);
	free(cf->user_name_attr);
	free(cf->display_name_attr);
	free(cf->group_base);
	free(cf->group_filter);
	free(cf->group_name_attr);
	free(cf->latchkey_base);
	memset(cf, 0, sizeof(*cf));
}

static int
store_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Whether the settings that shape the connection are unchanged. */
static int
store_cf_same_directory(const struct store_cf *cf, const struct conf *c)
{
	size_t	 i;

	if (cf->nuris != c->nldap_uris || cf->starttls != c->starttls ||
	    cf->sasl_external != c->sasl_external ||
	    !store_streq(cf->tls_ca_file, c->tls_ca_file) ||
	    !store_streq(cf->bind_dn, c->bind_dn) ||
	    !store_streq(cf->bind_password_file, c->bind_password_file))
		return 0;
	for (i = 0; i < cf->nuris; i++)
		if (strcmp(cf->uris[i], c->ldap_uris[i]) != 0)
			return 0;
	return 1;
}
