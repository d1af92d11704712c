/*
 * store.h: the directory, asynchronously.  One libldap connection whose
 * descriptor lives in the caller's event loop; every operation is matched by
 * its LDAP message id in a table with its own timeout, and answers through a
 * callback, exactly once, unless cancelled first.  On connection loss the
 * store reconnects with exponential backoff over its URIs in turn, failing
 * the operations in flight with STORE_UNAVAILABLE.
 *
 * Ownership: results handed to a callback belong to the store and are freed
 * when the callback returns; a callback that keeps anything copies it.
 * Nothing of the caller's (names, values) is kept after a call returns.
 */
#ifndef LATCHKEY_STORE_H
#define LATCHKEY_STORE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct conf;
struct store;

enum store_err {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* no such entry */
	STORE_EXISTS,		/* add of an entry or value that is there already */
	STORE_CONFLICT,		/* a delete-and-add lost a race: reread and retry */
	STORE_AMBIGUOUS,	/* a lookup that must find one entry found several */
	STORE_TIMEOUT,		/* no answer within the operation's timeout */
	STORE_UNAVAILABLE,	/* not connected (or the connection was lost) */
	STORE_INVALID,		/* refused by the directory: schema, syntax, access */
	STORE_CANCELLED,	/* never passed to a callback; for metrics */
};

enum store_state { STORE_DOWN = 0, STORE_CONNECTING, STORE_UP };

/* One value: bytes and length (binary values such as credential ids). */
struct store_val {
	char	*data;		/* NUL-terminated for convenience */
	size_t	 len;
};

struct store_attr {
	char			*name;
	struct store_val	*vals;
	size_t			 nvals;
};

/* An entry as read: its DN and the attributes asked for. */
struct store_entry {
	char			*dn;
	struct store_attr	*attrs;
	size_t			 nattrs;
};

/* A user with the latchkey attributes and group names resolved. */
struct store_user {
	char			*dn;
	char			*name;		/* the user name attribute's value */
	char			*display_name;	/* NULL if none */
	int			 latchkey;	/* has the latchkeyUser class */
	struct store_val	 handle;	/* latchkeyUserHandle; len 0 if none */
	struct store_val	*passkeys;	/* latchkeyPasskey JSON values */
	size_t			 npasskeys;
	struct store_val	*passkey_ids;	/* latchkeyPasskeyId */
	size_t			 npasskey_ids;
	char			*tap;		/* latchkeyTap JSON, NULL if none */
	char			*campaign;	/* latchkeyCampaign JSON, NULL if none */
	char		       **groups;	/* group names (cn) */
	size_t			 ngroups;
};

enum store_mod_op { STORE_MOD_ADD = 0, STORE_MOD_DELETE, STORE_MOD_REPLACE };

/*
 * One change in a modify.  A DELETE of a value that is gone makes the whole
 * modify fail with STORE_CONFLICT: that is how a delete-old-add-new change
 * detects that another node changed the value first (ARCHITECTURE §3).
 * A DELETE with nvals 0 removes the attribute.
 */
struct store_mod {
	enum store_mod_op	 op;
	const char		*attr;
	const struct store_val	*vals;
	size_t			 nvals;
};

typedef void (*store_done_cb)(enum store_err, void *arg);
typedef void (*store_user_cb)(enum store_err, const struct store_user *, void *arg);
typedef void (*store_entries_cb)(enum store_err, const struct store_entry *, size_t n, void *arg);
typedef void (*store_state_cb)(enum store_state, const char *reason, void *arg);

/* Creates a store for the directory in conf; it connects on store_start. */
struct store	*store_new(struct event_base *, const struct conf *);
/* Connects (asynchronously); state changes are reported to the state callback. */
void		 store_start(struct store *);
/* Fails every pending operation with STORE_UNAVAILABLE, unbinds, frees.  NULL-safe. */
void		 store_free(struct store *);
/* Takes a new configuration (reload): reconnects if the directory settings changed. */
void		 store_reconf(struct store *, const struct conf *);
void		 store_set_state_cb(struct store *, store_state_cb, void *arg);
enum store_state store_state(const struct store *);
/* Why the store is not up (last error), or "connected". */
const char	*store_reason(const struct store *);
const char	*store_strerror(enum store_err);

/*
 * Operations return an id (never 0) that store_cancel takes, or 0 if the
 * operation could not even start; then the callback has been called with
 * the error already (never from inside the call: it is deferred to the loop).
 */
uint64_t	 store_ping(struct store *, store_done_cb, void *arg);	/* reads the root DSE */
uint64_t	 store_user_by_name(struct store *, const char *name, store_user_cb, void *arg);
uint64_t	 store_user_by_handle(struct store *, const void *handle, size_t len, store_user_cb, void *arg);
uint64_t	 store_user_by_credential(struct store *, const void *id, size_t len, store_user_cb, void *arg);
/* Searches below base (NULL: latchkey_base) with filter (escaped by the caller with store_escape). */
uint64_t	 store_search(struct store *, const char *base, const char *filter,
		    const char *const *attrs, store_entries_cb, void *arg);
uint64_t	 store_modify(struct store *, const char *dn, const struct store_mod *, size_t nmods,
		    store_done_cb, void *arg);
/* Adds an entry; attrs as store_mod with op ADD (objectClass among them). */
uint64_t	 store_add(struct store *, const char *dn, const struct store_mod *, size_t nmods,
		    store_done_cb, void *arg);
uint64_t	 store_delete(struct store *, const char *dn, store_done_cb, void *arg);
/* Abandons an operation: its callback is never called.  Unknown ids are ignored. */
void		 store_cancel(struct store *, uint64_t id);

/*
 * Checks a password by a simple bind AS the user dn (RFC 4513 §5.1.3), on a
 * short-lived connection of its own to the current URI with the same TLS
 * settings: never the service connection.  The callback gets STORE_OK,
 * STORE_INVALID (wrong password, or an empty one, refused without a bind:
 * RFC 4513 §5.1.2 would make it an unauthenticated bind that succeeds),
 * STORE_UNAVAILABLE or STORE_TIMEOUT, always from the loop, exactly once
 * unless cancelled first.  The password is copied and wiped when done.
 */
struct store_bind;
struct store_bind *store_check_password(struct store *, const char *dn, const char *pw,
		    size_t len, store_done_cb, void *arg);
/* Abandons a check: its callback is never called.  NULL-safe. */
void		 store_check_password_cancel(struct store_bind *);

/* RFC 4515 §3 escaping of an assertion value (any bytes); returns a new string. */
char		*store_escape(const void *val, size_t len);
/* RFC 4514 escaping of an attribute value for a DN; returns a new string. */
char		*store_escape_dn(const char *val);

/* Counters for /metrics. */
struct store_stats {
	uint64_t	 ops[STORE_CANCELLED + 1];	/* completed operations by result */
	uint64_t	 connects;
	uint64_t	 disconnects;
	uint64_t	 pending;
	double		 latency_sum;			/* seconds, completed operations */
	uint64_t	 latency_buckets[8];		/* le 1ms 5ms 10ms 50ms 100ms 500ms 1s +Inf */
};
extern const double store_latency_bounds[7];
void		 store_stats(const struct store *, struct store_stats *);

#endif
