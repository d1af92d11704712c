/*
 * test_wa_core.c: the relying-party core below the attestation formats:
 * the strict authenticatorData reader (every truncation point, the 1023-byte
 * credential id limit, trailing bytes, extensions), the bounded CBOR
 * scanner, COSE keys per algorithm, the clientDataJSON checks, and both
 * ceremonies end to end with the W3C Level 3 none-es256 vector (§16) and
 * with responses signed here by an OpenSSL P-256 key.  attest.c is below
 * this module: a stub stands in for it and knows fmt "none" only.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "attest.h"
#include "log.h"
#include "passkey.h"
#include "util.h"
#include "webauthn.h"
#include "webauthn_priv.h"
#include "xmalloc.h"

/* W3C WebAuthn L3 §16 "none-es256" (W3C Software and Document License). */
#define W3C_CHALLENGE_REG	"AMMPt4UxxGTStncdq417YDwBFi8vpIa-pw8oOuVW4TA"
#define W3C_ID			"-R85HbTJsv3g6nAYnLo_tj9Xm6YSKzOtlP8-wzAIS-Q"
#define W3C_CDJ_REG		"eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiQU1NUHQ0VXh4R1RTdG5jZHE0MTdZRHdCRmk4dnBJYS1wdzhvT3VWVzRUQSIsIm9yaWdpbiI6Imh0dHBzOi8vZXhhbXBsZS5vcmciLCJjcm9zc09yaWdpbiI6ZmFsc2UsImV4dHJhRGF0YSI6ImNsaWVudERhdGFKU09OIG1heSBiZSBleHRlbmRlZCB3aXRoIGFkZGl0aW9uYWwgZmllbGRzIGluIHRoZSBmdXR1cmUsIHN1Y2ggYXMgdGhpczogQmtRZURqZGNUQnJYQmlBd0pUTEU1USJ9"
#define W3C_ATTOBJ		"o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikv6vDdDKViwYzYNOtZGHJxHNa5_jt1GWSpeDwFFKy5LVZAAAAAIRGzLmrHbN0dQsjZ_9vOh8AIPkfOR20ybL94OpwGJy6P7Y_V5umEiszrZT_PsMwCEvkpQECAyYgASFYIK_voW-XypstI-uGzLZAmNINuQhWBi6yScM6m2cvJt9hIlggkwpWuHovymYzSwNFir-HlxfBLMaO1zKQry4mZHlrkiA"
#define W3C_CHALLENGE_AUTH	"OcDnUhQXulTUPo3JUXT0I97pvzzYBP9tZchXyav01Ag"
#define W3C_CDJ_AUTH		"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiT2NEblVoUVh1bFRVUG8zSlVYVDBJOTdwdnp6WUJQOXRaY2hYeWF2MDFBZyIsIm9yaWdpbiI6Imh0dHBzOi8vZXhhbXBsZS5vcmciLCJjcm9zc09yaWdpbiI6ZmFsc2V9"
#define W3C_AUTHDATA		"v6vDdDKViwYzYNOtZGHJxHNa5_jt1GWSpeDwFFKy5LUZAAAAAA"
#define W3C_SIG			"MEYCIQD1Ck4uRAkknEqFO6NhKC8JhB303UVHoTqHeAIY3v_NOAIhAISArA8Lk1OBdPV1vxGh3V14xuSGAT-TcpXqE2U-Mx6H"
#define W3C_COSE		"pQECAyYgASFYIK_voW-XypstI-uGzLZAmNINuQhWBi6yScM6m2cvJt9hIlggkwpWuHovymYzSwNFir-HlxfBLMaO1zKQry4mZHlrkiA"

#define RP_ID	"example.org"
#define ORIGIN	"https://example.org"
#define NOW	1767225600	/* 2026-01-01T00:00:00Z */

static const char *const origins[] = { ORIGIN };
static const char *const top_origins[] = { "https://example.com" };

/* --- attest.c stand-in: "none" with an empty statement is trust none. */
int
attest_verify(const struct attest_trust *trust, const struct attest_input *in,
    struct attest_result *res, struct wa_error *err)
{
	(void)trust;
	memset(res, 0, sizeof(*res));
	if (strcmp(in->fmt, "none") != 0)
		return wa_fail(err, WA_FORMAT_UNSUPPORTED, "stub: only none");
	if (in->attstmt_len != 1 || in->attstmt[0] != 0xa0)
		return wa_fail(err, WA_ATTESTATION_INVALID, "stub: none with a statement");
	res->trust = PASSKEY_TRUST_NONE;
	return 0;
}

void
attest_result_clear(struct attest_result *res)
{
	free(res->source);
	free(res->authenticator);
	memset(res, 0, sizeof(*res));
}

/* --- helpers */

static unsigned char *
b64d(const char *s, size_t *len)
{
	unsigned char	*p = util_b64url_decode(s, strlen(s), len);

	assert_non_null(p);
	return p;
}

static void
policy_init(struct wa_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->rp_id = RP_ID;
	p->origins = origins;
	p->norigins = 1;
	p->top_origins = top_origins;
	p->ntop_origins = 1;
	p->now = NOW;
}

