/*
 * approval.h: pending VPN approvals in the directory (ARCHITECTURE §3):
 * short-lived latchkeyApproval entries under the latchkey base, named by
 * a random id (lowercase hex) that the sealed RADIUS State carries
 * (vpnstate.h), holding the user name as
 * the RADIUS client sent it, the client, a keyed hash of the code shown to
 * the user, the expiry, the state (pending, approved) and, once approved,
 * the passkey and the assurance of the sign-in that approved; then used
 * or denied until the expiry.  Any node
 * creates, approves and consumes them, so no home-made cluster protocol is
 * needed (ARCHITECTURE §6); expired entries are deleted by whichever node
 * reads them first.
 *
 * The code is six characters of TAP_ALPHABET, shown as "ABC-123" and in
 * links as "ABC123" (ARCHITECTURE §5); only HMAC-SHA-256 of the normalised
 * code under the TAP key is stored, as hex.  Services layer over store.h.
 */
#ifndef LATCHKEY_APPROVAL_H
#define LATCHKEY_APPROVAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"
#include "tap.h"

#define APPROVAL_LIFETIME	300	/* seconds a VPN request waits for its approval */
#define APPROVAL_STATE_LEN	16	/* octets of an approval's id (random) */
#define APPROVAL_ID_LEN		(APPROVAL_STATE_LEN * 2)	/* hex of the id */
#define APPROVAL_CODE_LEN	6	/* characters of a code, without the dash */
#define APPROVAL_HASH_HEX	64	/* hex of the code's HMAC-SHA-256 */
#define APPROVAL_FAILURES_MAX	5	/* wrong codes before a user's approvals go */
#define APPROVAL_PASSKEY_MAX	1023	/* octets of a credential id (WebAuthn §5.8.3) */
#define APPROVAL_USER_MAX	253	/* a RADIUS User-Name (RFC 2865 §5.1) */

/*
 * pending -> approved (a passkey sign-in) -> used (the VPN got in), or
 * pending -> denied (too many wrong codes).  Used and denied entries stay
 * until their expiry, so that a State brought back again is refused.
 */
enum approval_state { APPROVAL_PENDING = 0, APPROVAL_APPROVED, APPROVAL_USED, APPROVAL_DENIED };

/* An approval as read from (or to be written to) the directory. */
struct approval {
	char			 id[APPROVAL_ID_LEN + 1];	/* the State, lowercase hex */
	char			*user;		/* as the RADIUS client sent it */
	char			*client;	/* the RADIUS client's name */
	char			 code_hash[APPROVAL_HASH_HEX + 1];
	time_t			 expiry;
	enum approval_state	 state;
	unsigned char		*passkey;	/* credential id that approved; NULL if pending */
	size_t			 passkey_len;
	char			 assurance[8];	/* "aal2", "aal3"; "" if pending */
	int			 expired;	/* read after its expiry (and being deleted) */
};

/* A new code: APPROVAL_CODE_LEN characters of TAP_ALPHABET (rejection sampling). */
void		 approval_code_new(char code[APPROVAL_CODE_LEN + 1]);
/* The same from len random octets the caller drew; -1 if they were not enough. */
int		 approval_code_from(const unsigned char *rnd, size_t len,
		    char code[APPROVAL_CODE_LEN + 1]);
/* "K7Q2MX" as people read it: "K7Q-2MX". */
void		 approval_code_display(const char *code, char out[APPROVAL_CODE_LEN + 2]);
/*
 * The hex HMAC-SHA-256 under key of a code as typed (case, blanks and one
 * dash ignored); -1 if it is not APPROVAL_CODE_LEN characters of the alphabet.
 */
int		 approval_code_hash(const unsigned char key[TAP_KEY_LEN], const char *typed,
		    char hex[APPROVAL_HASH_HEX + 1]);
/* The lowercase hex of a raw id (any length up to APPROVAL_STATE_LEN); -1 if longer. */
int		 approval_id_of(const unsigned char *state, size_t len,
		    char id[APPROVAL_ID_LEN + 1]);

/*
 * Adds a pending approval (a's id, user, client, code_hash and expiry)
 * under base; an empty code_hash (hold mode: no code is shown, the user's
 * portal lists the request) adds none.  Also sweeps expired approvals under base, at most once a
 * minute per process.  Returns the store operation (0: could not start;
 * cb is called anyway, from the loop).
 */
uint64_t	 approval_create(struct store *, const char *base, const struct approval *,
		    store_done_cb, void *arg);
/*
 * Lookups: cb gets the matching entries (none: STORE_OK and n 0; the base
 * missing: STORE_NOTFOUND), which approval_read turns into approvals.
 * approval_get: the approval of a State (its hex id); approval_find_code:
 * the pending approval whose code hashes to hex; approval_search_user: the
 * pending approvals of user (as the RADIUS client sent it, any case).
 */
uint64_t	 approval_get(struct store *, const char *base, const char *id,
		    store_entries_cb, void *arg);
uint64_t	 approval_find_code(struct store *, const char *base, const char *hex,
		    store_entries_cb, void *arg);
uint64_t	 approval_search_user(struct store *, const char *base, const char *user,
		    store_entries_cb, void *arg);
/*
 * Marks a pending approval approved by passkey at assurance, in one modify
 * that deletes the value "pending": an approval approved, consumed or
 * deleted meanwhile fails it (STORE_CONFLICT or STORE_NOTFOUND).
 */
uint64_t	 approval_approve(struct store *, const char *base, const char *id,
		    const unsigned char *passkey, size_t len, const char *assurance,
		    store_done_cb, void *arg);
/*
 * The one use of an approved approval: one modify that deletes the value
 * "approved" and adds "used", so a second use fails (STORE_CONFLICT; gone:
 * STORE_NOTFOUND).  approval_deny does the same from "pending" to "denied".
 */
uint64_t	 approval_use(struct store *, const char *base, const char *id,
		    store_done_cb cb, void *arg);
uint64_t	 approval_deny(struct store *, const char *base, const char *id,
		    store_done_cb cb, void *arg);
/* Deletes the approval (a hold-mode request that ended unapproved). */
uint64_t	 approval_delete(struct store *, const char *base, const char *id,
		    store_done_cb cb, void *arg);
/*
 * Reads an entry of a lookup into *a (cleared with approval_clear); 0, or
 * -1 (logged) for an entry that is not a well-formed approval.  One past
 * its expiry gets a->expired and is deleted in the background (whichever
 * node reads it first), when store is not NULL.
 */
int		 approval_read(struct store *, const char *base, const struct store_entry *,
		    struct approval *);
void		 approval_clear(struct approval *);
/*
 * Counts a wrong code typed by the approval's user against it (in this
 * process's memory, forgotten at its expiry); returns 1 when this made
 * APPROVAL_FAILURES_MAX and the caller is to deny it (approval_deny).
 */
int		 approval_fail(const char *id, time_t expiry);
/* Frees the in-memory failure counts (at exit). */
void		 approval_cleanup(void);

#endif
