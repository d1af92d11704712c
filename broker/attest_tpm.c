/*
 * attest_tpm.c: the "tpm" attestation format (WebAuthn §8.3).  Statements
 * signed with RS1 go through libfido2 1.12; those signed with RS256 or
 * ES256, which 1.12 cannot verify, are checked here with OpenSSL: the
 * TPMT_PUBLIC pubArea and the TPMS_ATTEST certInfo (TPM 2.0 Library Part 2
 * §12.2.4 and §10.12.12) parsed with every length bounded, then the AIK
 * signature.  In every case the AIK certificate meets §8.3.1.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "attest_priv.h"

/* TPM 2.0 Library Part 2 constants. */
#define TPM_GENERATED_VALUE	0xff544347
#define TPM_ST_ATTEST_CERTIFY	0x8017
#define TPM_ALG_RSA		0x0001
#define TPM_ALG_SHA1		0x0004
#define TPM_ALG_SHA256		0x000b
#define TPM_ALG_SHA384		0x000c
#define TPM_ALG_SHA512		0x000d
#define TPM_ALG_NULL		0x0010
#define TPM_ALG_ECC		0x0023
#define TPM_ECC_NIST_P256	0x0003
#define TPM_ECC_NIST_P384	0x0004
#define TPM_ECC_NIST_P521	0x0005
#define TPM_RSA_DEFAULT_EXP	65537
#define TPM_UNIQUE_MAX		1024	/* an RSA-8192 modulus */

/* A bounded reader over one TPM structure (big-endian). */
struct tpm_buf {
	const unsigned char	*p;
	size_t			 len, off;
	int			 bad;
};

struct tpm_pub {
	uint16_t		 type, name_alg, curve;
	uint32_t		 exponent;
	const unsigned char	*n, *x, *y;
	size_t			 nlen, xlen, ylen;
};

struct tpm_attest {
	const unsigned char	*extra, *name;
	size_t			 extralen, namelen;
};

static uint16_t	 tpm_u16(struct tpm_buf *);
static uint32_t	 tpm_u32(struct tpm_buf *);
static const unsigned char *tpm_bytes(struct tpm_buf *, size_t);
static const unsigned char *tpm_2b(struct tpm_buf *, size_t *);
static void	 tpm_scheme(struct tpm_buf *);
static int	 tpm_pub_parse(const unsigned char *, size_t, struct tpm_pub *);
static int	 tpm_attest_parse(const unsigned char *, size_t, struct tpm_attest *);
static EVP_PKEY	*tpm_pub_pkey(const struct tpm_pub *);
static const EVP_MD *tpm_name_md(uint16_t);
static int	 tpm_verify_openssl(struct attest_ctx *, struct wa_error *);

/* §8.3.2: the verification procedure. */
int
attest_tpm_verify(struct attest_ctx *ctx, struct wa_error *err)
{
	const struct attest_stmt	*st = &ctx->st;

	if (st->verlen != 3 || memcmp(st->ver, "2.0", 3) != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the TPM attestation statement ver is not \"2.0\"");
	if (!st->has_alg || st->sig == NULL || st->certinfo == NULL || st->pubarea == NULL ||
	    !st->has_x5c)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the TPM attestation statement lacks "
		    "alg, sig, x5c, certInfo or pubArea");
	/* §8.3.2: aikCert meets §8.3.1. */
	if (attest_x509_tpm(sk_X509_value(st->x5c, 0), ctx->in->aaguid, err) == -1)
		return -1;
	if (st->alg == COSE_RS1) {
		if (attest_fido_verify(ctx, 0, err) == -1)
			return -1;
	} else if (st->alg == COSE_RS256 || st->alg == COSE_ES256) {
		if (tpm_verify_openssl(ctx, err) == -1)
			return -1;
	} else
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "TPM attestation algorithm %d is not supported", st->alg);
	ctx->type = ATTEST_TYPE_BASIC;
	return 0;
}