/* A growable byte buffer for building authData and CBOR by hand. */
struct buf {
	unsigned char	 b[8192];
	size_t		 n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put1(struct buf *b, unsigned int v)
{
	unsigned char	c = (unsigned char)v;

	put(b, &c, 1);
}

/*
 * A registration authData for RP_ID: flags, counter 0, an AAGUID, a
 * credential id of idlen bytes, the W3C COSE key, then ext (if any).
 */
static void
authdata_reg(struct buf *b, uint8_t flags, size_t idlen, const unsigned char *ext,
    size_t extlen)
{
	unsigned char	 h[32], *cose;
	size_t		 coselen, i;

	memset(b, 0, sizeof(*b));
	SHA256((const unsigned char *)RP_ID, strlen(RP_ID), h);
	put(b, h, 32);
	put1(b, flags);
	put(b, "\0\0\0\0", 4);
	for (i = 0; i < 16; i++)
		put1(b, 0xa0 + i);
	put1(b, idlen >> 8);
	put1(b, idlen & 0xff);
	for (i = 0; i < idlen; i++)
		put1(b, i & 0xff);
	cose = b64d(W3C_COSE, &coselen);
	put(b, cose, coselen);
	free(cose);
	if (ext != NULL)
		put(b, ext, extlen);
}

static int
parse_code(const struct buf *b, int mode)
{
	struct wa_authdata	ad;
	struct wa_error		err;

	memset(&err, 0, sizeof(err));
	if (wa_authdata_parse(b->b, b->n, mode, &ad, &err) == 0)
		return WA_OK;
	assert_true(err.message[0] != '\0');
	return err.code;
}

/* --- authenticatorData */

static void
test_authdata_assertion(void **state)
{
	struct wa_authdata	 ad;
	struct wa_error		 err;
	unsigned char		*raw;
	size_t			 len;

	(void)state;
	raw = b64d(W3C_AUTHDATA, &len);
	assert_int_equal(wa_authdata_parse(raw, len, WA_AD_ASSERT, &ad, &err), 0);
	assert_int_equal(ad.flags, 0x19);	/* UP, BE, BS */
	assert_int_equal(ad.sign_count, 0);
	assert_null(ad.aaguid);
	/* AT in an assertion, and no AT in a registration. */
	assert_int_equal(wa_authdata_parse(raw, len, WA_AD_REGISTER, &ad, &err), -1);
	assert_int_equal(err.code, WA_AUTHDATA_MALFORMED);
	raw[32] |= WA_FLAG_AT;
	assert_int_equal(wa_authdata_parse(raw, len, WA_AD_ASSERT, &ad, &err), -1);
	assert_int_equal(err.code, WA_AUTHDATA_MALFORMED);
	free(raw);
}

static void
test_authdata_registration(void **state)
{
	static const unsigned char ext[] = {	/* {"credProtect": 2, "hmac-secret": true} */
		0xa2, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x02,
		0x6b, 'h', 'm', 'a', 'c', '-', 's', 'e', 'c', 'r', 'e', 't', 0xf5,
	};
	struct wa_authdata	ad;
	struct wa_error		err;
	struct buf		b;

	(void)state;
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 32, ext, sizeof(ext));
	assert_int_equal(wa_authdata_parse(b.b, b.n, WA_AD_REGISTER, &ad, &err), 0);
	assert_int_equal(ad.cred_id_len, 32);
	assert_int_equal(ad.cred_id[31], 31);
	assert_int_equal(ad.aaguid[0], 0xa0);
	assert_int_equal(ad.cose_len, 77);
	assert_int_equal(ad.key.alg, COSE_ALG_ES256);
	assert_int_equal(ad.key.rawlen, 64);
	assert_int_equal(ad.cred_protect, 2);
	assert_int_equal(ad.hmac_secret, 1);
	assert_int_equal(ad.cred_blob, 0);
	/* ED set with nothing after the key. */
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 32, NULL, 0);
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_AUTHDATA_MALFORMED);
	/* The key followed by bytes with ED clear: trailing. */
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 32, ext, sizeof(ext));
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_TRAILING_BYTES);
}

/* Every prefix of a valid authData is refused, never read past. */
static void
test_authdata_truncations(void **state)
{
	static const unsigned char ext[] = { 0xa1, 0x68, 'c', 'r', 'e', 'd', 'B', 'l', 'o', 'b', 0xf4 };
	struct wa_authdata	 ad;
	struct wa_error		 err;
	struct buf		 b;
	unsigned char		*copy;
	size_t			 n;

	(void)state;
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 20, ext, sizeof(ext));
	assert_int_equal(wa_authdata_parse(b.b, b.n, WA_AD_REGISTER, &ad, &err), 0);
	for (n = 0; n < b.n; n++) {
		copy = xmemdup(b.b, n > 0 ? n : 1);	/* exact size: ASan sees any over-read */
		memset(&err, 0, sizeof(err));
		assert_int_equal(wa_authdata_parse(copy, n, WA_AD_REGISTER, &ad, &err), -1);
		assert_true(err.code == WA_AUTHDATA_MALFORMED || err.code == WA_CBOR_MALFORMED);
		free(copy);
	}
	/* One byte more is trailing. */
	put1(&b, 0);
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_TRAILING_BYTES);
}

static void
test_authdata_cred_id_length(void **state)
{
	struct buf	b;

	(void)state;
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 1023, NULL, 0);
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_OK);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 1024, NULL, 0);
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_CRED_ID_TOO_LONG);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 0, NULL, 0);
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_AUTHDATA_MALFORMED);
	/* A length beyond the bytes there. */
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 16, NULL, 0);
	b.b[53] = 0x03;
	b.b[54] = 0x00;
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_AUTHDATA_MALFORMED);
}

static void
test_authdata_extensions(void **state)
{
	static const unsigned char notmap[] = { 0x81, 0x01 };
	static const unsigned char dup[] = { 0xa2, 0x61, 'x', 0x01, 0x61, 'x', 0x02 };
	static const unsigned char intkey[] = { 0xa1, 0x01, 0x01 };
	static const unsigned char badprot[] = {
		0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x04 };
	static const unsigned char unknown[] = { 0xa1, 0x63, 'f', 'o', 'o', 0x80 };
	static const unsigned char indef[] = { 0xbf, 0x61, 'x', 0x01, 0xff };
	struct buf	b;

	(void)state;
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 16, notmap, sizeof(notmap));
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_CBOR_MALFORMED);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 16, dup, sizeof(dup));
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_CBOR_MALFORMED);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 16, intkey, sizeof(intkey));
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_CBOR_MALFORMED);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 16, badprot, sizeof(badprot));
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_AUTHDATA_MALFORMED);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 16, unknown, sizeof(unknown));
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_OK);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_ED, 16, indef, sizeof(indef));
	assert_int_equal(parse_code(&b, WA_AD_REGISTER), WA_CBOR_MALFORMED);
}

