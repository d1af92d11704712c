/*
 * store_bind.c: a password checked by a simple bind as the user (legacy
 * PAP, authreq_pap.c).  Each check opens its own connection to the URI the
 * store uses now, with the same TLS settings, binds, reads the one answer
 * and unbinds: a bind changes a connection's identity (RFC 4511 §4.2), so
 * it must never happen on the service connection.  Asynchronous like the
 * store: the descriptor is watched in the loop, with the store's operation
 * timeout.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <ldap.h>

#include "log.h"
#include "store.h"
#include "store_priv.h"
#include "xmalloc.h"

#define STORE_BIND_PW_MAX	256	/* RFC 2865 §5.2: a PAP password is at most 128 */

struct store_bind {
	struct store		*st;
	LDAP			*ld;
	int			 msgid;
	int			 starttls;	/* StartTLS still to do */
	char			*dn;
	char			*pw;
	size_t			 pwlen;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_timer;	/* timeout, or the deferred result */
	enum store_err		 result;
	int			 done;		/* result set: the timer delivers it */
	store_done_cb		 cb;
	void			*arg;
};

static void	 sb_connect(struct store_bind *);
static void	 sb_send(struct store_bind *);
static void	 sb_on_writable(evutil_socket_t, short, void *);
static void	 sb_on_read(evutil_socket_t, short, void *);
static void	 sb_on_timer(evutil_socket_t, short, void *);
static void	 sb_finish(struct store_bind *, enum store_err);
static void	 sb_close(struct store_bind *);
static enum store_err sb_map(int);

struct store_bind *
store_check_password(struct store *st, const char *dn, const char *pw, size_t len,
    store_done_cb cb, void *arg)
{
	struct store_bind	*b;
	struct timeval		 tv;

	b = xcalloc(1, sizeof(*b));
	b->st = st;
	b->msgid = -1;
	b->cb = cb;
	b->arg = arg;
	if ((b->ev_timer = evtimer_new(st->base, sb_on_timer, b)) == NULL)
		fatalx("store_bind: evtimer_new");
	/* RFC 4513 §5.1.2: an empty password is an unauthenticated bind, which succeeds. */
	if (dn == NULL || *dn == '\0' || pw == NULL || len == 0 ||
	    len > STORE_BIND_PW_MAX || memchr(pw, '\0', len) != NULL) {
		sb_finish(b, STORE_INVALID);
		return b;
	}
	b->dn = xstrdup(dn);
	b->pw = xmalloc(len + 1);
	memcpy(b->pw, pw, len);
	b->pw[len] = '\0';
	b->pwlen = len;
	tv.tv_sec = st->cf.timeout_ms / 1000;
	tv.tv_usec = (st->cf.timeout_ms % 1000) * 1000;
	evtimer_add(b->ev_timer, &tv);
	sb_connect(b);
	return b;
}

void
store_check_password_cancel(struct store_bind *b)
{
	if (b == NULL)
		return;
	sb_close(b);
	event_free(b->ev_timer);
	free(b->dn);
	free(b);
}

