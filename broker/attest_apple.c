/*
 * attest_apple.c: the "apple" anonymous attestation format (WebAuthn
 * §8.8).  The credential certificate carries, in extension
 * 1.2.840.113635.100.8.2, SHA-256(authData || clientDataHash) as
 * SEQUENCE { [1] EXPLICIT OCTET STRING }; its key is the credential key.
 */
#include "config.h"

#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/sha.h>

#include "attest_priv.h"

#define OID_APPLE_NONCE		"1.2.840.113635.100.8.2"

typedef struct apple_nonce_st {
	ASN1_OCTET_STRING	*nonce;
} APPLE_NONCE;

ASN1_SEQUENCE(APPLE_NONCE) = {
	ASN1_EXP(APPLE_NONCE, nonce, ASN1_OCTET_STRING, 1),
} static_ASN1_SEQUENCE_END(APPLE_NONCE)

static int	 apple_nonce(X509 *, unsigned char *, size_t);

/* §8.8.2: the verification procedure. */
int
attest_apple_verify(struct attest_ctx *ctx, struct wa_error *err)
{
	const struct attest_input	*in = ctx->in;
	X509				*cred_cert;
	EVP_PKEY			*cred;
	unsigned int			 wantlen;
	unsigned char			 want[EVP_MAX_MD_SIZE], got[SHA256_DIGEST_LENGTH];
	int				 rv;

	if (!ctx->st.has_x5c)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the apple attestation statement lacks x5c");
	cred_cert = sk_X509_value(ctx->st.x5c, 0);
	/* Steps 2-4 (SHA-256 is the hash of ES256): nonce = SHA-256(authData || clientDataHash) is in credCert. */
	if (attest_hash(COSE_ES256, in->authdata, in->authdata_len, in->cdh, 32, want,
	    &wantlen) == -1)
		return wa_fail(err, WA_INTERNAL, "hash failed");
	if (apple_nonce(cred_cert, got, sizeof(got)) == -1)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the apple credential certificate "
		    "lacks a readable nonce extension (1.2.840.113635.100.8.2)");
	if (memcmp(want, got, sizeof(got)) != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the apple attestation nonce is not "
		    "the hash of the authenticator data and client data");
	/* Step 5: the credential public key is credCert's key. */
	if ((cred = attest_cose_pkey(in->cose, in->cose_len)) == NULL)
		return wa_fail(err, WA_KEY_UNSUPPORTED, "the credential public key is not usable");
	rv = attest_x509_key_eq(cred_cert, cred, err, "apple credential");
	EVP_PKEY_free(cred);
	if (rv == -1)
		return -1;
	ctx->type = ATTEST_TYPE_BASIC;	/* Anonymization CA: chained like basic */
	return 0;
}

/* The 32-byte nonce of the single nonce extension; 0 or -1. */
static int
apple_nonce(X509 *x, unsigned char *out, size_t outlen)
{
	ASN1_OBJECT		*obj;
	ASN1_OCTET_STRING	*os;
	APPLE_NONCE		*an;
	const unsigned char	*p, *end;
	int			 idx, dup, rv = -1;

	if ((obj = OBJ_txt2obj(OID_APPLE_NONCE, 1)) == NULL)
		return -1;
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	dup = idx >= 0 ? X509_get_ext_by_OBJ(x, obj, idx) : -1;
	ASN1_OBJECT_free(obj);
	if (idx < 0 || dup >= 0)
		return -1;
	os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	p = ASN1_STRING_get0_data(os);
	end = p + ASN1_STRING_length(os);
	an = (APPLE_NONCE *)ASN1_item_d2i(NULL, &p, ASN1_STRING_length(os),
	    ASN1_ITEM_rptr(APPLE_NONCE));
	if (an != NULL && p == end && an->nonce != NULL &&
	    (size_t)ASN1_STRING_length(an->nonce) == outlen) {
		memcpy(out, ASN1_STRING_get0_data(an->nonce), outlen);
		rv = 0;
	}
	ASN1_item_free((ASN1_VALUE *)an, ASN1_ITEM_rptr(APPLE_NONCE));
	ERR_clear_error();
	return rv;
}
