/*
 * attest.c: the attestation statement formats (WebAuthn §8) as a table,
 * the attStmt decoder, and the parts every format shares: libfido2 for
 * packed, fido-u2f and tpm with RS1 (webauthn-verify.md §1), signature
 * checks with OpenSSL for the rest, and the COSE key as an EVP_PKEY.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <fido.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "attest_priv.h"
#include "webauthn_priv.h"
#include "log.h"
#include "xmalloc.h"

struct attest_format {
	const char	*name;
	/* Runs the format's verification procedure; sets ctx->type. */
	int		(*verify)(struct attest_ctx *, struct wa_error *);
	const char	*refusal;	/* when verify is NULL: why */
};

static int	 attest_none(struct attest_ctx *, struct wa_error *);
static int	 attest_packed(struct attest_ctx *, struct wa_error *);
static int	 attest_u2f(struct attest_ctx *, struct wa_error *);
static int	 attest_stmt_parse(const struct attest_input *, struct attest_stmt *,
		    struct wa_error *);
static void	 attest_stmt_clear(struct attest_stmt *);
static int	 attest_stmt_canon(struct attest_stmt *, struct wa_error *);
static int	 attest_stmt_member(struct attest_stmt *, const char *, size_t,
		    cbor_item_t *, struct wa_error *);
static int	 attest_stmt_bytes(cbor_item_t *, const char *, const unsigned char **,
		    size_t *, struct wa_error *);
static int	 attest_stmt_x5c(cbor_item_t *, struct attest_stmt *, struct wa_error *);
static int	 attest_cbor_int(const cbor_item_t *, int *);
static int	 attest_canon_cmp(const void *, const void *);

/* WebAuthn §8 and the IANA registry of attestation statement formats. */
static const struct attest_format attest_formats[] = {
	{ .name = "none", .verify = attest_none },
	{ .name = "packed", .verify = attest_packed },
	{ .name = "fido-u2f", .verify = attest_u2f },
	{ .name = "tpm", .verify = attest_tpm_verify },
	{ .name = "apple", .verify = attest_apple_verify },
	{ .name = "android-key", .verify = attest_android_verify },
	{ .name = "android-safetynet", .verify = NULL,
	  .refusal = "the android-safetynet attestation format is not supported "
	    "(the SafetyNet API is retired); ask for attestation \"none\" or use another "
	    "authenticator" },
};

/*
 * WebAuthn §7.1 steps 21-24: the format's verification procedure, then
 * the trust assessment of what it produced.
 */
int
attest_verify(const struct attest_trust *trust, const struct attest_input *in,
    struct attest_result *res, struct wa_error *err)
{
	const struct attest_format	*f = NULL;
	struct attest_ctx		 ctx;
	size_t				 i;
	int				 rv = -1;

	memset(res, 0, sizeof(*res));
	memset(&ctx, 0, sizeof(ctx));
	ctx.in = in;
	if (in->fmt == NULL)
		return wa_fail(err, WA_FORMAT_UNSUPPORTED, "the attestation object has no format");
	for (i = 0; i < sizeof(attest_formats) / sizeof(attest_formats[0]); i++)
		if (strcmp(attest_formats[i].name, in->fmt) == 0)
			f = &attest_formats[i];
	if (f == NULL)
		return wa_fail(err, WA_FORMAT_UNSUPPORTED,
		    "attestation format \"%.40s\" is not supported", in->fmt);
	if (f->verify == NULL)
		return wa_fail(err, WA_FORMAT_UNSUPPORTED, "%s", f->refusal);
	if (in->authdata == NULL || in->cdh == NULL || in->aaguid == NULL || in->rp_id == NULL)
		return wa_fail(err, WA_INTERNAL, "attestation input incomplete");
	if (in->authdata_len == 0 || in->authdata_len > ATTEST_STMT_MAX)
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "the authenticator data is empty or longer than %d bytes", ATTEST_STMT_MAX);

	if (attest_stmt_parse(in, &ctx.st, err) == -1)
		goto done;
	if (ctx.st.has_ecdaa) {
		wa_fail(err, WA_FORMAT_UNSUPPORTED,
		    "ECDAA attestation was removed from WebAuthn and is not supported");
		goto done;
	}
	if (f->verify(&ctx, err) == -1)
		goto done;

	switch (ctx.type) {
	case ATTEST_TYPE_NONE:
		res->trust = PASSKEY_TRUST_NONE;
		break;
	case ATTEST_TYPE_SELF:
		res->trust = PASSKEY_TRUST_SELF;
		break;
	case ATTEST_TYPE_BASIC:
		/* §7.1 steps 23-24: chain x5c to an acceptable anchor. */
		if (attest_x509_chain(trust, in, ctx.st.x5c, res) == -1) {
			wa_fail(err, WA_INTERNAL, "could not build the certificate chain");
			goto done;
		}
		break;
	}
	rv = 0;
 done:
	if (rv == -1)
		attest_result_clear(res);
	EVP_PKEY_free(ctx.credkey);
	attest_stmt_clear(&ctx.st);
	return rv;
}