/* An assertion's hmac-secret output is bytes, and is mirrored as present. */
static void
test_authdata_assertion_extensions(void **state)
{
	static const unsigned char ext[] = {
		0xa1, 0x6b, 'h', 'm', 'a', 'c', '-', 's', 'e', 'c', 'r', 'e', 't', 0x42, 1, 2 };
	struct wa_authdata	 ad;
	struct wa_error		 err;
	struct buf		 b;
	unsigned char		*raw;
	size_t			 len;

	(void)state;
	raw = b64d(W3C_AUTHDATA, &len);
	memset(&b, 0, sizeof(b));
	put(&b, raw, len);
	free(raw);
	b.b[32] |= WA_FLAG_ED;
	put(&b, ext, sizeof(ext));
	assert_int_equal(wa_authdata_parse(b.b, b.n, WA_AD_ASSERT, &ad, &err), 0);
	assert_int_equal(ad.hmac_secret, 1);
	put1(&b, 0);
	assert_int_equal(parse_code(&b, WA_AD_ASSERT), WA_TRAILING_BYTES);
}

/* --- the CBOR scanner */

static void
test_cbor_item_len(void **state)
{
	static const unsigned char tagged[] = { 0xc1, 0x1a, 0, 0, 0, 1, 0xff };
	static const unsigned char liar[] = { 0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0x01 };
	static const unsigned char maplie[] = { 0xa2, 0x01, 0x02, 0x03 };
	static const unsigned char indef[] = { 0x9f, 0xff };
	static const unsigned char bstr[] = { 0x5f, 0x41, 0x00, 0xff };
	unsigned char	deep[16];
	size_t		n, i;

	(void)state;
	assert_int_equal(wa_cbor_item_len(tagged, sizeof(tagged), &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(wa_cbor_item_len(liar, sizeof(liar), &n), -1);
	assert_int_equal(wa_cbor_item_len(maplie, sizeof(maplie), &n), -1);
	assert_int_equal(wa_cbor_item_len(indef, sizeof(indef), &n), -1);
	assert_int_equal(wa_cbor_item_len(bstr, sizeof(bstr), &n), -1);
	assert_int_equal(wa_cbor_item_len(tagged, 0, &n), -1);
	/* Nesting: WA_CBOR_DEPTH_MAX arrays pass, one more does not. */
	for (i = 0; i < sizeof(deep); i++)
		deep[i] = 0x81;
	deep[WA_CBOR_DEPTH_MAX] = 0x00;
	assert_int_equal(wa_cbor_item_len(deep, WA_CBOR_DEPTH_MAX + 1, &n), 0);
	deep[WA_CBOR_DEPTH_MAX] = 0x81;
	deep[WA_CBOR_DEPTH_MAX + 1] = 0x00;
	assert_int_equal(wa_cbor_item_len(deep, WA_CBOR_DEPTH_MAX + 2, &n), -1);
}

/* --- COSE keys */

static int
cose_code(const unsigned char *p, size_t n, struct cose_key *key)
{
	struct wa_error	err;

	if (cose_key_parse(p, n, key, &err) == 0)
		return WA_OK;
	return err.code;
}

/* Builds {1: kty, 3: alg, -1: crv, -2: x, -3: y} with the sizes given (0: left out). */
static void
cose_ec(struct buf *b, int kty, int alg, int crv, size_t xlen, size_t ylen, unsigned char fill)
{
	size_t	i;

	memset(b, 0, sizeof(*b));
	put1(b, 0xa0 + 3 + (xlen > 0) + (ylen > 0));
	put1(b, 0x01);
	put1(b, kty);
	put1(b, 0x03);
	if (alg < -256) {
		put1(b, 0x39);
		put1(b, (-1 - alg) >> 8);
		put1(b, (-1 - alg) & 0xff);
	} else if (alg < -24) {
		put1(b, 0x38);
		put1(b, -1 - alg);
	} else
		put1(b, 0x20 + (-1 - alg));
	put1(b, 0x20);
	put1(b, crv);
	if (xlen > 0) {
		put1(b, 0x21);
		put1(b, 0x58);
		put1(b, xlen);
		for (i = 0; i < xlen; i++)
			put1(b, fill);
	}
	if (ylen > 0) {
		put1(b, 0x22);
		put1(b, 0x58);
		put1(b, ylen);
		for (i = 0; i < ylen; i++)
			put1(b, fill);
	}
}

static void
test_cose_es256(void **state)
{
	struct cose_key	 key;
	struct wa_error	 err;
	struct buf	 b;
	unsigned char	*raw;
	size_t		 len;

	(void)state;
	raw = b64d(W3C_COSE, &len);
	assert_int_equal(cose_code(raw, len, &key), WA_OK);
	assert_int_equal(key.alg, -7);
	assert_int_equal(key.rawlen, 64);
	assert_memory_equal(key.raw, raw + 10, 32);	/* x */
	assert_int_equal(cose_key_check(&key, &err), 0);
	/* Trailing bytes after the key. */
	memset(&b, 0, sizeof(b));
	put(&b, raw, len);
	put1(&b, 0);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_TRAILING_BYTES);
	/* Labels out of canonical order: swap kty and alg. */
	raw[1] = 0x03;
	raw[2] = 0x26;
	raw[3] = 0x01;
	raw[4] = 0x02;
	assert_int_equal(cose_code(raw, len, &key), WA_KEY_UNSUPPORTED);
	free(raw);
	/* Wrong curve, short x, no y, wrong kty. */
	cose_ec(&b, 2, -7, 2, 32, 32, 1);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_KEY_UNSUPPORTED);
	cose_ec(&b, 2, -7, 1, 31, 32, 1);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_KEY_UNSUPPORTED);
	cose_ec(&b, 2, -7, 1, 32, 0, 1);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_KEY_UNSUPPORTED);
	cose_ec(&b, 1, -7, 1, 32, 32, 1);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_KEY_UNSUPPORTED);
	/* Well formed, but the point (1..1, 1..1) is not on P-256. */
	cose_ec(&b, 2, -7, 1, 32, 32, 1);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_OK);
	assert_int_equal(cose_key_check(&key, &err), -1);
	assert_int_equal(err.code, WA_KEY_UNSUPPORTED);
	/* ES512 and unknown algorithms. */
	cose_ec(&b, 2, -36, 3, 66, 66, 1);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_ALG_NOT_ALLOWED);
	cose_ec(&b, 2, -300, 1, 32, 32, 1);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_ALG_NOT_ALLOWED);
	/* Not a map; a duplicated label. */
	assert_int_equal(cose_code((const unsigned char *)"\x80", 1, &key), WA_KEY_UNSUPPORTED);
	assert_int_equal(cose_code((const unsigned char *)"\xa2\x01\x02\x01\x02", 5, &key),
	    WA_KEY_UNSUPPORTED);
}

