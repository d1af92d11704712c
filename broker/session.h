/*
 * session.h: web sessions.  A random id in a cookie (HttpOnly,
 * SameSite=Strict, Secure except on loopback), the state here, with idle
 * and absolute timeouts, a scope (register-only after a TAP, full after a
 * passkey sign-in) and the assurance of the sign-in.  Losing them on a
 * restart only asks people to sign in again (ARCHITECTURE §6).
 */
#ifndef LATCHKEY_SESSION_H
#define LATCHKEY_SESSION_H

#include <stddef.h>
#include <time.h>

struct evhttp_request;

#define SESSION_COOKIE		"latchkey_session"
#define SESSION_ID_LEN		43	/* base64url of 32 random bytes */
#define SESSION_MAX		100000	/* sessions kept; the oldest go first */
#define SESSION_REGISTER_MAX	600	/* a register-only session lives at most 10 minutes */

enum session_scope { SESSION_REGISTER = 1, SESSION_FULL = 2 };

struct session {
	char			 id[SESSION_ID_LEN + 1];
	enum session_scope	 scope;
	char			*user;		/* user name */
	char			*dn;		/* the user's entry */
	char			*assurance;	/* "aal2", "aal3"; NULL for register-only */
	char			*passkey_id;	/* base64url id of the passkey that signed in; NULL */
	time_t			 created;
	time_t			 last_seen;
	time_t			 expires;	/* absolute end */
};

/* Sets the timeouts (seconds); called at start and on reload. */
void		 session_init(time_t idle, time_t lifetime);
/*
 * A new session for user; it ends at now + lifetime, or at end_cap if that
 * is earlier and not 0 (a TAP's expiry; register-only sessions are also
 * capped at SESSION_REGISTER_MAX).  The table owns it.
 */
struct session	*session_new(enum session_scope, const char *user, const char *dn,
		    const char *assurance, time_t end_cap);
/* The live session named by the request's cookie, touched; NULL if none, expired or idle. */
struct session	*session_from_request(struct evhttp_request *);
/* Ends a session (sign-out, TAP consumed and passkey registered). */
void		 session_end(struct session *);
/* Ends every session of a user (a passkey removed, a TAP revoked). */
void		 session_end_user(const char *user);
/* Adds the Set-Cookie header for s (or one that clears the cookie when s is NULL). */
void		 session_set_cookie(struct evhttp_request *, const struct session *, int secure);
/* The live session of that id, touched; NULL if none, expired or idle. */
struct session	*session_find(const char *id);
/* Sessions in the table (live or not yet swept): for metrics and tests. */
size_t		 session_count(void);
/* Test hook: the clock the table reads; NULL restores util_now. */
void		 session_set_clock(time_t (*)(void));
/* Frees every session (at exit). */
void		 session_cleanup(void);

#endif