void
attest_result_clear(struct attest_result *res)
{
	if (res == NULL)
		return;
	free(res->source);
	free(res->authenticator);
	memset(res, 0, sizeof(*res));
}

/* §8.7: "none" carries an empty attStmt and nothing to verify. */
static int
attest_none(struct attest_ctx *ctx, struct wa_error *err)
{
	if (ctx->st.npairs != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "a \"none\" attestation statement must be an empty map");
	ctx->type = ATTEST_TYPE_NONE;
	return 0;
}

/* §8.2 packed: full attestation with x5c, or self attestation without. */
static int
attest_packed(struct attest_ctx *ctx, struct wa_error *err)
{
	const struct attest_stmt	*st = &ctx->st;

	if (!st->has_alg || st->sig == NULL)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the packed attestation statement lacks alg or sig");
	if (st->alg != COSE_ES256 && st->alg != COSE_ES384 && st->alg != COSE_RS256 &&
	    st->alg != COSE_EDDSA)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "packed attestation algorithm %d is not accepted", st->alg);
	if (!st->has_x5c) {
		/* §8.2 step 4: self attestation uses the credential's own alg. */
		if (st->alg != ctx->in->alg)
			return wa_fail(err, WA_ATTESTATION_INVALID,
			    "self attestation algorithm %d differs from the credential's %d",
			    st->alg, ctx->in->alg);
		if (attest_fido_verify(ctx, 1, err) == -1)
			return -1;
		ctx->type = ATTEST_TYPE_SELF;
		return 0;
	}
	/* §8.2 step 2: attestnCert meets §8.2.1, then the signature. */
	if (attest_x509_packed(sk_X509_value(st->x5c, 0), ctx->in->aaguid, err) == -1)
		return -1;
	if (attest_fido_verify(ctx, 0, err) == -1)
		return -1;
	ctx->type = ATTEST_TYPE_BASIC;
	return 0;
}

/* §8.6 fido-u2f: exactly one certificate, with a P-256 key, for a P-256 credential. */
static int
attest_u2f(struct attest_ctx *ctx, struct wa_error *err)
{
	const struct attest_stmt	*st = &ctx->st;
	EVP_PKEY			*pk;
	char				 group[64];

	if (!st->has_x5c || st->sig == NULL)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the fido-u2f attestation statement lacks x5c or sig");
	if (sk_X509_num(st->x5c) != 1)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "a fido-u2f statement must carry exactly one certificate, not %d",
		    sk_X509_num(st->x5c));
	pk = X509_get0_pubkey(sk_X509_value(st->x5c, 0));
	if (pk == NULL || !EVP_PKEY_is_a(pk, "EC") ||
	    EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) != 1 ||
	    strcmp(group, "prime256v1") != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the fido-u2f attestation certificate key is not EC P-256");
	if (ctx->in->alg != COSE_ES256)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "a fido-u2f credential must be ES256, not %d", ctx->in->alg);
	if (attest_fido_verify(ctx, 0, err) == -1)
		return -1;
	ctx->type = ATTEST_TYPE_BASIC;
	return 0;
}