/* A COSE key from an OpenSSL key of each other algorithm, and its bad variants. */
static void
test_cose_other_algs(void **state)
{
	struct cose_key	 key;
	struct wa_error	 err;
	struct buf	 b;
	EVP_PKEY	*pk;
	BIGNUM		*n = NULL;
	unsigned char	 pub[97], nb[256];
	size_t		 publen;

	(void)state;
	/* ES384 */
	pk = EVP_EC_gen("P-384");
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub), &publen), 1);
	assert_int_equal(publen, 97);
	cose_ec(&b, 2, -35, 2, 48, 48, 0);
	memcpy(b.b + 11, pub + 1, 48);
	memcpy(b.b + 11 + 48 + 3, pub + 49, 48);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_OK);
	assert_int_equal(key.rawlen, 96);
	assert_int_equal(cose_key_check(&key, &err), 0);
	EVP_PKEY_free(pk);
	/* EdDSA: {1: 1, 3: -8, -1: 6, -2: x} */
	memset(&b, 0, sizeof(b));
	put(&b, "\xa4\x01\x01\x03\x27\x20\x06\x21\x58\x20", 10);
	memset(b.b + b.n, 0x11, 32);
	b.n += 32;
	assert_int_equal(cose_code(b.b, b.n, &key), WA_OK);
	assert_int_equal(key.rawlen, 32);
	b.b[6] = 0x07;	/* Ed448 */
	assert_int_equal(cose_code(b.b, b.n, &key), WA_KEY_UNSUPPORTED);
	/* RS256: {1: 3, 3: -257, -1: n, -2: e} with a 2048-bit key, then 1024-bit. */
	pk = EVP_RSA_gen(2048);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(BN_bn2binpad(n, nb, sizeof(nb)), 256);
	memset(&b, 0, sizeof(b));
	put(&b, "\xa4\x01\x03\x03\x39\x01\x00\x20\x59\x01\x00", 11);
	put(&b, nb, 256);
	put(&b, "\x21\x43\x01\x00\x01", 5);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_OK);
	assert_int_equal(key.rawlen, 259);
	assert_int_equal(cose_key_check(&key, &err), 0);
	memset(&b, 0, sizeof(b));
	put(&b, "\xa4\x01\x03\x03\x39\x01\x00\x20\x58\x80", 10);
	put(&b, nb, 128);
	put(&b, "\x21\x43\x01\x00\x01", 5);
	assert_int_equal(cose_code(b.b, b.n, &key), WA_KEY_UNSUPPORTED);
	BN_free(n);
	EVP_PKEY_free(pk);
}

/* --- clientDataJSON */

static int
cd_code(const struct wa_policy *p, const char *type, const char *json)
{
	static const unsigned char chal[] = "challenge-bytes!";
	struct wa_error	err;

	memset(&err, 0, sizeof(err));
	if (wa_client_data_check(p, type, chal, 16, (const unsigned char *)json, strlen(json),
	    &err) == 0)
		return WA_OK;
	assert_true(err.message[0] != '\0');
	return err.code;
}

#define CD(extra)	"{\"type\":\"webauthn.get\",\"challenge\":\"Y2hhbGxlbmdlLWJ5dGVzIQ\"," \
			"\"origin\":\"https://example.org\"" extra "}"

