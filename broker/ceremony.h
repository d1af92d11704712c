/*
 * ceremony.h: pending WebAuthn ceremonies: a random challenge each, single
 * use, expiring (default 5 minutes), kept in memory by id.  A ceremony lost
 * on a restart is simply begun again (ARCHITECTURE §6).
 */
#ifndef LATCHKEY_CEREMONY_H
#define LATCHKEY_CEREMONY_H

#include <stddef.h>
#include <time.h>

#define CEREMONY_ID_LEN		22	/* base64url of 16 random bytes */
#define CEREMONY_CHALLENGE_LEN	32
#define CEREMONY_MAX		100000	/* pending at once; the oldest go first */

enum ceremony_kind { CEREMONY_REGISTER = 1, CEREMONY_SIGNIN = 2 };

struct ceremony {
	char			 id[CEREMONY_ID_LEN + 1];
	enum ceremony_kind	 kind;
	unsigned char		 challenge[CEREMONY_CHALLENGE_LEN];
	char			*user;		/* user name, NULL for a usernameless sign-in */
	char			*session;	/* session id a registration is bound to, NULL */
	time_t			 expires;
};

/* Sets the lifetime of new ceremonies (seconds). */
void		 ceremony_init(time_t ttl);
/* A new ceremony with a fresh id and challenge; the table owns it until taken. */
struct ceremony	*ceremony_new(enum ceremony_kind, const char *user, const char *session);
/*
 * Removes and returns the ceremony id of that kind if it has not expired;
 * NULL otherwise (unknown, replayed, expired or of the other kind).  The
 * id is spent either way: a second take finds nothing.  The caller frees
 * it with ceremony_free.
 */
struct ceremony	*ceremony_take(const char *id, enum ceremony_kind);
void		 ceremony_free(struct ceremony *);
/* Ceremonies pending (live or not yet swept): for metrics and tests. */
size_t		 ceremony_count(void);
/* Test hook: the clock the table reads; NULL restores util_now. */
void		 ceremony_set_clock(time_t (*)(void));
void		 ceremony_cleanup(void);

#endif