/*
 * The statement through libfido2 1.12 (webauthn-verify.md §1.1): the type
 * first, the extension outputs mirrored, the canonical attStmt; verify with
 * x5c or, for self attestation, with the credential key.
 */
int
attest_fido_verify(struct attest_ctx *ctx, int self, struct wa_error *err)
{
	const struct attest_input	*in = ctx->in;
	fido_cred_t			*cred;
	const char			*step;
	int				 r, ext = 0;

	if ((cred = fido_cred_new()) == NULL)
		return wa_fail(err, WA_INTERNAL, "out of memory");
	step = "the credential algorithm";
	if ((r = fido_cred_set_type(cred, in->alg)) != FIDO_OK)
		goto fail;
	step = "the client data hash";
	if ((r = fido_cred_set_clientdata_hash(cred, in->cdh, 32)) != FIDO_OK)
		goto fail;
	step = "the RP ID";
	if ((r = fido_cred_set_rp(cred, in->rp_id, NULL)) != FIDO_OK)
		goto fail;
	step = "the authenticator data";
	if ((r = fido_cred_set_authdata_raw(cred, in->authdata, in->authdata_len)) != FIDO_OK)
		goto fail;
	step = "the extension outputs";
	if (in->cred_protect != 0 &&
	    (r = fido_cred_set_prot(cred, in->cred_protect)) != FIDO_OK)
		goto fail;
	if (in->min_pin_length > 0 &&
	    (r = fido_cred_set_pin_minlen(cred, (size_t)in->min_pin_length)) != FIDO_OK)
		goto fail;
	if (in->hmac_secret)
		ext |= FIDO_EXT_HMAC_SECRET;
	if (in->cred_blob)
		ext |= FIDO_EXT_CRED_BLOB;
	if (ext != 0 && (r = fido_cred_set_extensions(cred, ext)) != FIDO_OK)
		goto fail;
	if (in->require_uv && (r = fido_cred_set_uv(cred, FIDO_OPT_TRUE)) != FIDO_OK)
		goto fail;
	step = "the format";
	if ((r = fido_cred_set_fmt(cred, in->fmt)) != FIDO_OK)
		goto fail;
	step = "the attestation statement";
	if ((r = fido_cred_set_attstmt(cred, ctx->st.canon, ctx->st.canonlen)) != FIDO_OK)
		goto fail;
	step = "the attestation signature";
	r = self ? fido_cred_verify_self(cred) : fido_cred_verify(cred);
	if (r != FIDO_OK)
		goto fail;
	fido_cred_free(&cred);
	return 0;
 fail:
	fido_cred_free(&cred);
	if (r == FIDO_ERR_INVALID_SIG)
		return wa_fail(err, WA_BAD_SIGNATURE,
		    "the %s attestation signature does not verify", in->fmt);
	return wa_fail(err, WA_ATTESTATION_INVALID,
	    "the %s attestation was refused at %s: %s", in->fmt, step, fido_strerr(r));
}

/*
 * Decodes the attStmt map: one definite CBOR map with text keys, each at
 * most once, every byte string bounded; x5c parsed into certificates.
 */
