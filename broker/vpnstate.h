/*
 * vpnstate.h: the RADIUS State of a challenge-mode VPN sign-in, sealed.
 *
 * The State carries what the follow-up Access-Request needs to be checked
 * without the directory: the approval's id (the latchkeyApproval entry an
 * approval will be written to), the code shown to the user, the expiry,
 * and, as associated data, the user name it was issued to.  It is sealed
 * with AES-256-GCM under a key derived (HKDF-SHA-256) from the TAP key
 * that every node shares, so any node can open what another sealed, and
 * nothing but a node can make one: a forged, altered or truncated State,
 * or one brought back with another User-Name, does not open.
 *
 * Why: a challenge then costs no directory write that the reply must wait
 * for (authreq.c publishes the pending approval in the background), so an
 * Access-Request flood is answered at packet speed and cannot queue writes
 * in front of the directory.  Core logic, no I/O.
 *
 * Layout (VPNSTATE_LEN octets): version 1 | nonce 12 | ciphertext of
 * expiry (8, big-endian seconds) id (16) code (6) | tag 16.  The AAD is the
 * version octet and the user name in ASCII lower case (RADIUS clients vary
 * the case; approvals compare names without it).
 */
#ifndef LATCHKEY_VPNSTATE_H
#define LATCHKEY_VPNSTATE_H

#include <stddef.h>
#include <time.h>

#include "approval.h"
#include "tap.h"

#define VPNSTATE_VERSION	1
#define VPNSTATE_NONCE_LEN	12
#define VPNSTATE_TAG_LEN	16
#define VPNSTATE_PLAIN_LEN	(8 + APPROVAL_STATE_LEN + APPROVAL_CODE_LEN)
#define VPNSTATE_LEN		(1 + VPNSTATE_NONCE_LEN + VPNSTATE_PLAIN_LEN + \
				 VPNSTATE_TAG_LEN)

/* What a State says. */
struct vpnstate {
	time_t		 expiry;
	unsigned char	 id[APPROVAL_STATE_LEN];	/* the approval's id, raw */
	char		 code[APPROVAL_CODE_LEN + 1];	/* wipe after use */
};

enum vpnstate_err {
	VPNSTATE_OK = 0,
	VPNSTATE_FORGED,	/* wrong length or version, does not open for this user */
	VPNSTATE_EXPIRED,	/* opened, and its time is up */
};

struct vpnstate_ctx;

/* The sealing context of a TAP key (derived key, cipher contexts). */
struct vpnstate_ctx *vpnstate_new(const unsigned char tap_key[TAP_KEY_LEN]);
void		 vpnstate_free(struct vpnstate_ctx *);	/* NULL-safe; wipes the key */

/*
 * Seals vs for user into out.  user: at most APPROVAL_USER_MAX octets.
 * nonce: VPNSTATE_NONCE_LEN random octets the caller drew with others
 * (one call to the CSPRNG per challenge), or NULL to draw them here.
 */
void		 vpnstate_seal(struct vpnstate_ctx *, const char *user,
		    const struct vpnstate *, const unsigned char *nonce,
		    unsigned char out[VPNSTATE_LEN]);
/*
 * Opens buf (len octets from the network) brought back with user at time
 * now.  VPNSTATE_OK and *vs filled; VPNSTATE_EXPIRED with *vs filled;
 * VPNSTATE_FORGED with *vs zeroed.
 */
enum vpnstate_err vpnstate_open(struct vpnstate_ctx *, const unsigned char *buf, size_t len,
		    const char *user, time_t now, struct vpnstate *);

#endif
