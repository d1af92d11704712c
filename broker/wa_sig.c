/*
 * wa_sig.c: the assertion signature (WebAuthn §7.2 steps 20-21) verified
 * with OpenSSL, with a small cache of prepared public keys.
 *
 * Why not fido_assert_verify(): libfido2 1.12 turns the key into an
 * EVP_PKEY on every call, building the elliptic-curve group from its name
 * each time (a quarter of the cost of a verification, measured with
 * callgrind), so a sign-in costs about 1.9 times OpenSSL's own verify.
 * Here the curve is taken from a template key made once, the digest is
 * fetched once, and a key that signs in again finds its EVP_PKEY and
 * verification context ready (a returning VPN user, a portal page that
 * re-authenticates).  The maths is OpenSSL's; nothing is hand-written.
 * libfido2 still verifies the attestation statements (attest.c).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "webauthn.h"
#include "webauthn_priv.h"
#include "xmalloc.h"

#define WA_SIG_SLOTS		256	/* prepared keys kept (direct-mapped) */
#define WA_SIG_COSE_MAX		320	/* longest COSE key cached (RSA-2048 is ~272) */
#define WA_SIG_MAX		512	/* longest signature taken (RSA-2048: 256) */
#define WA_SIG_AUTHDATA_MAX	2048	/* EdDSA signs the message whole */

struct wa_sig_slot {
	int		 alg;
	size_t		 len;
	unsigned char	 cose[WA_SIG_COSE_MAX];
	EVP_PKEY	*pkey;
	EVP_PKEY_CTX	*vctx;		/* verify-initialised, for ECDSA and RSA */
};

static EVP_PKEY		*wa_sig_p256, *wa_sig_p384;	/* curve templates */
static EVP_MD		*wa_sig_sha256, *wa_sig_sha384;
static struct wa_sig_slot wa_sig_cache[WA_SIG_SLOTS];

static struct wa_sig_slot *wa_sig_prepare(int, const unsigned char *, size_t, struct wa_error *);
static EVP_PKEY	*wa_sig_pkey(const struct cose_key *);
static EVP_PKEY	*wa_sig_ec(EVP_PKEY **, const char *, const unsigned char *, size_t);
static EVP_PKEY	*wa_sig_rsa(const unsigned char *);
static void	 wa_sig_slot_clear(struct wa_sig_slot *);
static size_t	 wa_sig_index(int, const unsigned char *, size_t);

/*
 * Verifies sig over authData || cdh with the credential key (COSE bytes
 * and alg as stored).  0, or -1 with key_unsupported or bad_signature.
 */
int
wa_sig_verify(int alg, const unsigned char *cose, size_t coselen, const unsigned char *ad,
    size_t adlen, const unsigned char cdh[32], const unsigned char *sig, size_t siglen,
    struct wa_error *err)
{
	struct wa_sig_slot	*s;
	unsigned char		 md[EVP_MAX_MD_SIZE], msg[WA_SIG_AUTHDATA_MAX + 32];
	unsigned int		 mdlen;
	EVP_MD_CTX		*mctx;
	int			 ok;

	if (siglen == 0 || siglen > WA_SIG_MAX)
		return wa_fail(err, WA_BAD_SIGNATURE, "the assertion signature is %s",
		    siglen == 0 ? "empty" : "too long");
	if ((s = wa_sig_prepare(alg, cose, coselen, err)) == NULL)
		return -1;
	if (alg == COSE_ALG_EDDSA) {
		/* Ed25519 (RFC 8032) signs the message itself, not a digest. */
		if (adlen > WA_SIG_AUTHDATA_MAX)
			return wa_fail(err, WA_AUTHDATA_MALFORMED, "the authenticator data is too long");
		memcpy(msg, ad, adlen);
		memcpy(msg + adlen, cdh, 32);
		if ((mctx = EVP_MD_CTX_new()) == NULL)
			return wa_fail(err, WA_INTERNAL, "out of memory");
		ok = EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, s->pkey) == 1 &&
		    EVP_DigestVerify(mctx, sig, siglen, msg, adlen + 32) == 1;
		EVP_MD_CTX_free(mctx);
	} else {
		if ((mctx = EVP_MD_CTX_new()) == NULL)
			return wa_fail(err, WA_INTERNAL, "out of memory");
		ok = EVP_DigestInit_ex(mctx, alg == COSE_ALG_ES384 ? wa_sig_sha384 :
		    wa_sig_sha256, NULL) == 1 &&
		    EVP_DigestUpdate(mctx, ad, adlen) == 1 &&
		    EVP_DigestUpdate(mctx, cdh, 32) == 1 &&
		    EVP_DigestFinal_ex(mctx, md, &mdlen) == 1;
		EVP_MD_CTX_free(mctx);
		ok = ok && EVP_PKEY_verify(s->vctx, sig, siglen, md, mdlen) == 1;
	}
	if (!ok)
		return wa_fail(err, WA_BAD_SIGNATURE, "the assertion signature does not verify");
	return 0;
}