static int
attest_stmt_parse(const struct attest_input *in, struct attest_stmt *st, struct wa_error *err)
{
	struct cbor_load_result	 lr;
	cbor_item_t		*map, *k, *v;
	struct cbor_pair	*pairs;
	const char		*name;
	size_t			 i, j, n, nl;

	if (in->attstmt == NULL || in->attstmt_len == 0 || in->attstmt_len > ATTEST_STMT_MAX)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the attestation statement is empty or longer than %d bytes", ATTEST_STMT_MAX);
	/*
	 * Measure the item before libcbor builds it: cbor_load() allocates
	 * whatever count a header announces, so a forged count must be
	 * refused first (wa_cbor_item_len checks every count against the
	 * bytes that are left).
	 */
	if (wa_cbor_item_len(in->attstmt, in->attstmt_len, &nl) == -1 || nl != in->attstmt_len)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the attestation statement is not one well-formed CBOR item");
	map = cbor_load(in->attstmt, in->attstmt_len, &lr);
	if (map == NULL || lr.error.code != CBOR_ERR_NONE || lr.read != in->attstmt_len) {
		if (map != NULL)
			cbor_decref(&map);
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the attestation statement is not one well-formed CBOR item");
	}
	st->item = map;
	if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the attestation statement is not a definite CBOR map");
	n = st->npairs = cbor_map_size(map);
	pairs = cbor_map_handle(map);
	for (i = 0; i < n; i++) {
		k = pairs[i].key;
		v = pairs[i].value;
		if (!cbor_isa_string(k) || !cbor_string_is_definite(k))
			return wa_fail(err, WA_ATTESTATION_INVALID,
			    "an attestation statement key is not a text string");
		name = (const char *)cbor_string_handle(k);
		nl = cbor_string_length(k);
		for (j = 0; j < i; j++)
			if (cbor_string_length(pairs[j].key) == nl &&
			    memcmp(cbor_string_handle(pairs[j].key), name, nl) == 0)
				return wa_fail(err, WA_ATTESTATION_INVALID,
				    "the attestation statement repeats the key \"%.*s\"",
				    (int)(nl > 32 ? 32 : nl), name);
		if (attest_stmt_member(st, name, nl, v, err) == -1)
			return -1;
	}
	return attest_stmt_canon(st, err);
}

/* One member of attStmt by name; members no format defines are ignored. */
static int
attest_stmt_member(struct attest_stmt *st, const char *name, size_t nl, cbor_item_t *v,
    struct wa_error *err)
{
#define KEY_IS(s) (nl == sizeof(s) - 1 && memcmp(name, s, nl) == 0)
	if (KEY_IS("alg")) {
		if (attest_cbor_int(v, &st->alg) == -1)
			return wa_fail(err, WA_ATTESTATION_INVALID,
			    "the attestation statement alg is not an integer");
		st->has_alg = 1;
	} else if (KEY_IS("sig"))
		return attest_stmt_bytes(v, "sig", &st->sig, &st->siglen, err);
	else if (KEY_IS("certInfo"))
		return attest_stmt_bytes(v, "certInfo", &st->certinfo, &st->certinfolen, err);
	else if (KEY_IS("pubArea"))
		return attest_stmt_bytes(v, "pubArea", &st->pubarea, &st->pubarealen, err);
	else if (KEY_IS("ver")) {
		if (!cbor_isa_string(v) || !cbor_string_is_definite(v) ||
		    cbor_string_length(v) > 16)
			return wa_fail(err, WA_ATTESTATION_INVALID,
			    "the attestation statement ver is not a short text string");
		st->ver = cbor_string_handle(v);
		st->verlen = cbor_string_length(v);
	} else if (KEY_IS("x5c"))
		return attest_stmt_x5c(v, st, err);
	else if (KEY_IS("ecdaaKeyId"))
		st->has_ecdaa = 1;
#undef KEY_IS
	return 0;
}

/* A definite byte string of at most ATTEST_FIELD_MAX bytes. */
static int
attest_stmt_bytes(cbor_item_t *v, const char *what, const unsigned char **p, size_t *len,
    struct wa_error *err)
{
	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v) ||
	    cbor_bytestring_length(v) == 0 || cbor_bytestring_length(v) > ATTEST_FIELD_MAX)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "attestation statement member %s is not a byte string of 1 to %d bytes",
		    what, ATTEST_FIELD_MAX);
	*p = cbor_bytestring_handle(v);
	*len = cbor_bytestring_length(v);
	return 0;
}