static void
test_client_data(void **state)
{
	struct wa_policy	p;

	(void)state;
	policy_init(&p);
	assert_int_equal(cd_code(&p, "webauthn.get", CD("")), WA_OK);
	assert_int_equal(cd_code(&p, "webauthn.get", "\xef\xbb\xbf" CD("")), WA_OK);
	assert_int_equal(cd_code(&p, "webauthn.get", CD(",\"extraData\":[1]")), WA_OK);
	assert_int_equal(cd_code(&p, "webauthn.create", CD("")), WA_CLIENT_DATA_TYPE);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    "{\"type\":1,\"challenge\":\"x\",\"origin\":\"y\"}"), WA_CLIENT_DATA_TYPE);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    "{\"type\":\"webauthn.get\",\"challenge\":\"Y2hhbGxlbmdlLWJ5dGVzIg\","
	    "\"origin\":\"https://example.org\"}"), WA_CHALLENGE_MISMATCH);
	/* The same bytes, padded: not the base64url the spec compares. */
	assert_int_equal(cd_code(&p, "webauthn.get",
	    "{\"type\":\"webauthn.get\",\"challenge\":\"Y2hhbGxlbmdlLWJ5dGVzIQ==\","
	    "\"origin\":\"https://example.org\"}"), WA_CHALLENGE_MISMATCH);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    "{\"type\":\"webauthn.get\",\"challenge\":\"Y2hhbGxlbmdlLWJ5dGVzIQ\","
	    "\"origin\":\"https://example.org.evil\"}"), WA_ORIGIN_MISMATCH);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    "{\"type\":\"webauthn.get\",\"challenge\":\"Y2hhbGxlbmdlLWJ5dGVzIQ\"}"),
	    WA_ORIGIN_MISMATCH);
	/* crossOrigin and topOrigin. */
	assert_int_equal(cd_code(&p, "webauthn.get", CD(",\"crossOrigin\":false")), WA_OK);
	assert_int_equal(cd_code(&p, "webauthn.get", CD(",\"crossOrigin\":true")), WA_CROSS_ORIGIN);
	assert_int_equal(cd_code(&p, "webauthn.get", CD(",\"crossOrigin\":\"true\"")),
	    WA_JSON_MALFORMED);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    CD(",\"topOrigin\":\"https://example.com\"")), WA_CROSS_ORIGIN);
	p.allow_cross_origin = 1;
	assert_int_equal(cd_code(&p, "webauthn.get", CD(",\"crossOrigin\":true")), WA_OK);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    CD(",\"crossOrigin\":true,\"topOrigin\":\"https://example.com\"")), WA_OK);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    CD(",\"crossOrigin\":true,\"topOrigin\":\"https://evil.example\"")), WA_CROSS_ORIGIN);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    CD(",\"crossOrigin\":false,\"topOrigin\":\"https://example.com\"")), WA_CROSS_ORIGIN);
	/* Token binding, malformed JSON, duplicate members. */
	assert_int_equal(cd_code(&p, "webauthn.get",
	    CD(",\"tokenBinding\":{\"status\":\"supported\"}")), WA_OK);
	assert_int_equal(cd_code(&p, "webauthn.get",
	    CD(",\"tokenBinding\":{\"status\":\"present\",\"id\":\"x\"}")), WA_CLIENT_DATA_TYPE);
	assert_int_equal(cd_code(&p, "webauthn.get", "{\"type\":"), WA_JSON_MALFORMED);
	assert_int_equal(cd_code(&p, "webauthn.get", "[]"), WA_JSON_MALFORMED);
	assert_int_equal(cd_code(&p, "webauthn.get", CD(",\"origin\":\"https://example.org\"")),
	    WA_JSON_MALFORMED);
}

/* --- registration */

static char *
reg_json(const char *id, const char *rawid, const char *cdj, const char *attobj)
{
	char	*s;

	xasprintf(&s, "{\"id\":\"%s\",\"rawId\":\"%s\",\"type\":\"public-key\","
	    "\"response\":{\"clientDataJSON\":\"%s\",\"attestationObject\":\"%s\","
	    "\"transports\":[\"internal\",\"hybrid\"]},\"authenticatorAttachment\":\"platform\","
	    "\"clientExtensionResults\":{\"credProps\":{\"rk\":true}}}", id, rawid, cdj, attobj);
	return s;
}

static int
reg_code(const struct wa_policy *p, const char *json, struct passkey **out)
{
	struct passkey	*pk = NULL;
	struct wa_error	 err;
	unsigned char	*chal;
	size_t		 clen;
	int		 rc;

	chal = b64d(W3C_CHALLENGE_REG, &clen);
	memset(&err, 0, sizeof(err));
	rc = wa_register(p, chal, clen, json, strlen(json), &pk, &err);
	free(chal);
	if (rc == 0) {
		assert_non_null(pk);
		if (out != NULL)
			*out = pk;
		else
			passkey_free(pk);
		return WA_OK;
	}
	assert_null(pk);
	assert_true(err.message[0] != '\0');
	return err.code;
}

static void
test_register_w3c_none(void **state)
{
	struct wa_policy	 p;
	struct passkey		*pk = NULL;
	char			*json, aaguid[37];
	static const int	 eddsa_only[] = { -8 };

	(void)state;
	policy_init(&p);
	json = reg_json(W3C_ID, W3C_ID, W3C_CDJ_REG, W3C_ATTOBJ);
	assert_int_equal(reg_code(&p, json, &pk), WA_OK);
	assert_int_equal(pk->v, PASSKEY_VERSION);
	assert_int_equal(pk->idlen, 32);
	assert_int_equal(pk->alg, -7);
	assert_int_equal(pk->pubkeylen, 77);
	assert_int_equal(pk->be, 1);
	assert_int_equal(pk->bs, 1);
	assert_int_equal(pk->uv, 0);
	assert_string_equal(passkey_type(pk), "synced");
	assert_string_equal(pk->fmt, "none");
	assert_int_equal(pk->trust, PASSKEY_TRUST_NONE);
	assert_int_equal(pk->authenticator_verified, 0);
	passkey_aaguid_fmt(pk->aaguid, aaguid);
	assert_string_equal(aaguid, "8446ccb9-ab1d-b374-750b-2367ff6f3a1f");
	assert_int_equal(pk->ntransports, 2);
	assert_string_equal(pk->transports[1], "hybrid");
	assert_int_equal(pk->created, NOW);
	passkey_free(pk);
	/* The policy's refusals. */
	p.rp_id = "example.com";
	assert_int_equal(reg_code(&p, json, NULL), WA_RP_ID_HASH);
	p.rp_id = RP_ID;
	p.require_uv = 1;
	assert_int_equal(reg_code(&p, json, NULL), WA_UV_REQUIRED);
	p.require_uv = 0;
	p.algs = eddsa_only;
	p.nalgs = 1;
	assert_int_equal(reg_code(&p, json, NULL), WA_ALG_NOT_ALLOWED);
	p.nalgs = 0;
	p.require_trusted_attestation = 1;
	assert_int_equal(reg_code(&p, json, NULL), WA_ATTESTATION_UNTRUSTED);
	p.require_trusted_attestation = 0;
	p.norigins = 0;
	assert_int_equal(reg_code(&p, json, NULL), WA_ORIGIN_MISMATCH);
	free(json);
}

