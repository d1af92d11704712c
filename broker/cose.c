/*
 * cose.c: credential public keys as COSE_Key maps (RFC 9052 §7, RFC 9053,
 * RFC 8230), read strictly for the four algorithms libfido2 1.12 verifies:
 * ES256 (EC2 P-256), ES384 (EC2 P-384), RS256 (RSA 2048, 3-byte exponent)
 * and EdDSA (OKP Ed25519).  The key is laid out as libfido2's *_pk_t so
 * that an assertion is verified by fido_assert_verify() with it.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cbor.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/es384.h>
#include <fido/rs256.h>
#include <openssl/evp.h>

#include "webauthn.h"
#include "webauthn_priv.h"

#define COSE_LABELS_MAX	8	/* kty, alg, crv, x, y and a few spare */
#define COSE_LABEL_KTY	1
#define COSE_LABEL_ALG	3

/* The members of a COSE_Key the verifier reads; NULL when absent. */
struct cose_members {
	const cbor_item_t	*kty;
	const cbor_item_t	*alg;
	const cbor_item_t	*m1;	/* crv (EC2, OKP) or n (RSA) */
	const cbor_item_t	*m2;	/* x (EC2, OKP) or e (RSA) */
	const cbor_item_t	*m3;	/* y (EC2) */
};

static int	cose_label(const cbor_item_t *, int64_t *, uint64_t *);
static int	cose_int(const cbor_item_t *, int64_t *);
static int	cose_members(const cbor_item_t *, struct cose_members *, struct wa_error *);
static int	cose_bytes(const cbor_item_t *, size_t, unsigned char *);
static int	cose_ec2(const struct cose_members *, int, size_t, struct cose_key *,
		    struct wa_error *);

int
cose_alg_supported(int alg)
{
	return alg == COSE_ALG_ES256 || alg == COSE_ALG_ES384 ||
	    alg == COSE_ALG_RS256 || alg == COSE_ALG_EDDSA;
}

int
cose_key_parse(const unsigned char *buf, size_t len, struct cose_key *key,
    struct wa_error *err)
{
	cbor_item_t	*item;
	int		 rc;

	if ((item = wa_cbor_load(buf, len, err)) == NULL)
		return -1;
	rc = cose_key_from_item(item, key, err);
	cbor_decref(&item);
	return rc;
}

/* RFC 9053 §7.1 (EC2), §7.2 (OKP), RFC 8230 §4 (RSA): kty, crv and sizes fixed by alg. */
int
cose_key_from_item(const cbor_item_t *item, struct cose_key *key, struct wa_error *err)
{
	struct cose_members	 m;
	int64_t			 kty, alg, crv;

	memset(key, 0, sizeof(*key));
	if (cose_members(item, &m, err) == -1)
		return -1;
	if (m.kty == NULL || cose_int(m.kty, &kty) == -1)
		return wa_fail(err, WA_KEY_UNSUPPORTED, "the COSE key has no integer kty");
	if (m.alg == NULL || cose_int(m.alg, &alg) == -1)
		return wa_fail(err, WA_KEY_UNSUPPORTED, "the COSE key has no integer alg");
	if (!cose_alg_supported((int)alg) || alg != (int)alg)
		return wa_fail(err, WA_ALG_NOT_ALLOWED,
		    "the credential algorithm %lld is not supported", (long long)alg);
	key->alg = (int)alg;
	switch (key->alg) {
	case COSE_ALG_ES256:
		return cose_ec2(&m, COSE_CRV_P256, 32, key, err);
	case COSE_ALG_ES384:
		return cose_ec2(&m, COSE_CRV_P384, 48, key, err);
	case COSE_ALG_EDDSA:
		if (kty != COSE_KTY_OKP || m.m1 == NULL || cose_int(m.m1, &crv) == -1 ||
		    crv != COSE_CRV_ED25519 || m.m3 != NULL ||
		    cose_bytes(m.m2, 32, key->raw) == -1)
			return wa_fail(err, WA_KEY_UNSUPPORTED,
			    "the EdDSA key is not an OKP Ed25519 key of 32 bytes");
		key->rawlen = 32;
		return 0;
	default:	/* COSE_ALG_RS256 */
		/* libfido2 1.12 takes a 2048-bit modulus and a 3-byte exponent only. */
		if (kty != COSE_KTY_RSA || m.m3 != NULL ||
		    cose_bytes(m.m1, 256, key->raw) == -1 ||
		    cose_bytes(m.m2, 3, key->raw + 256) == -1)
			return wa_fail(err, WA_KEY_UNSUPPORTED,
			    "the RS256 key is not RSA with a 2048-bit modulus and a 3-byte exponent");
		key->rawlen = 259;
		return 0;
	}
}