/* §8.3.2 with OpenSSL, for the statement algorithms libfido2 1.12 lacks. */
static int
tpm_verify_openssl(struct attest_ctx *ctx, struct wa_error *err)
{
	const struct attest_stmt	*st = &ctx->st;
	const struct attest_input	*in = ctx->in;
	struct tpm_pub			 pub;
	struct tpm_attest		 att;
	EVP_PKEY			*pk, *cred;
	const EVP_MD			*md;
	unsigned char			 h[EVP_MAX_MD_SIZE];
	unsigned int			 hlen;
	int				 eq;

	if (tpm_pub_parse(st->pubarea, st->pubarealen, &pub) == -1)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the TPM pubArea is not a TPMT_PUBLIC for an RSA or ECC key");
	/* The key in pubArea is the credential public key. */
	if ((cred = attest_cose_pkey(in->cose, in->cose_len)) == NULL)
		return wa_fail(err, WA_KEY_UNSUPPORTED, "the credential public key is not usable");
	pk = tpm_pub_pkey(&pub);
	eq = pk != NULL && EVP_PKEY_eq(pk, cred) == 1;
	EVP_PKEY_free(pk);
	EVP_PKEY_free(cred);
	ERR_clear_error();
	if (!eq)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the TPM pubArea key is not the credential public key");
	if (tpm_attest_parse(st->certinfo, st->certinfolen, &att) == -1)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the TPM certInfo is not a "
		    "TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY with TPM_GENERATED_VALUE");
	/* extraData = H_alg(authData || clientDataHash). */
	if (attest_hash(st->alg, in->authdata, in->authdata_len, in->cdh, 32, h, &hlen) == -1)
		return wa_fail(err, WA_INTERNAL, "hash failed");
	if (att.extralen != hlen || memcmp(att.extra, h, hlen) != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the TPM certInfo extraData is not "
		    "the hash of the authenticator data and client data");
	/* attested.name = nameAlg || H_nameAlg(pubArea). */
	if ((md = tpm_name_md(pub.name_alg)) == NULL ||
	    EVP_Digest(st->pubarea, st->pubarealen, h, &hlen, md, NULL) != 1 ||
	    att.namelen != 2 + hlen || att.name[0] != (pub.name_alg >> 8) ||
	    att.name[1] != (pub.name_alg & 0xff) || memcmp(att.name + 2, h, hlen) != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the TPM certInfo does not name the pubArea");
	return attest_sig_verify(X509_get0_pubkey(sk_X509_value(st->x5c, 0)), st->alg,
	    st->certinfo, st->certinfolen, st->sig, st->siglen, err,
	    "TPM attestation signature over certInfo");
}

/* TPMT_PUBLIC: type, nameAlg, objectAttributes, authPolicy, parameters, unique. */
static int
tpm_pub_parse(const unsigned char *buf, size_t len, struct tpm_pub *pub)
{
	struct tpm_buf	 b = { .p = buf, .len = len };
	size_t		 plen;

	memset(pub, 0, sizeof(*pub));
	pub->type = tpm_u16(&b);
	pub->name_alg = tpm_u16(&b);
	(void)tpm_u32(&b);			/* objectAttributes */
	(void)tpm_2b(&b, &plen);		/* authPolicy */
	if (tpm_u16(&b) != TPM_ALG_NULL)	/* symmetric: none for a signing key */
		return -1;
	tpm_scheme(&b);				/* the signing scheme */
	if (pub->type == TPM_ALG_RSA) {
		(void)tpm_u16(&b);		/* keyBits */
		pub->exponent = tpm_u32(&b);
		pub->n = tpm_2b(&b, &pub->nlen);
	} else if (pub->type == TPM_ALG_ECC) {
		pub->curve = tpm_u16(&b);
		tpm_scheme(&b);			/* kdf */
		pub->x = tpm_2b(&b, &pub->xlen);
		pub->y = tpm_2b(&b, &pub->ylen);
	} else
		return -1;
	if (b.bad || b.off != b.len || tpm_name_md(pub->name_alg) == NULL)
		return -1;
	return 0;
}