static void
test_register_malformed(void **state)
{
	struct wa_policy	 p;
	struct buf		 b;
	unsigned char		*ao;
	char			*json, *enc, *big;
	size_t			 aolen;

	(void)state;
	policy_init(&p);
	/* id and rawId differ; an id that is not the credential's. */
	json = reg_json(W3C_ID, "AAAA", W3C_CDJ_REG, W3C_ATTOBJ);
	assert_int_equal(reg_code(&p, json, NULL), WA_JSON_MALFORMED);
	free(json);
	json = reg_json("AAAA", "AAAA", W3C_CDJ_REG, W3C_ATTOBJ);
	assert_int_equal(reg_code(&p, json, NULL), WA_CREDENTIAL_MISMATCH);
	free(json);
	json = reg_json(W3C_ID, W3C_ID, W3C_CDJ_REG, "o2Nm*");
	assert_int_equal(reg_code(&p, json, NULL), WA_JSON_MALFORMED);
	free(json);
	/* Bytes after the attestationObject. */
	ao = b64d(W3C_ATTOBJ, &aolen);
	memset(&b, 0, sizeof(b));
	put(&b, ao, aolen);
	put1(&b, 0);
	enc = util_b64url_encode(b.b, b.n);
	json = reg_json(W3C_ID, W3C_ID, W3C_CDJ_REG, enc);
	assert_int_equal(reg_code(&p, json, NULL), WA_TRAILING_BYTES);
	free(json);
	free(enc);
	/* A fourth member ("fmu" where the map has three): change the map header to 4. */
	ao[0] = 0xa4;
	enc = util_b64url_encode(ao, aolen);
	json = reg_json(W3C_ID, W3C_ID, W3C_CDJ_REG, enc);
	assert_int_equal(reg_code(&p, json, NULL), WA_CBOR_MALFORMED);
	free(json);
	free(enc);
	/* "fmt" renamed "fmu". */
	ao[0] = 0xa3;
	ao[3] = 'u';
	enc = util_b64url_encode(ao, aolen);
	json = reg_json(W3C_ID, W3C_ID, W3C_CDJ_REG, enc);
	assert_int_equal(reg_code(&p, json, NULL), WA_CBOR_MALFORMED);
	free(json);
	free(enc);
	free(ao);
	/* An id of 1024 bytes is named as such before anything else. */
	big = xcalloc(1, 1024);
	enc = util_b64url_encode(big, 1024);
	free(big);
	json = reg_json(enc, enc, W3C_CDJ_REG, W3C_ATTOBJ);
	assert_int_equal(reg_code(&p, json, NULL), WA_CRED_ID_TOO_LONG);
	free(json);
	free(enc);
	/* Wrong types and duplicate members. */
	assert_int_equal(reg_code(&p, "{\"id\":1}", NULL), WA_JSON_MALFORMED);
	assert_int_equal(reg_code(&p, "{\"type\":\"public-key\",\"type\":\"public-key\"}", NULL),
	    WA_JSON_MALFORMED);
	assert_int_equal(reg_code(&p, "", NULL), WA_JSON_MALFORMED);
	big = xcalloc(1, 70000);
	memset(big, ' ', 69999);
	big[0] = '{';
	big[69998] = '}';
	assert_int_equal(reg_code(&p, big, NULL), WA_JSON_MALFORMED);
	free(big);
}

/* A "none" registration with the authData given, and the W3C clientData. */
static int
reg_with_authdata(const struct wa_policy *p, const struct buf *ad)
{
	struct buf	 ao;
	char		*enc, *json;
	int		 code;

	memset(&ao, 0, sizeof(ao));
	put(&ao, "\xa3\x63" "fmt" "\x64" "none" "\x67" "attStmt" "\xa0" "\x68" "authData", 28);
	put1(&ao, 0x59);
	put1(&ao, ad->n >> 8);
	put1(&ao, ad->n & 0xff);
	put(&ao, ad->b, ad->n);
	enc = util_b64url_encode(ao.b, ao.n);
	/* The id of authdata_reg()'s credential of 16 bytes: 00 01 .. 0f. */
	json = reg_json("AAECAwQFBgcICQoLDA0ODw", "AAECAwQFBgcICQoLDA0ODw", W3C_CDJ_REG, enc);
	code = reg_code(p, json, NULL);
	free(json);
	free(enc);
	return code;
}

static void
test_register_flags(void **state)
{
	struct wa_policy	p;
	struct buf		b;

	(void)state;
	policy_init(&p);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 16, NULL, 0);
	assert_int_equal(reg_with_authdata(&p, &b), WA_OK);
	authdata_reg(&b, WA_FLAG_AT, 16, NULL, 0);
	assert_int_equal(reg_with_authdata(&p, &b), WA_UP_MISSING);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT | WA_FLAG_BS, 16, NULL, 0);
	assert_int_equal(reg_with_authdata(&p, &b), WA_BS_WITHOUT_BE);
	authdata_reg(&b, WA_FLAG_UP, 16, NULL, 0);
	assert_int_equal(reg_with_authdata(&p, &b), WA_AUTHDATA_MALFORMED);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 16, (const unsigned char *)"\x00", 1);
	assert_int_equal(reg_with_authdata(&p, &b), WA_TRAILING_BYTES);
	authdata_reg(&b, WA_FLAG_UP | WA_FLAG_AT, 1024, NULL, 0);
	assert_int_equal(reg_with_authdata(&p, &b), WA_CRED_ID_TOO_LONG);
}

/* --- assertions */

