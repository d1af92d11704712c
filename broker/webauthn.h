/*
 * webauthn.h: the relying party's verification of registrations (WebAuthn
 * Level 3 §7.1) and authentication assertions (§7.2).  Pure code: no I/O,
 * no event loop, no clock but the one in the policy.  Inputs are the Level 3
 * JSON forms a browser's credential.toJSON() produces; every refusal carries
 * a specific error code and a sentence for people.
 */
#ifndef LATCHKEY_WEBAUTHN_H
#define LATCHKEY_WEBAUTHN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "passkey.h"

struct attest_trust;

enum wa_err {
	WA_OK = 0,
	WA_JSON_MALFORMED,	/* "json_malformed" */
	WA_CBOR_MALFORMED,	/* "cbor_malformed" */
	WA_CLIENT_DATA_TYPE,	/* "client_data_type" */
	WA_CHALLENGE_MISMATCH,	/* "challenge_mismatch" */
	WA_ORIGIN_MISMATCH,	/* "origin_mismatch" */
	WA_CROSS_ORIGIN,	/* "cross_origin": crossOrigin/topOrigin refused by policy */
	WA_RP_ID_HASH,		/* "rp_id_hash" */
	WA_UP_MISSING,		/* "up_missing" */
	WA_UV_REQUIRED,		/* "uv_required" */
	WA_BS_WITHOUT_BE,	/* "bs_without_be" */
	WA_BE_CHANGED,		/* "be_changed" */
	WA_COUNTER_REGRESSION,	/* "counter_regression" */
	WA_BAD_SIGNATURE,	/* "bad_signature" */
	WA_ALG_NOT_ALLOWED,	/* "alg_not_allowed" */
	WA_CRED_ID_TOO_LONG,	/* "cred_id_too_long" */
	WA_TRAILING_BYTES,	/* "trailing_bytes" */
	WA_ATTESTATION_INVALID,	/* "attestation_invalid" */
	WA_ATTESTATION_UNTRUSTED, /* "attestation_untrusted": policy demanded trust */
	WA_FORMAT_UNSUPPORTED,	/* "format_unsupported" */
	WA_CREDENTIAL_MISMATCH,	/* "credential_mismatch": the assertion is for another credential */
	WA_AUTHDATA_MALFORMED,	/* "authdata_malformed": lengths or flags inconsistent */
	WA_KEY_UNSUPPORTED,	/* "key_unsupported": a COSE key we cannot use */
	WA_INTERNAL,		/* "internal" */
	WA_ERR_MAX
};

#define WA_MESSAGE_MAX	256

struct wa_error {
	enum wa_err	 code;
	char		 message[WA_MESSAGE_MAX];	/* a sentence; never a secret */
};

/* The stable code string of an error ("json_malformed"). */
const char	*wa_err_code(enum wa_err);
/* Sets err (if not NULL) and returns -1: for the verifiers' refusal paths. */
int		 wa_fail(struct wa_error *, enum wa_err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* The relying party's policy for one ceremony. */
struct wa_policy {
	const char		 *rp_id;
	const char *const	 *origins;	/* exact origins accepted (§7.1 step 9) */
	size_t			  norigins;
	int			  allow_cross_origin;	/* crossOrigin true accepted (§7.1 step 10) */
	const char *const	 *top_origins;	/* with crossOrigin: topOrigin values accepted */
	size_t			  ntop_origins;
	int			  require_uv;	/* UV flag required (§7.1 step 15, §7.2 step 17) */
	const int		 *algs;		/* COSE algs offered in pubKeyCredParams */
	size_t			  nalgs;
	int			  allow_clone;	/* counter regression tolerated instead of refused */
	int			  require_trusted_attestation;	/* else untrusted is recorded, not refused */
	const struct attest_trust *trust;	/* anchors; NULL: none */
	time_t			  now;		/* certificate validity clock; 0: time(NULL) */
};

/*
 * Verifies a RegistrationResponseJSON against the challenge the server
 * issued (raw bytes).  On success returns 0 and a new record in *out
 * (created = policy now); the caller still checks that the credential id is
 * unused in the directory (§7.1 step 26).  On refusal returns -1 with err.
 */
int	 wa_register(const struct wa_policy *, const void *challenge, size_t challenge_len,
	    const char *json, size_t json_len, struct passkey **out, struct wa_error *err);

/* A parsed AuthenticationResponseJSON: parse first, look the credential up, then verify. */
struct wa_assertion;

int	 wa_assertion_parse(const char *json, size_t json_len, struct wa_assertion **out,
	    struct wa_error *err);
/* The same from a parsed JSON object (e.g. a request body's member); the caller keeps root. */
int	 wa_assertion_parse_json(const json_t *root, struct wa_assertion **out,
	    struct wa_error *err);
const unsigned char *wa_assertion_id(const struct wa_assertion *, size_t *len);
/* The userHandle the authenticator returned, or NULL (len 0) if none. */
const unsigned char *wa_assertion_user_handle(const struct wa_assertion *, size_t *len);
void	 wa_assertion_free(struct wa_assertion *);

/*
 * Verifies an assertion (§7.2) made with the stored credential.  On success
 * returns 0 and the updated record in *updated (signCount, BS, uv,
 * last_used = policy now); the caller writes it back if it changed.
 */
int	 wa_authenticate(const struct wa_policy *, const void *challenge, size_t challenge_len,
	    const struct wa_assertion *, const struct passkey *stored, struct passkey **updated,
	    struct wa_error *err);

#endif