int
cose_key_check(const struct cose_key *key, struct wa_error *err)
{
	es256_pk_t	*es256 = NULL;
	es384_pk_t	*es384 = NULL;
	rs256_pk_t	*rs256 = NULL;
	eddsa_pk_t	*eddsa = NULL;
	EVP_PKEY	*pkey = NULL;
	int		 rc = -1;

	/* es256/es384_pk_from_ptr() build the EC key: a point off the curve fails there. */
	switch (key->alg) {
	case COSE_ALG_ES256:
		if ((es256 = es256_pk_new()) != NULL &&
		    es256_pk_from_ptr(es256, key->raw, key->rawlen) == FIDO_OK &&
		    (pkey = es256_pk_to_EVP_PKEY(es256)) != NULL)
			rc = 0;
		break;
	case COSE_ALG_ES384:
		if ((es384 = es384_pk_new()) != NULL &&
		    es384_pk_from_ptr(es384, key->raw, key->rawlen) == FIDO_OK &&
		    (pkey = es384_pk_to_EVP_PKEY(es384)) != NULL)
			rc = 0;
		break;
	case COSE_ALG_RS256:
		if ((rs256 = rs256_pk_new()) != NULL &&
		    rs256_pk_from_ptr(rs256, key->raw, key->rawlen) == FIDO_OK &&
		    (pkey = rs256_pk_to_EVP_PKEY(rs256)) != NULL)
			rc = 0;
		break;
	case COSE_ALG_EDDSA:
		if ((eddsa = eddsa_pk_new()) != NULL &&
		    eddsa_pk_from_ptr(eddsa, key->raw, key->rawlen) == FIDO_OK &&
		    (pkey = eddsa_pk_to_EVP_PKEY(eddsa)) != NULL)
			rc = 0;
		break;
	}
	EVP_PKEY_free(pkey);
	es256_pk_free(&es256);
	es384_pk_free(&es384);
	rs256_pk_free(&rs256);
	eddsa_pk_free(&eddsa);
	if (rc == -1)
		return wa_fail(err, WA_KEY_UNSUPPORTED,
		    "the credential public key is not a valid key for its algorithm");
	return 0;
}

/* WebAuthn §7.2 step 21: the signature over authData || SHA-256(clientDataJSON). */
int
cose_key_verify_assert(const struct cose_key *key, const fido_assert_t *a,
    struct wa_error *err)
{
	es256_pk_t	*es256 = NULL;
	es384_pk_t	*es384 = NULL;
	rs256_pk_t	*rs256 = NULL;
	eddsa_pk_t	*eddsa = NULL;
	const void	*pk = NULL;
	int		 r = FIDO_ERR_INVALID_ARGUMENT;

	switch (key->alg) {
	case COSE_ALG_ES256:
		if ((es256 = es256_pk_new()) != NULL &&
		    es256_pk_from_ptr(es256, key->raw, key->rawlen) == FIDO_OK)
			pk = es256;
		break;
	case COSE_ALG_ES384:
		if ((es384 = es384_pk_new()) != NULL &&
		    es384_pk_from_ptr(es384, key->raw, key->rawlen) == FIDO_OK)
			pk = es384;
		break;
	case COSE_ALG_RS256:
		if ((rs256 = rs256_pk_new()) != NULL &&
		    rs256_pk_from_ptr(rs256, key->raw, key->rawlen) == FIDO_OK)
			pk = rs256;
		break;
	case COSE_ALG_EDDSA:
		if ((eddsa = eddsa_pk_new()) != NULL &&
		    eddsa_pk_from_ptr(eddsa, key->raw, key->rawlen) == FIDO_OK)
			pk = eddsa;
		break;
	}
	if (pk != NULL)
		r = fido_assert_verify(a, 0, key->alg, pk);
	es256_pk_free(&es256);
	es384_pk_free(&es384);
	rs256_pk_free(&rs256);
	eddsa_pk_free(&eddsa);
	if (pk == NULL)
		return wa_fail(err, WA_KEY_UNSUPPORTED,
		    "the stored credential public key cannot be used");
	if (r == FIDO_ERR_INVALID_SIG)
		return wa_fail(err, WA_BAD_SIGNATURE, "the assertion signature does not verify");
	if (r != FIDO_OK)
		return wa_fail(err, WA_BAD_SIGNATURE,
		    "the assertion cannot be verified (%s)", fido_strerr(r));
	return 0;
}