/* TPMS_ATTEST with TPMS_CERTIFY_INFO; the fields we do not check are skipped. */
static int
tpm_attest_parse(const unsigned char *buf, size_t len, struct tpm_attest *att)
{
	struct tpm_buf	 b = { .p = buf, .len = len };
	size_t		 l;

	memset(att, 0, sizeof(*att));
	if (tpm_u32(&b) != TPM_GENERATED_VALUE || tpm_u16(&b) != TPM_ST_ATTEST_CERTIFY)
		return -1;
	(void)tpm_2b(&b, &l);				/* qualifiedSigner */
	att->extra = tpm_2b(&b, &att->extralen);
	(void)tpm_bytes(&b, 8 + 4 + 4 + 1);		/* clockInfo */
	(void)tpm_bytes(&b, 8);				/* firmwareVersion */
	att->name = tpm_2b(&b, &att->namelen);
	(void)tpm_2b(&b, &l);				/* qualifiedName */
	if (b.bad || b.off != b.len || att->extra == NULL || att->name == NULL)
		return -1;
	return 0;
}

static EVP_PKEY *
tpm_pub_pkey(const struct tpm_pub *pub)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	EVP_PKEY	*pk = NULL;
	BIGNUM		*n = NULL, *e = NULL;
	unsigned char	 pt[1 + 2 * 66];
	const char	*group = NULL;
	size_t		 fl = 0;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto done;
	if (pub->type == TPM_ALG_RSA) {
		if (pub->nlen == 0 || pub->nlen > TPM_UNIQUE_MAX ||
		    (n = BN_bin2bn(pub->n, (int)pub->nlen, NULL)) == NULL ||
		    (e = BN_new()) == NULL ||
		    BN_set_word(e, pub->exponent ? pub->exponent : TPM_RSA_DEFAULT_EXP) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
			goto done;
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		if (pub->curve == TPM_ECC_NIST_P256) {
			group = "P-256";
			fl = 32;
		} else if (pub->curve == TPM_ECC_NIST_P384) {
			group = "P-384";
			fl = 48;
		} else if (pub->curve == TPM_ECC_NIST_P521) {
			group = "P-521";
			fl = 66;
		}
		if (group == NULL || pub->xlen != fl || pub->ylen != fl)
			goto done;
		pt[0] = 0x04;
		memcpy(pt + 1, pub->x, fl);
		memcpy(pt + 1 + fl, pub->y, fl);
		if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
		    1 + 2 * fl) != 1)
			goto done;
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	if (pctx == NULL || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
 done:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pk;
}

static const EVP_MD *
tpm_name_md(uint16_t alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return EVP_sha1();
	case TPM_ALG_SHA256:
		return EVP_sha256();
	case TPM_ALG_SHA384:
		return EVP_sha384();
	case TPM_ALG_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

/* TPMT_RSA_SCHEME, TPMT_ECC_SCHEME, TPMT_KDF_SCHEME: an alg, and a hash unless NULL. */
static void
tpm_scheme(struct tpm_buf *b)
{
	if (tpm_u16(b) != TPM_ALG_NULL)
		(void)tpm_u16(b);
}

static const unsigned char *
tpm_bytes(struct tpm_buf *b, size_t n)
{
	const unsigned char	*p;

	if (b->bad || n > b->len - b->off) {
		b->bad = 1;
		return NULL;
	}
	p = b->p + b->off;
	b->off += n;
	return p;
}

static uint16_t
tpm_u16(struct tpm_buf *b)
{
	const unsigned char	*p = tpm_bytes(b, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static uint32_t
tpm_u32(struct tpm_buf *b)
{
	const unsigned char	*p = tpm_bytes(b, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

/* A TPM2B: a 16-bit size, then that many bytes (NULL when the size is 0). */
static const unsigned char *
tpm_2b(struct tpm_buf *b, size_t *len)
{
	*len = tpm_u16(b);
	if (*len == 0)
		return NULL;
	return tpm_bytes(b, *len);
}