/* Finds or makes the prepared key for (alg, COSE bytes); NULL with err. */
static struct wa_sig_slot *
wa_sig_prepare(int alg, const unsigned char *cose, size_t coselen, struct wa_error *err)
{
	struct wa_sig_slot	*s = NULL, tmp;
	struct cose_key		 key;
	int			 cache = coselen <= WA_SIG_COSE_MAX;

	if (cache) {
		s = &wa_sig_cache[wa_sig_index(alg, cose, coselen)];
		if (s->pkey != NULL && s->alg == alg && s->len == coselen &&
		    memcmp(s->cose, cose, coselen) == 0)
			return s;
	}
	if (cose_key_parse(cose, coselen, &key, err) == -1)
		return NULL;
	if (key.alg != alg) {
		wa_fail(err, WA_KEY_UNSUPPORTED, "the stored key's algorithm is not the stored alg");
		return NULL;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.alg = alg;
	if ((tmp.pkey = wa_sig_pkey(&key)) == NULL) {
		wa_fail(err, WA_KEY_UNSUPPORTED, "the stored credential public key cannot be used");
		return NULL;
	}
	if (alg != COSE_ALG_EDDSA &&
	    ((tmp.vctx = EVP_PKEY_CTX_new(tmp.pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(tmp.vctx) != 1 ||
	    (alg == COSE_ALG_RS256 && (EVP_PKEY_CTX_set_rsa_padding(tmp.vctx,
	    RSA_PKCS1_PADDING) != 1 || EVP_PKEY_CTX_set_signature_md(tmp.vctx,
	    wa_sig_sha256) != 1)))) {
		wa_sig_slot_clear(&tmp);
		wa_fail(err, WA_INTERNAL, "cannot set up the signature check");
		return NULL;
	}
	if (!cache) {
		/* Not cacheable (cannot happen for the four algorithms): use once. */
		static struct wa_sig_slot once;

		wa_sig_slot_clear(&once);
		once = tmp;
		return &once;
	}
	wa_sig_slot_clear(s);
	*s = tmp;
	s->len = coselen;
	memcpy(s->cose, cose, coselen);
	return s;
}

/* Builds the EVP_PKEY of a parsed COSE key (libfido2's raw layout, cose.c). */
static EVP_PKEY *
wa_sig_pkey(const struct cose_key *key)
{
	if (wa_sig_sha256 == NULL &&
	    ((wa_sig_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (wa_sig_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL)) == NULL))
		return NULL;
	switch (key->alg) {
	case COSE_ALG_ES256:
		return key->rawlen == 64 ? wa_sig_ec(&wa_sig_p256, "P-256", key->raw, 64) : NULL;
	case COSE_ALG_ES384:
		return key->rawlen == 96 ? wa_sig_ec(&wa_sig_p384, "P-384", key->raw, 96) : NULL;
	case COSE_ALG_RS256:
		return key->rawlen == 259 ? wa_sig_rsa(key->raw) : NULL;
	case COSE_ALG_EDDSA:
		return key->rawlen == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    key->raw, 32) : NULL;
	}
	return NULL;
}

/*
 * An EC public key x || y on the template's curve.  Copying the template's
 * parameters reuses its group instead of building one from the curve name;
 * OpenSSL checks that the point is on the curve.
 */
static EVP_PKEY *
wa_sig_ec(EVP_PKEY **tmpl, const char *curve, const unsigned char *xy, size_t len)
{
	unsigned char	 point[1 + 96];
	EVP_PKEY	*pkey;

	if (*tmpl == NULL && (*tmpl = EVP_EC_gen(curve)) == NULL)
		return NULL;
	point[0] = 0x04;	/* SEC 1 §2.3.3: uncompressed */
	memcpy(point + 1, xy, len);
	if ((pkey = EVP_PKEY_new()) == NULL)
		return NULL;
	if (EVP_PKEY_copy_parameters(pkey, *tmpl) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(pkey, point, len + 1) != 1) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/* An RSA public key n[256] || e[3]. */
static EVP_PKEY *
wa_sig_rsa(const unsigned char *ne)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;
	BIGNUM		*n, *e;

	n = BN_bin2bn(ne, 256, NULL);
	e = BN_bin2bn(ne + 256, 3, NULL);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL || n == NULL || e == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

static void
wa_sig_slot_clear(struct wa_sig_slot *s)
{
	EVP_PKEY_CTX_free(s->vctx);
	EVP_PKEY_free(s->pkey);
	memset(s, 0, sizeof(*s));
}

/* FNV-1a over the alg and the key bytes: the slot of a key. */
static size_t
wa_sig_index(int alg, const unsigned char *cose, size_t len)
{
	uint32_t	 h = 2166136261u ^ (uint32_t)alg;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ cose[i]) * 16777619u;
	return h % WA_SIG_SLOTS;
}