/* x5c: 1 to ATTEST_X5C_MAX DER certificates, each exactly one certificate. */
static int
attest_stmt_x5c(cbor_item_t *v, struct attest_stmt *st, struct wa_error *err)
{
	cbor_item_t		**items;
	const unsigned char	 *p, *der;
	size_t			  i, n, len;
	X509			 *x;

	if (!cbor_isa_array(v) || !cbor_array_is_definite(v) || cbor_array_size(v) == 0 ||
	    cbor_array_size(v) > ATTEST_X5C_MAX)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "x5c is not an array of 1 to %d certificates", ATTEST_X5C_MAX);
	n = cbor_array_size(v);
	items = cbor_array_handle(v);
	if ((st->x5c = sk_X509_new_null()) == NULL)
		return wa_fail(err, WA_INTERNAL, "out of memory");
	st->has_x5c = 1;
	for (i = 0; i < n; i++) {
		if (!cbor_isa_bytestring(items[i]) || !cbor_bytestring_is_definite(items[i]) ||
		    (len = cbor_bytestring_length(items[i])) == 0 || len > ATTEST_CERT_MAX)
			return wa_fail(err, WA_ATTESTATION_INVALID,
			    "x5c[%zu] is not a byte string of at most %d bytes", i, ATTEST_CERT_MAX);
		p = der = cbor_bytestring_handle(items[i]);
		x = d2i_X509(NULL, &p, (long)len);
		if (x == NULL || p != der + len) {
			X509_free(x);
			return wa_fail(err, WA_ATTESTATION_INVALID,
			    "x5c[%zu] is not a DER X.509 certificate", i);
		}
		if (sk_X509_push(st->x5c, x) <= 0) {
			X509_free(x);
			return wa_fail(err, WA_INTERNAL, "out of memory");
		}
	}
	return 0;
}

struct attest_canon_key {
	unsigned char	*enc;		/* the key's CBOR encoding */
	size_t		 len;
	size_t		 idx;
};

/*
 * CTAP2 canonical key order (CTAP 2.1 §8 "Message Encoding"): major type,
 * then shorter encoding first, then bytewise.
 */
static int
attest_canon_cmp(const void *a, const void *b)
{
	const struct attest_canon_key *ka = a, *kb = b;

	if ((ka->enc[0] >> 5) != (kb->enc[0] >> 5))
		return (ka->enc[0] >> 5) < (kb->enc[0] >> 5) ? -1 : 1;
	if (ka->len != kb->len)
		return ka->len < kb->len ? -1 : 1;
	return memcmp(ka->enc, kb->enc, ka->len);
}

/*
 * Re-encodes attStmt with its keys in canonical order, since libfido2
 * refuses any other order and browsers pass statements through as the
 * authenticator wrote them.  attStmt is not signed, so this changes nothing
 * that is verified (webauthn-verify.md §1.4).
 */
static int
attest_stmt_canon(struct attest_stmt *st, struct wa_error *err)
{
	struct attest_canon_key	*keys;
	struct cbor_pair	*pairs = cbor_map_handle(st->item);
	cbor_item_t		*map = NULL;
	size_t			 i, n = st->npairs, sz = 0;
	int			 rv = -1;

	keys = xcalloc(n ? n : 1, sizeof(*keys));
	for (i = 0; i < n; i++) {
		keys[i].idx = i;
		keys[i].len = cbor_serialize_alloc(pairs[i].key, &keys[i].enc, &sz);
		if (keys[i].len == 0)
			goto done;
	}
	qsort(keys, n, sizeof(*keys), attest_canon_cmp);
	if ((map = cbor_new_definite_map(n)) == NULL)
		goto done;
	for (i = 0; i < n; i++)
		if (!cbor_map_add(map, pairs[keys[i].idx]))
			goto done;
	st->canonlen = cbor_serialize_alloc(map, &st->canon, &sz);
	if (st->canonlen == 0)
		goto done;
	rv = 0;
 done:
	for (i = 0; i < n; i++)
		free(keys[i].enc);
	free(keys);
	if (map != NULL)
		cbor_decref(&map);
	if (rv == -1)
		return wa_fail(err, WA_INTERNAL, "could not re-encode the attestation statement");
	return 0;
}

static void
attest_stmt_clear(struct attest_stmt *st)
{
	cbor_item_t	*item = st->item;

	if (item != NULL)
		cbor_decref(&item);
	sk_X509_pop_free(st->x5c, X509_free);
	free(st->canon);
	memset(st, 0, sizeof(*st));
}

