/*
 * tap.h: Temporary Access Passes (research/entra-semantics.md b1), pure
 * logic: codes from the CSPRNG in an alphabet without look-alike
 * characters, kept only as HMAC-SHA-256 under a key that lives in a file
 * outside the directory, the latchkeyTap JSON value, and the lockout rule
 * (ten failed attempts lock redemption for 60 s, doubling on repeat).
 */
#ifndef LATCHKEY_TAP_H
#define LATCHKEY_TAP_H

#include <stddef.h>
#include <time.h>

#define TAP_LEN_MIN		8
#define TAP_LEN_MAX		48
#define TAP_KEY_LEN		32
#define TAP_FAILURES_MAX	10	/* failed attempts before a lockout */
#define TAP_LOCK_SECONDS	60	/* first lockout; doubles on each repeat */
/* No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and typed from paper. */
#define TAP_ALPHABET		"ACDEFGHJKMNPQRTUVWXY34679"

struct tap {
	char		 id[24];	/* random, base64url: names the pass in audit lines */
	unsigned char	 hash[32];	/* HMAC-SHA-256(key, normalised code) */
	time_t		 start;		/* usable from */
	time_t		 expiry;	/* usable until */
	int		 one_time;
	char		*issuer;	/* who issued it (admin name), NULL if unknown */
	unsigned int	 uses;		/* successful redemptions */
	unsigned int	 failures;	/* failed attempts since the last lockout */
	time_t		 locked_until;	/* 0: not locked */
	unsigned int	 lockouts;	/* lockouts so far: the next one lasts 60 s << lockouts */
};

enum tap_result {
	TAP_OK = 0,
	TAP_WRONG,		/* the code does not match */
	TAP_NOT_YET,		/* before start */
	TAP_EXPIRED,		/* after expiry */
	TAP_LOCKED,		/* locked_until is in the future */
	TAP_USED,		/* a one-time pass already redeemed */
};

/*
 * Makes a new pass of len characters (TAP_LEN_MIN..TAP_LEN_MAX) valid from
 * start for lifetime seconds.  Returns the code (new string, to be shown
 * once and wiped) and fills *t (hash under key, fresh id).
 */
char		*tap_issue(const unsigned char key[TAP_KEY_LEN], size_t len, time_t start,
		    time_t lifetime, int one_time, const char *issuer, struct tap *t);
/*
 * Checks a code (case, blanks and dashes ignored) against the pass at now,
 * in constant time with respect to the code.  Does not change *t.
 */
enum tap_result	 tap_check(const struct tap *, const unsigned char key[TAP_KEY_LEN],
		    const char *code, time_t now);
/* Counts a failed attempt at now; returns 1 if it locked the pass. */
int		 tap_fail(struct tap *, time_t now);
/* Seconds the pass stays locked at now (0: not locked): for Retry-After. */
time_t		 tap_locked_for(const struct tap *, time_t now);
const char	*tap_result_name(enum tap_result);

/* The latchkeyTap value: compact JSON; never holds the code. */
char		*tap_encode(const struct tap *);
/* Decodes a (hostile) directory value; NULL with a reason in err. */
struct tap	*tap_decode(const char *json, size_t len, char *err, size_t errlen);
void		 tap_free(struct tap *);	/* frees a decoded pass */
void		 tap_clear(struct tap *);	/* frees what a pass holds */

/*
 * len characters of TAP_ALPHABET into code (len + 1 bytes) from the random
 * octets rnd (rndlen of them), by rejection sampling: an octet at or above
 * the largest multiple of the alphabet's size is skipped, so every
 * character is equally likely.  0, or -1 when rnd ran out first.  VPN
 * approval codes (approval.c) are drawn the same way.
 */
int		 tap_code_from(const unsigned char *rnd, size_t rndlen, char *code, size_t len);
/*
 * HMAC-SHA-256 of msg under key into out (32 octets): how passes and VPN
 * approval codes are kept.  The keyed context of the last key is kept and
 * copied for each call, so a VPN challenge does not fetch the digest and
 * hash the key again.
 */
void		 tap_hmac(const unsigned char key[TAP_KEY_LEN], const void *msg, size_t len,
		    unsigned char out[32]);

/* Reads the 32-byte HMAC key (exactly TAP_KEY_LEN bytes); 0 or -1 with err. */
int		 tap_key_load(const char *path, unsigned char key[TAP_KEY_LEN], char *err, size_t errlen);
/* Creates a fresh key file with mode 0600, refusing to replace one; 0 or -1 (errno). */
int		 tap_key_create(const char *path);

#endif