static char *
auth_json(const char *id, const char *cdj, const char *ad, const char *sig, const char *uh)
{
	char	*s;

	xasprintf(&s, "{\"id\":\"%s\",\"rawId\":\"%s\",\"type\":\"public-key\","
	    "\"response\":{\"clientDataJSON\":\"%s\",\"authenticatorData\":\"%s\","
	    "\"signature\":\"%s\"%s%s%s},\"clientExtensionResults\":{}}", id, id, cdj, ad, sig,
	    uh != NULL ? ",\"userHandle\":\"" : "", uh != NULL ? uh : "", uh != NULL ? "\"" : "");
	return s;
}

static struct passkey *
w3c_stored(void)
{
	struct passkey	*pk;

	pk = xcalloc(1, sizeof(*pk));
	pk->v = 1;
	pk->id = b64d(W3C_ID, &pk->idlen);
	pk->alg = -7;
	pk->pubkey = b64d(W3C_COSE, &pk->pubkeylen);
	pk->be = 1;
	pk->bs = 1;
	pk->fmt = xstrdup("none");
	return pk;
}

static int
auth_code(const struct wa_policy *p, const char *challenge, const char *json,
    const struct passkey *stored, struct passkey **out)
{
	struct wa_assertion	*a = NULL;
	struct passkey		*pk = NULL;
	struct wa_error		 err;
	unsigned char		*chal;
	size_t			 clen;
	int			 rc;

	memset(&err, 0, sizeof(err));
	if (wa_assertion_parse(json, strlen(json), &a, &err) == -1) {
		assert_null(a);
		return err.code;
	}
	chal = b64d(challenge, &clen);
	rc = wa_authenticate(p, chal, clen, a, stored, &pk, &err);
	free(chal);
	wa_assertion_free(a);
	if (rc == -1) {
		assert_null(pk);
		assert_true(err.message[0] != '\0');
		return err.code;
	}
	if (out != NULL)
		*out = pk;
	else
		passkey_free(pk);
	return WA_OK;
}

static void
test_authenticate_w3c(void **state)
{
	struct wa_policy	 p;
	struct wa_assertion	*a;
	struct wa_error		 err;
	struct passkey		*stored, *pk = NULL;
	const unsigned char	*uh;
	char			*json, *badsig;
	size_t			 len;

	(void)state;
	policy_init(&p);
	stored = w3c_stored();
	json = auth_json(W3C_ID, W3C_CDJ_AUTH, W3C_AUTHDATA, W3C_SIG, "dXNlcg");
	assert_int_equal(wa_assertion_parse(json, strlen(json), &a, &err), 0);
	uh = wa_assertion_user_handle(a, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(uh, "user", 4);
	assert_non_null(wa_assertion_id(a, &len));
	assert_int_equal(len, 32);
	wa_assertion_free(a);
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, &pk), WA_OK);
	assert_int_equal(pk->last_used, NOW);
	assert_int_equal(pk->sign_count, 0);
	assert_int_equal(pk->bs, 1);
	passkey_free(pk);
	/* Wrong challenge, another RP, UV required. */
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_REG, json, stored, NULL),
	    WA_CHALLENGE_MISMATCH);
	p.rp_id = "example.com";
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL), WA_RP_ID_HASH);
	p.rp_id = RP_ID;
	p.require_uv = 1;
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL), WA_UV_REQUIRED);
	p.require_uv = 0;
	/* A counter that went backwards: refused, or tolerated with the higher one kept. */
	stored->sign_count = 5;
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL),
	    WA_COUNTER_REGRESSION);
	p.allow_clone = 1;
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, &pk), WA_OK);
	assert_int_equal(pk->sign_count, 5);
	passkey_free(pk);
	p.allow_clone = 0;
	stored->sign_count = 0;
	/* The stored credential was device-bound. */
	stored->be = 0;
	stored->bs = 0;
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL), WA_BE_CHANGED);
	stored->be = 1;
	/* Another stored credential. */
	stored->id[0] ^= 1;
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL),
	    WA_CREDENTIAL_MISMATCH);
	stored->id[0] ^= 1;
	free(json);
	/* A signature with one byte changed (inside the DER r value). */
	badsig = xstrdup(W3C_SIG);
	badsig[20] = badsig[20] == 'A' ? 'B' : 'A';
	json = auth_json(W3C_ID, W3C_CDJ_AUTH, W3C_AUTHDATA, badsig, NULL);
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL), WA_BAD_SIGNATURE);
	free(json);
	free(badsig);
	/* Bytes after authData. */
	json = auth_json(W3C_ID, W3C_CDJ_AUTH, W3C_AUTHDATA "AA", W3C_SIG, NULL);
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL), WA_TRAILING_BYTES);
	free(json);
	/* Malformed responses. */
	json = auth_json(W3C_ID, W3C_CDJ_AUTH, W3C_AUTHDATA, "", NULL);
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, json, stored, NULL), WA_BAD_SIGNATURE);
	free(json);
	assert_int_equal(auth_code(&p, W3C_CHALLENGE_AUTH, "{\"id\":\"AA\"}", stored, NULL),
	    WA_JSON_MALFORMED);
	passkey_free(stored);
}

/* Responses signed here with a P-256 key, to vary what the W3C vector cannot. */
struct signer {
	EVP_PKEY	*pkey;
	struct passkey	*stored;
	unsigned char	 chal[32];
};

static void
signer_init(struct signer *s)
{
	unsigned char	 pub[65];
	size_t		 publen;
	struct buf	 cose;

	s->pkey = EVP_EC_gen("P-256");
	assert_non_null(s->pkey);
	assert_int_equal(EVP_PKEY_get_octet_string_param(s->pkey, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub), &publen), 1);
	memset(&cose, 0, sizeof(cose));
	put(&cose, "\xa5\x01\x02\x03\x26\x20\x01\x21\x58\x20", 10);
	put(&cose, pub + 1, 32);
	put(&cose, "\x22\x58\x20", 3);
	put(&cose, pub + 33, 32);
	s->stored = xcalloc(1, sizeof(*s->stored));
	s->stored->v = 1;
	s->stored->id = xmemdup("credential-0001", 15);
	s->stored->idlen = 15;
	s->stored->alg = -7;
	s->stored->pubkey = xmemdup(cose.b, cose.n);
	s->stored->pubkeylen = cose.n;
	s->stored->sign_count = 5;
	s->stored->fmt = xstrdup("none");
	memset(s->chal, 0x5a, sizeof(s->chal));
}

