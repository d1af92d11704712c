/*
 * store_priv.h: private to the store (store.c, the connection and the
 * operation table; store_request.c, the operations callers ask for).
 * Callers include store.h only.
 */
#ifndef LATCHKEY_STORE_PRIV_H
#define LATCHKEY_STORE_PRIV_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "store.h"

struct event;
struct event_base;

#define STORE_WHO_MAX		1024		/* "uri: kind op id", a log prefix */

/* What an operation is; store_op_user_done turns a USER into GROUPS. */
enum store_kind {
	KIND_PING, KIND_USER, KIND_GROUPS, KIND_SEARCH, KIND_MODIFY, KIND_ADD,
	KIND_DELETE,
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

/* One operation in the table, keyed by its LDAP message id (STYLE 6). */
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

/* The store: one connection, its state, and the table of operations. */
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
	int			 ever_up;	/* connected at least once */
	uint64_t		 started_ms;	/* when store_start ran */
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

/* store.c */
/* The URI connected to, or being tried. */
const char	*store_uri(const struct store *);
/* An LDAP error's text with libldap's diagnostic and a TLS hint, into buf. */
const char	*store_ld_why(struct store *, int, char *, size_t);
/* A new operation in the table; NULL while closing (see store_free). */
struct store_op	*store_op_new(struct store *, enum store_kind, void *arg);
/*
 * Arms an operation after its request was sent (sent 0, rc LDAP_SUCCESS,
 * op->msgid set); otherwise it fails from the loop with rc mapped.
 * Returns the operation's id.
 */
uint64_t	 store_op_start(struct store_op *, int sent, int rc);
/* Calls the operation's callback with err and frees the operation. */
void		 store_op_finish(struct store_op *, enum store_err);
/* Sends a search for op; returns the LDAP result code of the send. */
int		 store_search_send(struct store_op *, const char *base, int scope,
		    const char *filter, char **attrs, int sizelimit);
/* The prefix of the log lines about op's data: "uri: kind op id". */
void		 store_op_who(const struct store_op *, char *buf, size_t len);

/* store_request.c */
/* A user lookup's search is done: build the user, search its groups, or fail. */
void		 store_op_user_done(struct store_op *, enum store_err);

#endif