/* A CBOR integer that fits an int. */
static int
attest_cbor_int(const cbor_item_t *v, int *out)
{
	uint64_t	 u;

	if (!cbor_isa_uint(v) && !cbor_isa_negint(v))
		return -1;
	u = cbor_get_int(v);
	if (u > INT_MAX)
		return -1;
	*out = cbor_isa_uint(v) ? (int)u : -1 - (int)u;
	return 0;
}

/* The message digest of a COSE signature algorithm; NULL for EdDSA (none). */
static int
attest_alg_md(int alg, const EVP_MD **md, const char **keytype)
{
	switch (alg) {
	case COSE_ES256:
		*md = EVP_sha256();
		*keytype = "EC";
		return 0;
	case COSE_ES384:
		*md = EVP_sha384();
		*keytype = "EC";
		return 0;
	case COSE_RS256:
		*md = EVP_sha256();
		*keytype = "RSA";
		return 0;
	case COSE_RS1:
		*md = EVP_sha1();
		*keytype = "RSA";
		return 0;
	case COSE_EDDSA:
		*md = NULL;
		*keytype = "ED25519";
		return 0;
	}
	return -1;
}

/*
 * Verifies sig over data with pk and the COSE alg: DER ECDSA, PKCS#1 v1.5
 * RSA, raw Ed25519.  0, or -1 with bad_signature or attestation_invalid.
 */
int
attest_sig_verify(EVP_PKEY *pk, int alg, const unsigned char *data, size_t len,
    const unsigned char *sig, size_t siglen, struct wa_error *err, const char *what)
{
	EVP_MD_CTX	*md_ctx;
	const EVP_MD	*md;
	const char	*keytype;
	int		 r;

	if (attest_alg_md(alg, &md, &keytype) == -1)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the %s uses algorithm %d, which is not accepted", what, alg);
	/* A certificate whose key OpenSSL cannot read has no key (X509_get0_pubkey). */
	if (pk == NULL) {
		ERR_clear_error();
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the %s signer's certificate key cannot be read", what);
	}
	if (!EVP_PKEY_is_a(pk, keytype))
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the %s algorithm %d does not fit the signer's %s key", what, alg,
		    EVP_PKEY_get0_type_name(pk));
	if ((md_ctx = EVP_MD_CTX_new()) == NULL)
		return wa_fail(err, WA_INTERNAL, "out of memory");
	r = EVP_DigestVerifyInit(md_ctx, NULL, md, NULL, pk);
	if (r == 1)
		r = EVP_DigestVerify(md_ctx, sig, siglen, data, len);
	EVP_MD_CTX_free(md_ctx);
	ERR_clear_error();
	if (r != 1)
		return wa_fail(err, WA_BAD_SIGNATURE, "the %s does not verify", what);
	return 0;
}

