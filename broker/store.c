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
 *
 * The requests themselves are built in store_request.c; entries, users,
 * escaping and change lists in store_entry.c.
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
#include "store_entry.h"
#include "store_priv.h"
#include "util.h"
#include "xmalloc.h"

#define STORE_START_GRACE_MS	10000	/* a directory starting with us is not an outage */
#define STORE_PASSWORD_MAX	1024		/* bytes of the bind password file */
#define STORE_BACKOFF_MIN_MS	250		/* first reconnect delay */
#define STORE_RC_PWFILE		(-0x7000)	/* not an LDAP code: password file unreadable */

static const char *const store_kind_names[] = {
	[KIND_PING] = "ping", [KIND_USER] = "user lookup",
	[KIND_GROUPS] = "group search", [KIND_SEARCH] = "search",
	[KIND_MODIFY] = "modify", [KIND_ADD] = "add", [KIND_DELETE] = "delete",
};

const double store_latency_bounds[7] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1 };

static void	 store_cf_set(struct store_cf *, const struct conf *);
static void	 store_cf_clear(struct store_cf *);
static int	 store_cf_same_directory(const struct store_cf *, const struct conf *);
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
static struct store_op *store_op_find(struct store *, int);
static void	 store_op_defer(struct store_op *, enum store_err);
static void	 store_op_entry(struct store_op *, LDAPMessage *);
static void	 store_op_result(struct store_op *, LDAPMessage *);
static void	 store_op_free(struct store_op *);
static enum store_err store_map_err(int);
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
	st->started_ms = util_now_ms();
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
			char	 why[256];

			err = LDAP_SERVER_DOWN;
			ldap_get_option(st->ld, LDAP_OPT_RESULT_CODE, &err);
			store_drop(st, store_ld_why(st, err, why, sizeof(why)));
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

const char *
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
		char	 detail[200];

		snprintf(why, sizeof(why), "%s: %s", st->conn == CONN_STARTTLS ?
		    "StartTLS" : "bind", rc == STORE_RC_PWFILE ? "cannot read "
		    "the bind password file" : store_ld_why(st, rc, detail, sizeof(detail)));
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
	st->ever_up = 1;
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
	/*
	 * A directory that is still starting (the embedded slapd comes up
	 * with latchkeyd) is not an outage: until the first connection, a
	 * failure within the grace period is only information.
	 */
	if (!st->ever_up && util_now_ms() - st->started_ms < STORE_START_GRACE_MS)
		log_info("waiting for the directory: %s", st->reason);
	else if (!st->warned) {
		log_warnx("directory unavailable: %s", st->reason);
		st->warned = 1;
	} else
		log_debug("directory still unavailable: %s", st->reason);
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
struct store_op *
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
uint64_t
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
	char			 who[STORE_WHO_MAX];

	if (op->overflow)
		return;
	if (op->nentries >= op->maxentries) {
		log_warnx("%s: %s op %llu: more than %zu entries", store_uri(op->st),
		    store_kind_names[op->kind], (unsigned long long)op->id,
		    op->maxentries);
		op->overflow = 1;
		return;
	}
	store_op_who(op, who, sizeof(who));
	if (store_entry_read(op->st->ld, msg, who, &e) == -1) {
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
 * Calls the operation's callback with its result and frees it.  The op is
 * out of the table first, so a callback that cancels it, or submits more,
 * finds a consistent table.
 */
void
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

/* The prefix of the log lines about op's data: "uri: kind op id". */
void
store_op_who(const struct store_op *op, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s op %llu", store_uri(op->st),
	    store_kind_names[op->kind], (unsigned long long)op->id);
}

/* Sends a search for op; returns the LDAP result code of the send. */
int
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