static void
signer_free(struct signer *s)
{
	EVP_PKEY_free(s->pkey);
	passkey_free(s->stored);
}

/* An AuthenticationResponseJSON with these flags and counter, signed. */
static char *
signer_assert(const struct signer *s, uint8_t flags, uint32_t count)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 msg[37 + 32], sig[80];
	char		*cdj, *chal, *e_id, *e_cdj, *e_ad, *e_sig, *json;
	size_t		 siglen = sizeof(sig);

	chal = util_b64url_encode(s->chal, sizeof(s->chal));
	xasprintf(&cdj, "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":\"%s\"}",
	    chal, ORIGIN);
	SHA256((const unsigned char *)RP_ID, strlen(RP_ID), msg);
	msg[32] = flags;
	msg[33] = count >> 24;
	msg[34] = count >> 16;
	msg[35] = count >> 8;
	msg[36] = count;
	SHA256((const unsigned char *)cdj, strlen(cdj), msg + 37);
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->pkey), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(ctx);
	e_id = util_b64url_encode(s->stored->id, s->stored->idlen);
	e_cdj = util_b64url_encode(cdj, strlen(cdj));
	e_ad = util_b64url_encode(msg, 37);
	e_sig = util_b64url_encode(sig, siglen);
	json = auth_json(e_id, e_cdj, e_ad, e_sig, NULL);
	free(chal);
	free(cdj);
	free(e_id);
	free(e_cdj);
	free(e_ad);
	free(e_sig);
	return json;
}

static void
test_authenticate_signed(void **state)
{
	struct wa_policy	 p;
	struct signer		 s;
	struct passkey		*pk = NULL;
	char			*json, *chal;

	(void)state;
	policy_init(&p);
	signer_init(&s);
	chal = util_b64url_encode(s.chal, sizeof(s.chal));
	/* The counter grows; UV is latched into the record. */
	json = signer_assert(&s, WA_FLAG_UP | WA_FLAG_UV, 6);
	assert_int_equal(auth_code(&p, chal, json, s.stored, &pk), WA_OK);
	assert_int_equal(pk->sign_count, 6);
	assert_int_equal(pk->uv, 1);
	assert_int_equal(pk->be, 0);
	passkey_free(pk);
	free(json);
	/* The same counter again is a regression. */
	json = signer_assert(&s, WA_FLAG_UP, 5);
	assert_int_equal(auth_code(&p, chal, json, s.stored, NULL), WA_COUNTER_REGRESSION);
	free(json);
	/* A signed assertion without UP (libfido2 alone would accept it). */
	json = signer_assert(&s, 0, 7);
	assert_int_equal(auth_code(&p, chal, json, s.stored, NULL), WA_UP_MISSING);
	free(json);
	json = signer_assert(&s, WA_FLAG_UP | WA_FLAG_BS, 7);
	assert_int_equal(auth_code(&p, chal, json, s.stored, NULL), WA_BS_WITHOUT_BE);
	free(json);
	json = signer_assert(&s, WA_FLAG_UP | WA_FLAG_BE, 7);
	assert_int_equal(auth_code(&p, chal, json, s.stored, NULL), WA_BE_CHANGED);
	free(json);
	/* Both counters zero pass. */
	s.stored->sign_count = 0;
	json = signer_assert(&s, WA_FLAG_UP, 0);
	assert_int_equal(auth_code(&p, chal, json, s.stored, NULL), WA_OK);
	free(json);
	/* A stored key whose alg disagrees with the record. */
	s.stored->alg = -8;
	json = signer_assert(&s, WA_FLAG_UP, 8);
	assert_int_equal(auth_code(&p, chal, json, s.stored, NULL), WA_KEY_UNSUPPORTED);
	free(json);
	free(chal);
	signer_free(&s);
}

static void
test_err_codes(void **state)
{
	struct wa_error	err;
	int		i;

	(void)state;
	for (i = 0; i < WA_ERR_MAX; i++)
		assert_non_null(wa_err_code(i));
	assert_string_equal(wa_err_code(WA_TRAILING_BYTES), "trailing_bytes");
	assert_string_equal(wa_err_code(WA_ERR_MAX), "internal");
	assert_int_equal(wa_fail(&err, WA_BE_CHANGED, "x %d", 1), -1);
	assert_int_equal(err.code, WA_BE_CHANGED);
	assert_string_equal(err.message, "x 1");
	assert_int_equal(wa_fail(NULL, WA_BE_CHANGED, "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authdata_assertion),
		cmocka_unit_test(test_authdata_registration),
		cmocka_unit_test(test_authdata_truncations),
		cmocka_unit_test(test_authdata_cred_id_length),
		cmocka_unit_test(test_authdata_extensions),
		cmocka_unit_test(test_authdata_assertion_extensions),
		cmocka_unit_test(test_cbor_item_len),
		cmocka_unit_test(test_cose_es256),
		cmocka_unit_test(test_cose_other_algs),
		cmocka_unit_test(test_client_data),
		cmocka_unit_test(test_register_w3c_none),
		cmocka_unit_test(test_register_malformed),
		cmocka_unit_test(test_register_flags),
		cmocka_unit_test(test_authenticate_w3c),
		cmocka_unit_test(test_authenticate_signed),
		cmocka_unit_test(test_err_codes),
	};

	log_init(1, LOG_LEVEL_WARN, "test_wa_core");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