/* The store's URI and TLS settings (store.c's store_connect does the same). */
static void
sb_connect(struct store_bind *b)
{
	struct store	*st = b->st;
	const char	*uri;
	struct timeval	 tv;
	int		 v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

	if (st->cf.nuris == 0 || (uri = store_uri(st)) == NULL) {
		sb_finish(b, STORE_UNAVAILABLE);
		return;
	}
	if (ldap_initialize(&b->ld, uri) != LDAP_SUCCESS) {
		b->ld = NULL;
		sb_finish(b, STORE_UNAVAILABLE);
		return;
	}
	tv.tv_sec = st->cf.timeout_ms / 1000;
	tv.tv_usec = (st->cf.timeout_ms % 1000) * 1000;
	ldap_set_option(b->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(b->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(b->ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON);
	ldap_set_option(b->ld, LDAP_OPT_RESTART, LDAP_OPT_OFF);
	ldap_set_option(b->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	b->starttls = st->cf.starttls && strncasecmp(uri, "ldap://", 7) == 0;
	if (b->starttls || strncasecmp(uri, "ldaps://", 8) == 0) {
		if (st->cf.tls_ca_file != NULL)
			ldap_set_option(b->ld, LDAP_OPT_X_TLS_CACERTFILE,
			    st->cf.tls_ca_file);
		ldap_set_option(b->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		if (ldap_set_option(b->ld, LDAP_OPT_X_TLS_NEWCTX, &zero) !=
		    LDAP_OPT_SUCCESS) {
			sb_finish(b, STORE_UNAVAILABLE);
			return;
		}
	}
	sb_send(b);
}

/*
 * StartTLS first when configured, then the bind.  With CONNECT_ASYNC the
 * first send may only start the TCP connect: sent again once writable.
 */
static void
sb_send(struct store_bind *b)
{
	struct berval	 cred;
	evutil_socket_t	 fd = -1;
	int		 rc;

	if (b->starttls)
		rc = ldap_start_tls(b->ld, NULL, NULL, &b->msgid);
	else {
		cred.bv_val = b->pw;
		cred.bv_len = b->pwlen;
		rc = ldap_sasl_bind(b->ld, b->dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
		    &b->msgid);
	}
	if (rc == LDAP_SUCCESS && !b->starttls) {
		freezero_x(b->pw, b->pwlen + 1);	/* sent: no longer needed */
		b->pw = NULL;
	}
	if (rc != LDAP_SUCCESS && rc != LDAP_X_CONNECTING) {
		sb_finish(b, sb_map(rc));
		return;
	}
	if (ldap_get_option(b->ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS || fd < 0) {
		sb_finish(b, STORE_UNAVAILABLE);
		return;
	}
	if (rc == LDAP_X_CONNECTING) {
		if (b->ev_write == NULL && (b->ev_write = event_new(b->st->base, fd,
		    EV_WRITE, sb_on_writable, b)) == NULL)
			fatalx("store_bind: event_new");
		event_add(b->ev_write, NULL);
		return;
	}
	if (b->ev_read == NULL) {
		if ((b->ev_read = event_new(b->st->base, fd, EV_READ | EV_PERSIST,
		    sb_on_read, b)) == NULL)
			fatalx("store_bind: event_new");
		event_add(b->ev_read, NULL);
	}
}

static void
sb_on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sb_send(arg);
}

static void
sb_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct store_bind	*b = arg;
	LDAPMessage		*msg = NULL;
	struct timeval		 zero = { 0, 0 };
	int			 rc, lrc = LDAP_OTHER;

	(void)fd;
	(void)what;
	rc = ldap_result(b->ld, b->msgid, LDAP_MSG_ALL, &zero, &msg);
	if (rc == 0)
		return;
	if (rc == -1) {
		sb_finish(b, STORE_UNAVAILABLE);
		return;
	}
	if (ldap_parse_result(b->ld, msg, &lrc, NULL, NULL, NULL, NULL, 1) !=
	    LDAP_SUCCESS)
		lrc = LDAP_OTHER;
	if (b->starttls) {
		/* As store.c: the handshake itself is a short blocking exchange. */
		if (lrc != LDAP_SUCCESS || ldap_install_tls(b->ld) != LDAP_SUCCESS) {
			sb_finish(b, STORE_UNAVAILABLE);
			return;
		}
		b->starttls = 0;
		sb_send(b);
		return;
	}
	sb_finish(b, lrc == LDAP_SUCCESS ? STORE_OK : sb_map(lrc));
}

/* A wrong password, a disabled or unknown account: the bind says no. */
static enum store_err
sb_map(int rc)
{
	switch (rc) {
	case LDAP_INVALID_CREDENTIALS:
	case LDAP_INAPPROPRIATE_AUTH:
	case LDAP_UNWILLING_TO_PERFORM:
	case LDAP_INVALID_DN_SYNTAX:
	case LDAP_CONSTRAINT_VIOLATION:
		return STORE_INVALID;
	default:
		return STORE_UNAVAILABLE;
	}
}

static void
sb_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct store_bind	*b = arg;
	store_done_cb		 cb = b->cb;
	void			*cbarg = b->arg;
	enum store_err		 err = b->done ? b->result : STORE_TIMEOUT;

	(void)fd;
	(void)what;
	store_check_password_cancel(b);
	cb(err, cbarg);
}

/* The result goes out from the loop, never from inside a call (store.h). */
static void
sb_finish(struct store_bind *b, enum store_err err)
{
	struct timeval	 now = { 0, 0 };

	sb_close(b);
	b->result = err;
	b->done = 1;
	evtimer_del(b->ev_timer);
	evtimer_add(b->ev_timer, &now);
}

/* Unbinds, stops watching, wipes the password. */
static void
sb_close(struct store_bind *b)
{
	if (b->ev_read != NULL)
		event_free(b->ev_read);
	if (b->ev_write != NULL)
		event_free(b->ev_write);
	b->ev_read = b->ev_write = NULL;
	if (b->ld != NULL)
		ldap_unbind_ext(b->ld, NULL, NULL);
	b->ld = NULL;
	if (b->pw != NULL)
		freezero_x(b->pw, b->pwlen + 1);
	b->pw = NULL;
}
