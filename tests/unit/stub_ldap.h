/*
 * stub_ldap.h: a scripted stand-in for the network half of libldap, for
 * test_store.  It records every request the store sends, answers binds and
 * StartTLS by itself, and hands out the answers a test queues for a message
 * id.  Its descriptor is one end of a socketpair that becomes readable when
 * an answer is queued, so the store's real event loop wakes up.  The pure
 * helpers (filter escaping, DN parsing) are libldap's own.
 */
#ifndef LATCHKEY_STUB_LDAP_H
#define LATCHKEY_STUB_LDAP_H

#include <stddef.h>

enum stub_kind { STUB_BIND, STUB_STARTTLS, STUB_SEARCH, STUB_MODIFY, STUB_ADD,
	STUB_DELETE };

struct stub_req {
	enum stub_kind	 kind;
	int		 msgid;
	char		*uri;		/* connection it was sent on */
	char		*dn;		/* search base, entry DN or bind DN */
	char		*mech;		/* bind: NULL (simple) or the SASL mechanism */
	char		*cred;		/* bind: the simple bind password */
	int		 scope;
	int		 sizelimit;
	char		*filter;
	char		*mods;		/* modify/add: "op attr=val,val;..." */
};

/* Clears everything (requests, queued answers, knobs). */
void	stub_reset(void);
/* Called for every request after it is recorded (e.g. to answer it). */
void	stub_set_responder(void (*)(const struct stub_req *));
size_t	stub_nreqs(void);
const struct stub_req *stub_req(size_t);
/* The latest request of a kind, or NULL. */
const struct stub_req *stub_last(enum stub_kind);

/* Queues a SearchResultEntry: attrs is "name", "value", ..., NULL. */
void	stub_entry(int msgid, const char *dn, const char *const *attrs);
/* Queues a final response of type (LDAP_RES_*) with result code rc. */
void	stub_done(int msgid, int type, int rc, const char *diag);
/* Makes the current connection fail: the next ldap_result returns -1. */
void	stub_down(void);
/* The URI of the i-th ldap_initialize since stub_reset, or NULL. */
const char *stub_connect_uri(int);
/* Whether ldap_abandon_ext was called for msgid. */
int	stub_abandoned(int msgid);

/* Knobs. */
extern int	 stub_bind_rc;		/* result code of binds (LDAP_SUCCESS) */
extern int	 stub_send_rc;		/* return of ldap_sasl_bind (LDAP_SUCCESS) */
extern int	 stub_nconnects;	/* ldap_initialize calls */
extern int	 stub_nunbinds;

#endif
