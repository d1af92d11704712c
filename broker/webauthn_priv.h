/*
 * webauthn_priv.h: the pieces of the relying-party verifier shared by
 * webauthn.c, webauthn_authdata.c and cose.c (and their unit tests):
 * the strict authenticatorData parser, a bounded CBOR item scanner and the
 * COSE_Key reader.  Not for other modules: they use webauthn.h.
 */
#ifndef LATCHKEY_WEBAUTHN_PRIV_H
#define LATCHKEY_WEBAUTHN_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <fido.h>

#include "webauthn.h"

/* authenticatorData flags (WebAuthn §6.1); libfido2 1.12 names only UP, UV, AT, ED. */
#define WA_FLAG_UP	0x01
#define WA_FLAG_UV	0x04
#define WA_FLAG_BE	0x08
#define WA_FLAG_BS	0x10
#define WA_FLAG_AT	0x40
#define WA_FLAG_ED	0x80

#define WA_RPID_HASH_LEN	32
#define WA_AAGUID_LEN		16
#define WA_AUTHDATA_MIN		37	/* rpIdHash[32] flags[1] signCount[4] */
#define WA_AUTHDATA_MAX		(16 * 1024)	/* far above any real authenticator */
#define WA_CBOR_DEPTH_MAX	8	/* nesting in attStmt, COSE keys, extensions */
#define WA_EXT_MAX		16	/* entries in the authData extensions map */

/* COSE (RFC 9053) labels and values the verifier knows. */
#define COSE_KTY_OKP	1
#define COSE_KTY_EC2	2
#define COSE_KTY_RSA	3
#define COSE_CRV_P256	1
#define COSE_CRV_P384	2
#define COSE_CRV_ED25519 6
#define COSE_ALG_ES256	(-7)
#define COSE_ALG_ES384	(-35)
#define COSE_ALG_RS256	(-257)
#define COSE_ALG_EDDSA	(-8)

/*
 * A credential public key, checked against its alg and laid out the way
 * libfido2's *_pk_from_ptr() takes it: x||y (64 or 96 bytes), n||e (256 + 3)
 * or the 32-byte Ed25519 point.
 */
#define COSE_RAW_MAX	259
struct cose_key {
	int		 alg;
	size_t		 rawlen;
	unsigned char	 raw[COSE_RAW_MAX];
};

/*
 * Parses a COSE_Key (one CBOR map, CTAP2 canonical: integer labels in
 * strictly increasing canonical order) whose alg is one of ES256, ES384,
 * RS256, EdDSA, and whose kty, crv and lengths match that alg.  0, or -1
 * with key_unsupported (or cbor_malformed).
 */
int	 cose_key_parse(const unsigned char *, size_t, struct cose_key *, struct wa_error *);
int	 cose_key_from_item(const cbor_item_t *, struct cose_key *, struct wa_error *);
/* Checks what lengths cannot: an EC point on its curve, an RSA key libfido2 takes. */
int	 cose_key_check(const struct cose_key *, struct wa_error *);
/* Verifies statement 0 of a prepared assertion with the key; bad_signature. */
int	 cose_key_verify_assert(const struct cose_key *, const fido_assert_t *,
	    struct wa_error *);
/* 1 if alg is one the verifier supports. */
int	 cose_alg_supported(int);

/* A parsed authenticatorData; pointers go into the caller's buffer. */
struct wa_authdata {
	const unsigned char	*raw;
	size_t			 len;
	const unsigned char	*rp_id_hash;	/* 32 bytes */
	uint8_t			 flags;
	uint32_t		 sign_count;
	/* Attested credential data (AT) */
	const unsigned char	*aaguid;	/* 16 bytes; NULL without AT */
	const unsigned char	*cred_id;
	size_t			 cred_id_len;
	const unsigned char	*cose;		/* the COSE_Key bytes */
	size_t			 cose_len;
	struct cose_key		 key;
	/* Extension outputs (ED) libfido2 compares (webauthn-verify.md §1.4). */
	int			 cred_protect;	/* 0: absent */
	int			 hmac_secret;
	int			 cred_blob;
	int			 min_pin_length;	/* 0: absent */
};

#define WA_AD_REGISTER	1	/* AT required */
#define WA_AD_ASSERT	2	/* AT refused */

/*
 * Parses authenticatorData strictly (WebAuthn §6.1): lengths checked before
 * every read, the COSE key and the extensions map exactly one CBOR item
 * each, nothing after them (trailing_bytes), credIdLen at most 1023
 * (cred_id_too_long).  0, or -1 with err.
 */
int	 wa_authdata_parse(const unsigned char *, size_t, int, struct wa_authdata *,
	    struct wa_error *);
/*
 * Finds the length of the one CBOR item at the start of buf without
 * building it: definite lengths only, nesting at most WA_CBOR_DEPTH_MAX,
 * every announced count checked against the bytes left, so that a later
 * cbor_load() never allocates for data that is not there.  0 or -1.
 */
int	 wa_cbor_item_len(const unsigned char *, size_t, size_t *);
/* cbor_load() of exactly one bounded item filling len bytes; NULL on error. */
cbor_item_t *wa_cbor_load(const unsigned char *, size_t, struct wa_error *);

/* clientDataJSON checks shared by both ceremonies (§7.1 steps 5-11, §7.2 steps 9-14). */
int	 wa_client_data_check(const struct wa_policy *, const char *type,
	    const void *challenge, size_t challenge_len, const unsigned char *cdj,
	    size_t cdj_len, struct wa_error *);


/*
 * wa_sig.c: the assertion signature over authData || cdh, verified with
 * OpenSSL against the stored COSE key, with a cache of prepared keys.
 * 0, or -1 with key_unsupported or bad_signature.
 */
int	 wa_sig_verify(int alg, const unsigned char *cose, size_t coselen,
	    const unsigned char *ad, size_t adlen, const unsigned char cdh[32],
	    const unsigned char *sig, size_t siglen, struct wa_error *);

#endif