/* out = H(a || b) with the hash of the COSE alg; 0 or -1. */
int
attest_hash(int alg, const unsigned char *a, size_t alen, const unsigned char *b, size_t blen,
    unsigned char *out, unsigned int *outlen)
{
	EVP_MD_CTX	*md_ctx;
	const EVP_MD	*md;
	const char	*keytype;
	int		 ok;

	if (attest_alg_md(alg, &md, &keytype) == -1 || md == NULL)
		return -1;
	if ((md_ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(md_ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(md_ctx, a, alen) == 1 &&
	    EVP_DigestUpdate(md_ctx, b, blen) == 1 &&
	    EVP_DigestFinal_ex(md_ctx, out, outlen) == 1;
	EVP_MD_CTX_free(md_ctx);
	return ok ? 0 : -1;
}

/* The COSE_Key members we read (RFC 9053 §7). */
struct attest_cose {
	int			 kty, crv;
	const unsigned char	*x, *y, *n, *e;
	size_t			 xlen, ylen, nlen, elen;
};

static EVP_PKEY *
attest_cose_ec(const struct attest_cose *c)
{
	OSSL_PARAM	 params[3];
	EVP_PKEY_CTX	*pctx;
	EVP_PKEY	*pk = NULL;
	unsigned char	 pt[1 + 2 * 66];
	const char	*group;
	size_t		 fl;

	switch (c->crv) {
	case 1:
		group = "P-256";
		fl = 32;
		break;
	case 2:
		group = "P-384";
		fl = 48;
		break;
	case 3:
		group = "P-521";
		fl = 66;
		break;
	default:
		return NULL;
	}
	if (c->xlen != fl || c->ylen != fl)
		return NULL;
	pt[0] = 0x04;
	memcpy(pt + 1, c->x, fl);
	memcpy(pt + 1 + fl, c->y, fl);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * fl);
	params[2] = OSSL_PARAM_construct_end();
	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(pctx);
	return pk;
}

static EVP_PKEY *
attest_cose_rsa(const struct attest_cose *c)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	EVP_PKEY	*pk = NULL;
	BIGNUM		*n, *e;

	if (c->nlen == 0 || c->nlen > 1024 || c->elen == 0 || c->elen > 8)
		return NULL;
	n = BN_bin2bn(c->n, (int)c->nlen, NULL);
	e = BN_bin2bn(c->e, (int)c->elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (n == NULL || e == NULL || bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pk;
}

/* Reads one COSE_Key member: label (int) and its value. */
static int
attest_cose_member(struct attest_cose *c, const struct cbor_pair *pair)
{
	const unsigned char	**pp = NULL;
	size_t			 *lp = NULL;
	int			  label, val;

	if (attest_cbor_int(pair->key, &label) == -1)
		return 0;		/* text labels: nothing we use */
	if (label == 1 || (label == -1 && c->kty != 3))
		return attest_cbor_int(pair->value, label == 1 ? &c->kty : &c->crv);
	if (label == 3)
		return attest_cbor_int(pair->value, &val);
	if (c->kty == 3 && (label == -1 || label == -2)) {
		pp = label == -1 ? &c->n : &c->e;
		lp = label == -1 ? &c->nlen : &c->elen;
	} else if (c->kty != 3 && (label == -2 || label == -3)) {
		pp = label == -2 ? &c->x : &c->y;
		lp = label == -2 ? &c->xlen : &c->ylen;
	}
	if (pp == NULL)
		return 0;
	if (!cbor_isa_bytestring(pair->value) || !cbor_bytestring_is_definite(pair->value))
		return -1;
	*pp = cbor_bytestring_handle(pair->value);
	*lp = cbor_bytestring_length(pair->value);
	return 0;
}

/*
 * The credential public key (COSE_Key bytes from authData) as an EVP_PKEY,
 * to compare it with a certificate's or a TPM pubArea's key.  kty comes
 * first in a canonical COSE key, so the labels that depend on it can be
 * read in one pass.  NULL if it is not a key we use.
 */
EVP_PKEY *
attest_cose_pkey(const unsigned char *buf, size_t len)
{
	struct cbor_load_result	 lr;
	struct attest_cose	 c;
	struct cbor_pair	*pairs;
	cbor_item_t		*map;
	EVP_PKEY		*pk = NULL;
	size_t			 i;

	if (buf == NULL || len == 0 || len > ATTEST_FIELD_MAX)
		return NULL;
	memset(&c, 0, sizeof(c));
	if (wa_cbor_item_len(buf, len, &i) == -1 || i != len)
		return NULL;	/* a forged count must not reach cbor_load() */
	map = cbor_load(buf, len, &lr);
	if (map == NULL || lr.error.code != CBOR_ERR_NONE || lr.read != len ||
	    !cbor_isa_map(map) || !cbor_map_is_definite(map))
		goto done;
	pairs = cbor_map_handle(map);
	for (i = 0; i < cbor_map_size(map); i++)
		if (attest_cose_member(&c, &pairs[i]) == -1)
			goto done;
	if (c.kty == 2)
		pk = attest_cose_ec(&c);
	else if (c.kty == 3)
		pk = attest_cose_rsa(&c);
	else if (c.kty == 1 && c.crv == 6 && c.xlen == 32)
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, c.x, c.xlen);
 done:
	if (map != NULL)
		cbor_decref(&map);
	ERR_clear_error();
	return pk;
}