/*
 * Collects the members of a COSE_Key map.  CTAP2 canonical CBOR orders
 * integer labels 1, 3, ..., -1, -2, ...; a strictly increasing order also
 * refuses duplicates.  Labels the verifier does not use are skipped.
 */
static int
cose_members(const cbor_item_t *item, struct cose_members *m, struct wa_error *err)
{
	struct cbor_pair	*pairs;
	uint64_t		 rank, prev = 0;
	int64_t			 label;
	size_t			 i, n;

	memset(m, 0, sizeof(*m));
	if (!cbor_isa_map(item) || !cbor_map_is_definite(item))
		return wa_fail(err, WA_KEY_UNSUPPORTED, "the credential public key is not a COSE_Key map");
	if ((n = cbor_map_size(item)) > COSE_LABELS_MAX)
		return wa_fail(err, WA_KEY_UNSUPPORTED, "the COSE key has more than %d members",
		    COSE_LABELS_MAX);
	pairs = cbor_map_handle(item);
	for (i = 0; i < n; i++) {
		if (cose_label(pairs[i].key, &label, &rank) == -1)
			return wa_fail(err, WA_KEY_UNSUPPORTED,
			    "a COSE key label is not a small integer");
		if (i > 0 && rank <= prev)
			return wa_fail(err, WA_KEY_UNSUPPORTED,
			    "the COSE key labels are repeated or not in canonical order");
		prev = rank;
		switch (label) {
		case COSE_LABEL_KTY:
			m->kty = pairs[i].value;
			break;
		case COSE_LABEL_ALG:
			m->alg = pairs[i].value;
			break;
		case -1:
			m->m1 = pairs[i].value;
			break;
		case -2:
			m->m2 = pairs[i].value;
			break;
		case -3:
			m->m3 = pairs[i].value;
			break;
		}
	}
	return 0;
}

/* An integer label and its canonical rank: unsigned ones first, then negative. */
static int
cose_label(const cbor_item_t *item, int64_t *label, uint64_t *rank)
{
	uint64_t	v;

	if (!cbor_isa_uint(item) && !cbor_isa_negint(item))
		return -1;
	if ((v = cbor_get_int(item)) > INT32_MAX)
		return -1;
	if (cbor_isa_uint(item)) {
		*label = (int64_t)v;
		*rank = v;
	} else {
		*label = -1 - (int64_t)v;
		*rank = ((uint64_t)1 << 32) + v;
	}
	return 0;
}

static int
cose_int(const cbor_item_t *item, int64_t *out)
{
	uint64_t	v;

	if (!cbor_isa_uint(item) && !cbor_isa_negint(item))
		return -1;
	if ((v = cbor_get_int(item)) > INT32_MAX)
		return -1;
	*out = cbor_isa_uint(item) ? (int64_t)v : -1 - (int64_t)v;
	return 0;
}

/* A definite byte string of exactly len bytes, copied to out. */
static int
cose_bytes(const cbor_item_t *item, size_t len, unsigned char *out)
{
	if (item == NULL || !cbor_isa_bytestring(item) ||
	    !cbor_bytestring_is_definite(item) || cbor_bytestring_length(item) != len)
		return -1;
	memcpy(out, cbor_bytestring_handle(item), len);
	return 0;
}

/* EC2 with the given curve: x and y of size bytes each (no compressed points). */
static int
cose_ec2(const struct cose_members *m, int crv, size_t size, struct cose_key *key,
    struct wa_error *err)
{
	int64_t	kty, c;

	if (cose_int(m->kty, &kty) == -1 || kty != COSE_KTY_EC2 || m->m1 == NULL ||
	    cose_int(m->m1, &c) == -1 || c != crv ||
	    cose_bytes(m->m2, size, key->raw) == -1 ||
	    cose_bytes(m->m3, size, key->raw + size) == -1)
		return wa_fail(err, WA_KEY_UNSUPPORTED,
		    "the ES%d key is not an EC2 key on its curve with %zu-byte coordinates",
		    size == 32 ? 256 : 384, size);
	key->rawlen = 2 * size;
	return 0;
}
