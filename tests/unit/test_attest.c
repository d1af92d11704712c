/*
 * test_attest.c: attestation statements of every format, minted here with
 * OpenSSL (a test CA, leaves with the right subjects and extensions, TPM
 * structures, the Apple nonce and the Android key description), verified
 * through attest_verify(); then each requirement broken once.
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

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest.h"
#include "webauthn.h"

#define RP_ID		"example.org"
#define NOW		((time_t)1800000000)	/* 2027-01-15 */
#define DAY		86400L
#define CRED_ID_LEN	16

/*
 * wa_fail is the verifier's error helper and lives in webauthn.c with the
 * whole of §7.1; this driver links the attestation files alone.
 */
int
wa_fail(struct wa_error *err, enum wa_err code, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const unsigned char AAGUID[16] = {
	0x6c, 0x61, 0x74, 0x63, 0x68, 0x6b, 0x65, 0x79,
	0x2d, 0x74, 0x65, 0x73, 0x74, 0x2d, 0x30, 0x31 };

static EVP_PKEY	*ca_key;
static X509	*ca_cert;
static char	*ca_pem;

/* What a certificate should look like. */
struct certopt {
	const char		*c, *o, *ou, *cn;	/* NULL: left out */
	int			 ca;
	int			 tpm;			/* SAN with the TCG attributes, EKU */
	const unsigned char	*aaguid;		/* the AAGUID extension */
	int			 aaguid_crit;
	long			 nb, na;		/* validity, seconds from NOW */
	const char		*ext_oid;		/* one more extension, DER value */
	const unsigned char	*ext_der;
	size_t			 ext_len;
};

static const struct certopt packed_leaf = {
	.c = "AA", .o = "Latchkey Test", .ou = "Authenticator Attestation", .cn = "Test Key",
	.nb = -DAY, .na = 3650 * DAY };

/* One registration: the credential key and the bytes a statement signs. */
struct reg {
	EVP_PKEY	*cred;
	int		 alg;
	unsigned char	 cose[600];
	size_t		 coselen;
	unsigned char	 ad[800];
	size_t		 adlen;
	unsigned char	 cdh[32];
	unsigned char	 pub[65];		/* EC: 0x04 || x || y */
};

/* A member of an attStmt to encode. */
struct kv {
	const char		*k;
	int			 ival;		/* when no other value is set */
	const unsigned char	*b;
	size_t			 blen;
	X509			*const *certs;
	int			 ncerts;
	const char		*s;
};

static void
add_raw_ext(X509 *x, const char *oid, const unsigned char *der, size_t len, int crit)
{
	ASN1_OBJECT		*obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING	*os = ASN1_OCTET_STRING_new();
	X509_EXTENSION		*ext;

	assert_non_null(obj);
	assert_int_equal(ASN1_OCTET_STRING_set(os, der, (int)len), 1);
	ext = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

static void
add_name(X509_NAME *n, const char *field, const char *v)
{
	if (v != NULL)
		assert_int_equal(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
		    (const unsigned char *)v, -1, -1, 0), 1);
}

static void
add_tpm_ext(X509 *x)
{
	GENERAL_NAMES		*gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME		*gn = GENERAL_NAME_new();
	X509_NAME		*dn = X509_NAME_new();
	EXTENDED_KEY_USAGE	*eku = sk_ASN1_OBJECT_new_null();

	add_name(dn, "2.23.133.2.1", "id:4C544B59");
	add_name(dn, "2.23.133.2.2", "Latchkey TPM");
	add_name(dn, "2.23.133.2.3", "id:00010002");
	gn->type = GEN_DIRNAME;
	gn->d.dirn = dn;
	sk_GENERAL_NAME_push(gens, gn);
	assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 1, 0), 1);
	GENERAL_NAMES_free(gens);
	sk_ASN1_OBJECT_push(eku, OBJ_txt2obj("2.23.133.8.3", 1));
	assert_int_equal(X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0, 0), 1);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
}

/* A certificate for key, issued by the test CA (or self-signed when issuer is NULL). */
static X509 *
mkcert(EVP_PKEY *key, const struct certopt *o, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509			*x = X509_new();
	X509_NAME		*n = X509_NAME_new();
	BASIC_CONSTRAINTS	*bc = BASIC_CONSTRAINTS_new();
	ASN1_OCTET_STRING	*os;
	unsigned char		*der = NULL;
	static long		 serial = 1;
	int			 len;

	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	add_name(n, "C", o->c);
	add_name(n, "O", o->o);
	add_name(n, "OU", o->ou);
	add_name(n, "CN", o->cn);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, o->nb, &(time_t){ NOW });
	X509_time_adj_ex(X509_getm_notAfter(x), 0, o->na, &(time_t){ NOW });
	X509_set_pubkey(x, key);
	bc->ca = o->ca ? 0xff : 0;
	assert_int_equal(X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, 0), 1);
	BASIC_CONSTRAINTS_free(bc);
	if (o->tpm)
		add_tpm_ext(x);
	if (o->aaguid != NULL) {
		os = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(os, o->aaguid, 16);
		len = i2d_ASN1_OCTET_STRING(os, &der);
		add_raw_ext(x, "1.3.6.1.4.1.45724.1.1.4", der, (size_t)len, o->aaguid_crit);
		OPENSSL_free(der);
		ASN1_OCTET_STRING_free(os);
	}
	if (o->ext_oid != NULL)
		add_raw_ext(x, o->ext_oid, o->ext_der, o->ext_len, 0);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static X509 *
leaf(EVP_PKEY *key, const struct certopt *o)
{
	return mkcert(key, o, ca_cert, ca_key);
}

static void
bn_pad(EVP_PKEY *k, const char *param, unsigned char *out, size_t len)
{
	BIGNUM	*bn = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, out, (int)len), (int)len);
	BN_free(bn);
}

/* The COSE_Key of an EC P-256 or RSA key, in canonical order. */
static size_t
cose_of(EVP_PKEY *k, unsigned char *out, size_t outlen, unsigned char *pub)
{
	cbor_item_t	*m;
	unsigned char	 x[32], y[32], n[512];
	size_t		 len, nlen;
	int		 bits = EVP_PKEY_get_bits(k);

	if (EVP_PKEY_is_a(k, "EC")) {
		bn_pad(k, OSSL_PKEY_PARAM_EC_PUB_X, x, 32);
		bn_pad(k, OSSL_PKEY_PARAM_EC_PUB_Y, y, 32);
		pub[0] = 0x04;
		memcpy(pub + 1, x, 32);
		memcpy(pub + 33, y, 32);
		m = cbor_new_definite_map(5);
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_uint8(1)),
		    cbor_move(cbor_build_uint8(2)) });
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_uint8(3)),
		    cbor_move(cbor_build_negint8(6)) });
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(0)),
		    cbor_move(cbor_build_uint8(1)) });
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(1)),
		    cbor_move(cbor_build_bytestring(x, 32)) });
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(2)),
		    cbor_move(cbor_build_bytestring(y, 32)) });
	} else {
		nlen = (size_t)bits / 8;
		bn_pad(k, OSSL_PKEY_PARAM_RSA_N, n, nlen);
		bn_pad(k, OSSL_PKEY_PARAM_RSA_E, x, 3);
		m = cbor_new_definite_map(4);
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_uint8(1)),
		    cbor_move(cbor_build_uint8(3)) });
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_uint8(3)),
		    cbor_move(cbor_build_negint16(256)) });
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(0)),
		    cbor_move(cbor_build_bytestring(n, nlen)) });
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(1)),
		    cbor_move(cbor_build_bytestring(x, 3)) });
	}
	len = cbor_serialize(m, out, outlen);
	assert_true(len > 0);
	cbor_decref(&m);
	return len;
}

/* A registration with a fresh key: authData (UP, AT) and a client data hash. */
static void
reg_init(struct reg *r, int rsa)
{
	size_t	 off = 0;
	unsigned int hl;

	memset(r, 0, sizeof(*r));
	r->cred = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	assert_non_null(r->cred);
	r->alg = rsa ? -257 : -7;
	r->coselen = cose_of(r->cred, r->cose, sizeof(r->cose), r->pub);
	assert_int_equal(EVP_Digest(RP_ID, strlen(RP_ID), r->ad, &hl, EVP_sha256(), NULL), 1);
	off = 32;
	r->ad[off++] = 0x41;
	memset(r->ad + off, 0, 4);
	off += 4;
	memcpy(r->ad + off, AAGUID, 16);
	off += 16;
	r->ad[off++] = 0;
	r->ad[off++] = CRED_ID_LEN;
	memset(r->ad + off, 0xc1, CRED_ID_LEN);
	off += CRED_ID_LEN;
	memcpy(r->ad + off, r->cose, r->coselen);
	r->adlen = off + r->coselen;
	memset(r->cdh, 0x5a, sizeof(r->cdh));
}

static void
reg_free(struct reg *r)
{
	EVP_PKEY_free(r->cred);
}

/* Signs data with key and hash (ECDSA DER or PKCS#1 v1.5). */
static size_t
sign_md(EVP_PKEY *key, const EVP_MD *h, const unsigned char *data, size_t len,
    unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*md = EVP_MD_CTX_new();

	assert_int_equal(EVP_DigestSignInit(md, NULL, h, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, data, len), 1);
	EVP_MD_CTX_free(md);
	return siglen;
}

static size_t
sign(EVP_PKEY *key, const unsigned char *data, size_t len, unsigned char *sig, size_t siglen)
{
	return sign_md(key, EVP_sha256(), data, len, sig, siglen);
}

/* Signs authData || cdh. */
static size_t
sign_reg(EVP_PKEY *key, const struct reg *r, unsigned char *sig, size_t siglen)
{
	unsigned char	 buf[900];

	memcpy(buf, r->ad, r->adlen);
	memcpy(buf + r->adlen, r->cdh, 32);
	return sign(key, buf, r->adlen + 32, sig, siglen);
}

/* Encodes the members in the order given. */
static unsigned char *
stmt(const struct kv *kvs, size_t n, size_t *len)
{
	cbor_item_t	*m = cbor_new_definite_map(n), *v, *a;
	unsigned char	*buf = NULL, *der;
	size_t		 i, sz;
	int		 j, dl;

	for (i = 0; i < n; i++) {
		if (kvs[i].certs != NULL) {
			a = cbor_new_definite_array((size_t)kvs[i].ncerts);
			for (j = 0; j < kvs[i].ncerts; j++) {
				der = NULL;
				dl = i2d_X509(kvs[i].certs[j], &der);
				cbor_array_push(a, cbor_move(cbor_build_bytestring(der, (size_t)dl)));
				OPENSSL_free(der);
			}
			v = a;
		} else if (kvs[i].b != NULL)
			v = cbor_build_bytestring(kvs[i].b, kvs[i].blen);
		else if (kvs[i].s != NULL)
			v = cbor_build_string(kvs[i].s);
		else if (kvs[i].ival < 0)
			v = cbor_build_negint32((uint32_t)(-1 - kvs[i].ival));
		else
			v = cbor_build_uint32((uint32_t)kvs[i].ival);
		cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_string(kvs[i].k)),
		    cbor_move(v) });
	}
	*len = cbor_serialize_alloc(m, &buf, &sz);
	cbor_decref(&m);
	return buf;
}

/* Runs attest_verify over a statement for r; returns its result code. */
static int
verify(const struct attest_trust *t, const char *fmt, unsigned char *st, size_t stlen,
    const struct reg *r, time_t now, struct attest_result *res, struct wa_error *err)
{
	struct attest_input	 in;
	int			 rv;

	memset(&in, 0, sizeof(in));
	memset(err, 0, sizeof(*err));
	in.fmt = fmt;
	in.attstmt = st;
	in.attstmt_len = stlen;
	in.authdata = r->ad;
	in.authdata_len = r->adlen;
	in.cdh = r->cdh;
	in.rp_id = RP_ID;
	in.alg = r->alg;
	in.cose = r->cose;
	in.cose_len = r->coselen;
	in.aaguid = AAGUID;
	in.cred_id = r->ad + 55;
	in.cred_id_len = CRED_ID_LEN;
	in.now = now;
	rv = attest_verify(t, &in, res, err);
	free(st);
	return rv;
}

static struct attest_trust *
trust_ca(void)
{
	struct attest_trust	*t = attest_trust_new();
	char			 e[256];

	assert_int_equal(attest_trust_add_pem_mem(t, ca_pem, strlen(ca_pem), e, sizeof(e)), 0);
	return t;
}

/*
 * When set, the format cases flip every byte of their statement in turn
 * instead of verifying it once: each copy must be refused with a code and
 * a sentence, or accepted, and never read out of bounds (the ASan build).
 */
static int	 mutating;

static int
verify_or_mutate(const struct attest_trust *t, const char *fmt, unsigned char *st,
    size_t stlen, const struct reg *r, struct attest_result *res, struct wa_error *err)
{
	unsigned char	*copy;
	size_t		 i;
	int		 refused = 0;

	if (!mutating)
		return verify(t, fmt, st, stlen, r, NOW, res, err);
	for (i = 0; i < stlen; i++) {
		copy = malloc(stlen);
		memcpy(copy, st, stlen);
		copy[i] ^= (unsigned char)(1 << (i % 8));
		if (verify(t, fmt, copy, stlen, r, NOW, res, err) == -1) {
			assert_int_not_equal(err->code, WA_OK);
			assert_true(strlen(err->message) > 0);
			refused++;
		} else
			assert_true(res->trust <= PASSKEY_TRUST_TRUSTED);
		attest_result_clear(res);
	}
	/* Most flips land in signed or checked bytes. */
	assert_true(refused > (int)stlen / 2);
	free(st);
	return -2;
}

/* A packed full statement by a leaf made with o; expects code (WA_OK: success) and trust. */
static void
packed_case(const struct certopt *o, const struct attest_trust *t, time_t now,
    enum wa_err code, enum passkey_trust trust)
{
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	EVP_PKEY		*ak = EVP_EC_gen("P-256");
	X509			*x;
	unsigned char		 sig[128], *st;
	size_t			 siglen, len;
	int			 rv;

	reg_init(&r, 0);
	x = leaf(ak, o);
	siglen = sign_reg(ak, &r, sig, sizeof(sig));
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "x5c", .certs = &x, .ncerts = 1 } }, 3, &len);
	rv = verify(t, "packed", st, len, &r, now, &res, &err);
	if (code == WA_OK) {
		assert_int_equal(rv, 0);
		assert_int_equal(res.trust, trust);
	} else {
		assert_int_equal(rv, -1);
		assert_int_equal(err.code, code);
		assert_true(strlen(err.message) > 10);
	}
	attest_result_clear(&res);
	X509_free(x);
	EVP_PKEY_free(ak);
	reg_free(&r);
}

static void
test_none(void **state)
{
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	unsigned char		*st;
	size_t			 len;

	(void)state;
	reg_init(&r, 0);
	st = stmt(NULL, 0, &len);
	assert_int_equal(verify(NULL, "none", st, len, &r, NOW, &res, &err), 0);
	assert_int_equal(res.trust, PASSKEY_TRUST_NONE);
	assert_null(res.source);
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 } }, 1, &len);
	assert_int_equal(verify(NULL, "none", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_ATTESTATION_INVALID);
	reg_free(&r);
}

static void
test_packed_trust(void **state)
{
	struct attest_trust	*t = trust_ca();

	(void)state;
	packed_case(&packed_leaf, t, NOW, WA_OK, PASSKEY_TRUST_TRUSTED);
	packed_case(&packed_leaf, NULL, NOW, WA_OK, PASSKEY_TRUST_UNTRUSTED);
	/* A store with another root does not trust it. */
	{
		struct attest_trust	*other = attest_trust_new();
		EVP_PKEY		*k = EVP_EC_gen("P-256");
		X509			*root = mkcert(k, &(struct certopt){ .cn = "Other",
					    .ca = 1, .na = DAY }, NULL, NULL);
		char			*pem = NULL, e[128];
		BIO			*bio = BIO_new(BIO_s_mem());
		long			 l;

		PEM_write_bio_X509(bio, root);
		l = BIO_get_mem_data(bio, &pem);
		assert_int_equal(attest_trust_add_pem_mem(other, pem, (size_t)l, e, sizeof(e)), 0);
		packed_case(&packed_leaf, other, NOW, WA_OK, PASSKEY_TRUST_UNTRUSTED);
		BIO_free(bio);
		X509_free(root);
		EVP_PKEY_free(k);
		attest_trust_free(other);
	}
	attest_trust_free(t);
}

/* The trust of a packed statement by ak with the lone certificate x, under t. */
static enum passkey_trust
packed_lone(X509 *x, EVP_PKEY *ak, const struct attest_trust *t)
{
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	unsigned char		 sig[128], *st;
	size_t			 siglen, len;
	enum passkey_trust	 trust;

	reg_init(&r, 0);
	siglen = sign_reg(ak, &r, sig, sizeof(sig));
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "x5c", .certs = &x, .ncerts = 1 } }, 3, &len);
	assert_int_equal(verify(t, "packed", st, len, &r, NOW, &res, &err), 0);
	trust = res.trust;
	attest_result_clear(&res);
	reg_free(&r);
	return trust;
}

/*
 * A batch key that mints a new self-signed certificate at every
 * registration (as Chromium's virtual authenticator does): a configured
 * root with the same name and key anchors the later certificates (RFC 5280
 * §6.1.1(d)), but not one with another key, nor an expired one.
 */
static void
test_packed_batch_key(void **state)
{
	struct certopt		 later = packed_leaf, expired = packed_leaf;
	struct attest_trust	*t = attest_trust_new();
	EVP_PKEY		*ak = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
	X509			*root, *x, *y, *z;
	BIO			*bio = BIO_new(BIO_s_mem());
	char			*pem = NULL, e[128];
	long			 l;

	(void)state;
	later.na = 3651 * DAY;
	expired.nb = -3 * DAY;
	expired.na = -DAY;
	root = mkcert(ak, &packed_leaf, NULL, NULL);
	PEM_write_bio_X509(bio, root);
	l = BIO_get_mem_data(bio, &pem);
	assert_int_equal(attest_trust_add_pem_mem(t, pem, (size_t)l, e, sizeof(e)), 0);
	x = mkcert(ak, &later, NULL, NULL);		/* same name and key, new validity */
	y = mkcert(other, &later, NULL, NULL);		/* same name, another key */
	z = mkcert(ak, &expired, NULL, NULL);
	assert_int_not_equal(i2d_X509(root, NULL), 0);
	assert_int_equal(X509_cmp(root, x) != 0, 1);
	assert_int_equal(packed_lone(x, ak, t), PASSKEY_TRUST_TRUSTED);
	assert_int_equal(packed_lone(y, other, t), PASSKEY_TRUST_UNTRUSTED);
	assert_int_equal(packed_lone(z, ak, t), PASSKEY_TRUST_UNTRUSTED);
	assert_int_equal(packed_lone(x, ak, NULL), PASSKEY_TRUST_UNTRUSTED);
	BIO_free(bio);
	X509_free(root);
	X509_free(x);
	X509_free(y);
	X509_free(z);
	EVP_PKEY_free(ak);
	EVP_PKEY_free(other);
	attest_trust_free(t);
}

/* The result names the anchor: the CA's subject. */
static void
test_packed_source(void **state)
{
	struct attest_trust	*t = trust_ca();
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	EVP_PKEY		*ak = EVP_EC_gen("P-256");
	X509			*x;
	unsigned char		 sig[128], *st;
	size_t			 siglen, len;

	(void)state;
	reg_init(&r, 0);
	x = leaf(ak, &packed_leaf);
	siglen = sign_reg(ak, &r, sig, sizeof(sig));
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "x5c", .certs = &x, .ncerts = 1 } }, 3, &len);
	assert_int_equal(verify(t, "packed", st, len, &r, NOW, &res, &err), 0);
	assert_int_equal(res.trust, PASSKEY_TRUST_TRUSTED);
	assert_non_null(res.source);
	assert_non_null(strstr(res.source, "CN = Latchkey Test Attestation CA"));
	assert_null(strchr(res.source, '\n'));
	attest_result_clear(&res);

	/* Non-canonical key order {x5c, sig, alg} still verifies (re-encoded). */
	st = stmt((struct kv[]){ { .k = "x5c", .certs = &x, .ncerts = 1 }, { .k = "sig",
	    .b = sig, .blen = siglen }, { .k = "alg", .ival = -7 } }, 3, &len);
	assert_int_equal(verify(t, "packed", st, len, &r, NOW, &res, &err), 0);
	assert_int_equal(res.trust, PASSKEY_TRUST_TRUSTED);
	attest_result_clear(&res);

	/* A signature over other data: bad_signature. */
	r.cdh[0] ^= 1;
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "x5c", .certs = &x, .ncerts = 1 } }, 3, &len);
	assert_int_equal(verify(t, "packed", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_BAD_SIGNATURE);
	r.cdh[0] ^= 1;

	/* The same key twice in the map. */
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "alg", .ival = -7 },
	    { .k = "sig", .b = sig, .blen = siglen } }, 3, &len);
	assert_int_equal(verify(t, "packed", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_ATTESTATION_INVALID);
	assert_non_null(strstr(err.message, "repeats"));

	/* Trailing bytes after the map. */
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 } }, 1, &len);
	st = realloc(st, len + 1);
	st[len] = 0;
	assert_int_equal(verify(t, "packed", st, len + 1, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_ATTESTATION_INVALID);

	X509_free(x);
	EVP_PKEY_free(ak);
	reg_free(&r);
	attest_trust_free(t);
}

static void
test_packed_requirements(void **state)
{
	struct attest_trust	*t = trust_ca();
	struct certopt		 o;
	unsigned char		 other[16];

	(void)state;
	o = packed_leaf;
	o.ou = "Attestation";
	packed_case(&o, t, NOW, WA_ATTESTATION_INVALID, 0);
	o = packed_leaf;
	o.c = NULL;
	packed_case(&o, t, NOW, WA_ATTESTATION_INVALID, 0);
	o = packed_leaf;
	o.cn = NULL;
	packed_case(&o, t, NOW, WA_ATTESTATION_INVALID, 0);
	o = packed_leaf;
	o.ca = 1;
	packed_case(&o, t, NOW, WA_ATTESTATION_INVALID, 0);
	/* The AAGUID extension: equal passes, different or critical fails. */
	o = packed_leaf;
	o.aaguid = AAGUID;
	packed_case(&o, t, NOW, WA_OK, PASSKEY_TRUST_TRUSTED);
	memcpy(other, AAGUID, 16);
	other[15] ^= 0xff;
	o.aaguid = other;
	packed_case(&o, t, NOW, WA_ATTESTATION_INVALID, 0);
	o.aaguid = AAGUID;
	o.aaguid_crit = 1;
	packed_case(&o, t, NOW, WA_ATTESTATION_INVALID, 0);
	attest_trust_free(t);
}

/* An expired leaf: untrusted at the real clock, trusted with a clock inside its validity. */
static void
test_packed_expired(void **state)
{
	struct attest_trust	*t = trust_ca();
	struct certopt		 o = packed_leaf;

	(void)state;
	o.nb = -400 * DAY;
	o.na = -30 * DAY;
	packed_case(&o, t, NOW, WA_OK, PASSKEY_TRUST_UNTRUSTED);
	packed_case(&o, t, NOW - 100 * DAY, WA_OK, PASSKEY_TRUST_TRUSTED);
	attest_trust_free(t);
}

static void
test_packed_self(void **state)
{
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	unsigned char		 sig[128], *st;
	size_t			 siglen, len;

	(void)state;
	reg_init(&r, 0);
	siglen = sign_reg(r.cred, &r, sig, sizeof(sig));
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen } }, 2, &len);
	assert_int_equal(verify(NULL, "packed", st, len, &r, NOW, &res, &err), 0);
	assert_int_equal(res.trust, PASSKEY_TRUST_SELF);
	/* §8.2: the statement alg must be the credential's. */
	st = stmt((struct kv[]){ { .k = "alg", .ival = -257 }, { .k = "sig", .b = sig,
	    .blen = siglen } }, 2, &len);
	assert_int_equal(verify(NULL, "packed", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_ATTESTATION_INVALID);
	/* Signed by another key. */
	r.cdh[1] ^= 1;
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen } }, 2, &len);
	assert_int_equal(verify(NULL, "packed", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_BAD_SIGNATURE);
	reg_free(&r);
}

static void
test_u2f(void **state)
{
	struct attest_trust	*t = trust_ca();
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	EVP_PKEY		*ak = EVP_EC_gen("P-256");
	X509			*x[2];
	unsigned char		 sig[128], tbs[200], *st;
	size_t			 siglen, len, off = 0;

	(void)state;
	reg_init(&r, 0);
	x[0] = x[1] = leaf(ak, &packed_leaf);
	/* FIDO U2F raw message: 0x00 || rpIdHash || cdh || credId || pubkey. */
	tbs[off++] = 0;
	memcpy(tbs + off, r.ad, 32);
	off += 32;
	memcpy(tbs + off, r.cdh, 32);
	off += 32;
	memcpy(tbs + off, r.ad + 55, CRED_ID_LEN);
	off += CRED_ID_LEN;
	memcpy(tbs + off, r.pub, 65);
	off += 65;
	siglen = sign(ak, tbs, off, sig, sizeof(sig));
	st = stmt((struct kv[]){ { .k = "sig", .b = sig, .blen = siglen }, { .k = "x5c",
	    .certs = x, .ncerts = 1 } }, 2, &len);
	assert_int_equal(verify(t, "fido-u2f", st, len, &r, NOW, &res, &err), 0);
	assert_int_equal(res.trust, PASSKEY_TRUST_TRUSTED);
	attest_result_clear(&res);
	st = stmt((struct kv[]){ { .k = "sig", .b = sig, .blen = siglen }, { .k = "x5c",
	    .certs = x, .ncerts = 2 } }, 2, &len);
	assert_int_equal(verify(t, "fido-u2f", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_ATTESTATION_INVALID);
	assert_non_null(strstr(err.message, "exactly one"));
	X509_free(x[0]);
	EVP_PKEY_free(ak);
	reg_free(&r);
	attest_trust_free(t);
}

static size_t
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return 2;
}

/* TPM breakages to apply while minting. */
enum tpm_fault { TPM_OK, TPM_EXTRA, TPM_KEY, TPM_SUBJECT, TPM_VER, TPM_SIG, TPM_NAME };

/*
 * A tpm statement for r: alg ES256 (ECC key, EC AIK), RS256 (RSA, RSA AIK)
 * or, with rs1, RS1 in the exact shape libfido2 1.12 checks (32-byte
 * policy, SHA-1 extraData, 34-byte names, clock safe).
 */
static void
tpm_case(int rsa, int rs1, enum tpm_fault fault, enum wa_err code)
{
	struct attest_trust	*t = trust_ca();
	struct reg		 r, other;
	struct attest_result	 res;
	struct wa_error		 err;
	struct certopt		 o = { .tpm = 1, .nb = -DAY, .na = 3650 * DAY };
	EVP_PKEY		*aik = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	EVP_PKEY		*keysrc;
	X509			*x;
	unsigned char		 pub[600], ci[400], sig[300], h[32], buf[900], *st;
	unsigned char		 xy[32];
	size_t			 pl = 0, cl = 0, siglen, len;
	unsigned int		 hl;
	int			 rv;

	reg_init(&r, rsa);
	reg_init(&other, rsa);
	keysrc = fault == TPM_KEY ? other.cred : r.cred;
	if (fault == TPM_SUBJECT)
		o.cn = "Not Empty";
	x = leaf(aik, &o);
	/* TPMT_PUBLIC. */
	pl += put16(pub + pl, rsa ? 0x0001 : 0x0023);
	pl += put16(pub + pl, 0x000b);
	memcpy(pub + pl, "\x00\x04\x00\x72", 4);
	pl += 4;
	pl += put16(pub + pl, rs1 ? 32 : 0);
	if (rs1) {
		memset(pub + pl, 0x9c, 32);
		pl += 32;
	}
	pl += put16(pub + pl, 0x0010);
	pl += put16(pub + pl, 0x0010);
	if (rsa) {
		pl += put16(pub + pl, 2048);
		memset(pub + pl, 0, 4);
		pl += 4;
		pl += put16(pub + pl, 256);
		bn_pad(keysrc, OSSL_PKEY_PARAM_RSA_N, pub + pl, 256);
		pl += 256;
	} else {
		pl += put16(pub + pl, 0x0003);
		pl += put16(pub + pl, 0x0010);
		pl += put16(pub + pl, 32);
		bn_pad(keysrc, OSSL_PKEY_PARAM_EC_PUB_X, xy, 32);
		memcpy(pub + pl, xy, 32);
		pl += 32;
		pl += put16(pub + pl, 32);
		bn_pad(keysrc, OSSL_PKEY_PARAM_EC_PUB_Y, xy, 32);
		memcpy(pub + pl, xy, 32);
		pl += 32;
	}
	/* TPMS_ATTEST. */
	memcpy(ci, "\xff\x54\x43\x47\x80\x17", 6);
	cl = 6;
	cl += put16(ci + cl, rs1 ? 34 : 0);		/* qualifiedSigner */
	if (rs1) {
		memset(ci + cl, 0x0b, 34);
		cl += 34;
	}
	memcpy(buf, r.ad, r.adlen);
	memcpy(buf + r.adlen, r.cdh, 32);
	EVP_Digest(buf, r.adlen + 32, h, &hl, rs1 ? EVP_sha1() : EVP_sha256(), NULL);
	if (fault == TPM_EXTRA)
		h[0] ^= 1;
	cl += put16(ci + cl, hl);
	memcpy(ci + cl, h, hl);
	cl += hl;
	memset(ci + cl, 0x11, 17 + 8);
	ci[cl + 16] = 1;				/* clockInfo.safe */
	cl += 17 + 8;
	EVP_Digest(pub, pl, h, &hl, EVP_sha256(), NULL);
	if (fault == TPM_NAME)
		h[5] ^= 1;
	cl += put16(ci + cl, 34);
	cl += put16(ci + cl, 0x000b);
	memcpy(ci + cl, h, 32);
	cl += 32;
	cl += put16(ci + cl, rs1 ? 34 : 0);		/* qualifiedName */
	if (rs1) {
		memset(ci + cl, 0x0b, 34);
		cl += 34;
	}
	/* TPM_SIG: a well-formed signature over something else. */
	siglen = sign_md(aik, rs1 ? EVP_sha1() : EVP_sha256(), ci,
	    fault == TPM_SIG ? cl - 1 : cl, sig, sizeof(sig));
	st = stmt((struct kv[]){ { .k = "alg", .ival = rs1 ? -65535 : rsa ? -257 : -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "ver", .s = fault == TPM_VER ? "1.2" : "2.0" },
	    { .k = "x5c", .certs = &x, .ncerts = 1 }, { .k = "pubArea", .b = pub, .blen = pl },
	    { .k = "certInfo", .b = ci, .blen = cl } }, 6, &len);
	if ((rv = verify_or_mutate(t, "tpm", st, len, &r, &res, &err)) == -2)
		;
	else if (rv == 0) {
		assert_int_equal(code, WA_OK);
		assert_int_equal(res.trust, PASSKEY_TRUST_TRUSTED);
	} else {
		if (err.code != code)
			fail_msg("tpm fault %d: %s", fault, err.message);
	}
	attest_result_clear(&res);
	X509_free(x);
	EVP_PKEY_free(aik);
	reg_free(&r);
	reg_free(&other);
	attest_trust_free(t);
}

static void
test_tpm(void **state)
{
	(void)state;
	/* ES256 and RS256 statements: OpenSSL. */
	tpm_case(0, 0, TPM_OK, WA_OK);
	tpm_case(1, 0, TPM_OK, WA_OK);
	tpm_case(0, 0, TPM_EXTRA, WA_ATTESTATION_INVALID);
	tpm_case(1, 0, TPM_KEY, WA_ATTESTATION_INVALID);
	tpm_case(0, 0, TPM_KEY, WA_ATTESTATION_INVALID);
	tpm_case(0, 0, TPM_SUBJECT, WA_ATTESTATION_INVALID);
	tpm_case(0, 0, TPM_VER, WA_ATTESTATION_INVALID);
	tpm_case(0, 0, TPM_NAME, WA_ATTESTATION_INVALID);
	tpm_case(0, 0, TPM_SIG, WA_BAD_SIGNATURE);
	tpm_case(1, 0, TPM_SIG, WA_BAD_SIGNATURE);
	/* RS1 statements: libfido2, with the AIK profile and ver checked here. */
	tpm_case(1, 1, TPM_OK, WA_OK);
	tpm_case(1, 1, TPM_EXTRA, WA_ATTESTATION_INVALID);
	tpm_case(1, 1, TPM_KEY, WA_ATTESTATION_INVALID);
	tpm_case(1, 1, TPM_SUBJECT, WA_ATTESTATION_INVALID);
	tpm_case(1, 1, TPM_VER, WA_ATTESTATION_INVALID);
	tpm_case(1, 1, TPM_SIG, WA_BAD_SIGNATURE);
}

/* An apple statement: the nonce extension over r, the credential key in the cert. */
static void
apple_case(int wrong_nonce, int wrong_key, enum wa_err code)
{
	struct attest_trust	*t = trust_ca();
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	struct certopt		 o = packed_leaf;
	EVP_PKEY		*k;
	X509			*x;
	unsigned char		 ext[38] = { 0x30, 0x24, 0xa1, 0x22, 0x04, 0x20 }, buf[900], *st;
	size_t			 len;
	unsigned int		 hl;
	int			 rv;

	reg_init(&r, 0);
	memcpy(buf, r.ad, r.adlen);
	memcpy(buf + r.adlen, r.cdh, 32);
	EVP_Digest(buf, r.adlen + 32, ext + 6, &hl, EVP_sha256(), NULL);
	if (wrong_nonce)
		ext[10] ^= 1;
	o.ext_oid = "1.2.840.113635.100.8.2";
	o.ext_der = ext;
	o.ext_len = sizeof(ext);
	k = wrong_key ? EVP_EC_gen("P-256") : r.cred;
	x = leaf(k, &o);
	st = stmt((struct kv[]){ { .k = "x5c", .certs = &x, .ncerts = 1 } }, 1, &len);
	if ((rv = verify_or_mutate(t, "apple", st, len, &r, &res, &err)) == -2)
		;
	else if (rv == 0) {
		assert_int_equal(code, WA_OK);
		assert_int_equal(res.trust, PASSKEY_TRUST_TRUSTED);
	} else
		assert_int_equal(err.code, code);
	attest_result_clear(&res);
	X509_free(x);
	if (wrong_key)
		EVP_PKEY_free(k);
	reg_free(&r);
	attest_trust_free(t);
}

static void
test_apple(void **state)
{
	(void)state;
	apple_case(0, 0, WA_OK);
	apple_case(1, 0, WA_ATTESTATION_INVALID);
	apple_case(0, 1, WA_ATTESTATION_INVALID);
}

/* Appends a DER TLV (tag bytes given) to out at *off. */
static void
der_put(unsigned char *out, size_t *off, const unsigned char *tag, size_t taglen,
    const unsigned char *v, size_t vlen)
{
	memcpy(out + *off, tag, taglen);
	*off += taglen;
	if (vlen < 128)
		out[(*off)++] = (unsigned char)vlen;
	else {
		out[(*off)++] = 0x81;
		out[(*off)++] = (unsigned char)vlen;
	}
	memmove(out + *off, v, vlen);
	*off += vlen;
}

enum android_fault { AND_OK, AND_CHALLENGE, AND_ALLAPPS, AND_SOFTWARE, AND_KEY, AND_SIG };

/* An AuthorizationList: purpose SIGN and origin GENERATED if full; allApplications if asked. */
static size_t
auth_list(unsigned char *out, int full, int allapps)
{
	static const unsigned char purpose[] = { 0xa1, 0x05, 0x31, 0x03, 0x02, 0x01, 0x02 };
	static const unsigned char allapp[] = { 0xbf, 0x84, 0x58, 0x02, 0x05, 0x00 };
	static const unsigned char origin[] = { 0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00 };
	unsigned char	 body[64];
	size_t		 bl = 0, off = 0;

	if (full) {
		memcpy(body + bl, purpose, sizeof(purpose));
		bl += sizeof(purpose);
	}
	if (allapps) {
		memcpy(body + bl, allapp, sizeof(allapp));
		bl += sizeof(allapp);
	}
	if (full) {
		memcpy(body + bl, origin, sizeof(origin));
		bl += sizeof(origin);
	}
	der_put(out, &off, (const unsigned char *)"\x30", 1, body, bl);
	return off;
}

static void
android_case(enum android_fault fault, enum wa_err code)
{
	struct attest_trust	*t = trust_ca();
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	struct certopt		 o = packed_leaf;
	EVP_PKEY		*k;
	X509			*x;
	unsigned char		 kd[256], ext[256], sw[64], tee[64], sig[128], *st;
	size_t			 kl = 0, el = 0, swl, teel, siglen, len;
	int			 rv;

	reg_init(&r, 0);
	memcpy(kd, "\x02\x01\x03\x0a\x01\x01\x02\x01\x04\x0a\x01\x01", 12);
	kl = 12;
	der_put(kd, &kl, (const unsigned char *)"\x04", 1, r.cdh, 32);
	if (fault == AND_CHALLENGE)
		kd[kl - 1] ^= 1;
	der_put(kd, &kl, (const unsigned char *)"\x04", 1, (const unsigned char *)"", 0);
	swl = auth_list(sw, fault == AND_SOFTWARE, 0);
	teel = auth_list(tee, fault != AND_SOFTWARE, fault == AND_ALLAPPS);
	memcpy(kd + kl, sw, swl);
	kl += swl;
	memcpy(kd + kl, tee, teel);
	kl += teel;
	der_put(ext, &el, (const unsigned char *)"\x30", 1, kd, kl);
	o.ext_oid = "1.3.6.1.4.1.11129.2.1.17";
	o.ext_der = ext;
	o.ext_len = el;
	k = fault == AND_KEY ? EVP_EC_gen("P-256") : r.cred;
	x = leaf(k, &o);
	siglen = sign_reg(k, &r, sig, sizeof(sig));
	if (fault == AND_SIG)
		r.cdh[31] ^= 1;
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "x5c", .certs = &x, .ncerts = 1 } }, 3, &len);
	if ((rv = verify_or_mutate(t, "android-key", st, len, &r, &res, &err)) == -2)
		;
	else if (rv == 0) {
		assert_int_equal(code, WA_OK);
		assert_int_equal(res.trust, PASSKEY_TRUST_TRUSTED);
	} else if (err.code != code)
		fail_msg("android fault %d: %s", fault, err.message);
	attest_result_clear(&res);
	X509_free(x);
	if (fault == AND_KEY)
		EVP_PKEY_free(k);
	reg_free(&r);
	attest_trust_free(t);
}

static void
test_android(void **state)
{
	(void)state;
	android_case(AND_OK, WA_OK);
	android_case(AND_CHALLENGE, WA_ATTESTATION_INVALID);
	android_case(AND_ALLAPPS, WA_ATTESTATION_INVALID);
	android_case(AND_SOFTWARE, WA_ATTESTATION_INVALID);
	android_case(AND_KEY, WA_ATTESTATION_INVALID);
	android_case(AND_SIG, WA_BAD_SIGNATURE);
}

/* Every byte of a good tpm (both paths), apple and android-key statement flipped. */
static void
test_mutations(void **state)
{
	(void)state;
	mutating = 1;
	tpm_case(0, 0, TPM_OK, WA_OK);
	tpm_case(1, 1, TPM_OK, WA_OK);
	apple_case(0, 0, WA_OK);
	android_case(AND_OK, WA_OK);
	mutating = 0;
}

static void
test_unsupported(void **state)
{
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	unsigned char		*st;
	size_t			 len;

	(void)state;
	reg_init(&r, 0);
	st = stmt(NULL, 0, &len);
	assert_int_equal(verify(NULL, "android-safetynet", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_FORMAT_UNSUPPORTED);
	assert_non_null(strstr(err.message, "safetynet"));
	st = stmt(NULL, 0, &len);
	assert_int_equal(verify(NULL, "compound", st, len, &r, NOW, &res, &err), -1);
	assert_int_equal(err.code, WA_FORMAT_UNSUPPORTED);
	assert_non_null(strstr(err.message, "\"compound\""));
	reg_free(&r);
}

/* Metadata roots anchor the chain and name the authenticator; a compromise withdraws trust. */
static void
test_mds(void **state)
{
	struct attest_trust	*t = attest_trust_new();
	struct attest_mds_entry	 e;
	struct reg		 r;
	struct attest_result	 res;
	struct wa_error		 err;
	EVP_PKEY		*ak = EVP_EC_gen("P-256");
	X509			*x;
	unsigned char		*der = NULL, sig[128], *st;
	size_t			 dl, siglen, len;
	char			 msg[256];

	(void)state;
	dl = (size_t)i2d_X509(ca_cert, &der);
	memset(&e, 0, sizeof(e));
	memcpy(e.aaguid, AAGUID, 16);
	e.has_aaguid = 1;
	e.description = "Latchkey Test Key";
	e.roots = &der;
	e.root_lens = &dl;
	e.nroots = 1;
	assert_int_equal(attest_trust_add_mds(t, &e, msg, sizeof(msg)), 0);
	assert_non_null(attest_trust_find_aaguid(t, AAGUID));
	reg_init(&r, 0);
	x = leaf(ak, &packed_leaf);
	siglen = sign_reg(ak, &r, sig, sizeof(sig));
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "x5c", .certs = &x, .ncerts = 1 } }, 3, &len);
	assert_int_equal(verify(t, "packed", st, len, &r, NOW, &res, &err), 0);
	assert_int_equal(res.trust, PASSKEY_TRUST_TRUSTED);
	assert_string_equal(res.source, "Latchkey Test Key");
	assert_string_equal(res.authenticator, "Latchkey Test Key");
	attest_result_clear(&res);

	e.compromised = 1;
	e.status = "ATTESTATION_KEY_COMPROMISE";
	assert_int_equal(attest_trust_add_mds(t, &e, msg, sizeof(msg)), 0);
	st = stmt((struct kv[]){ { .k = "alg", .ival = -7 }, { .k = "sig", .b = sig,
	    .blen = siglen }, { .k = "x5c", .certs = &x, .ncerts = 1 } }, 3, &len);
	assert_int_equal(verify(t, "packed", st, len, &r, NOW, &res, &err), 0);
	assert_int_equal(res.trust, PASSKEY_TRUST_UNTRUSTED);
	attest_result_clear(&res);

	/* A root that is not DER is refused when the entry is added. */
	dl = 3;
	assert_int_equal(attest_trust_add_mds(t, &e, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "not a DER certificate"));
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(ak);
	reg_free(&r);
	attest_trust_free(t);
}

static void
test_trust_pem(void **state)
{
	struct attest_trust	*t = attest_trust_new();
	char			 msg[256];
	static const char	 junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
				    "-----END CERTIFICATE-----\n";

	(void)state;
	assert_int_equal(attest_trust_add_pem_mem(t, "hello", 5, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "no certificate"));
	assert_int_equal(attest_trust_add_pem_mem(t, junk, strlen(junk), msg, sizeof(msg)), -1);
	assert_int_equal(attest_trust_add_pem(t, "/nonexistent/roots.pem", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "/nonexistent/roots.pem"));
	assert_int_equal(attest_trust_add_pem_mem(t, ca_pem, strlen(ca_pem), msg, sizeof(msg)), 0);
	assert_null(attest_trust_find_aaguid(t, AAGUID));
	attest_trust_free(t);
	attest_trust_free(NULL);
}

static int
setup(void **state)
{
	BIO	*bio;
	char	*p;
	long	 l;

	(void)state;
	ca_key = EVP_EC_gen("P-256");
	ca_cert = mkcert(ca_key, &(struct certopt){ .c = "AA", .o = "Latchkey",
	    .cn = "Latchkey Test Attestation CA", .ca = 1, .nb = -3650 * DAY,
	    .na = 3650 * DAY }, NULL, NULL);
	bio = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bio, ca_cert);
	l = BIO_get_mem_data(bio, &p);
	ca_pem = strndup(p, (size_t)l);
	BIO_free(bio);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(ca_pem);
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_packed_trust),
		cmocka_unit_test(test_packed_batch_key),
		cmocka_unit_test(test_packed_source),
		cmocka_unit_test(test_packed_requirements),
		cmocka_unit_test(test_packed_expired),
		cmocka_unit_test(test_packed_self),
		cmocka_unit_test(test_u2f),
		cmocka_unit_test(test_tpm),
		cmocka_unit_test(test_apple),
		cmocka_unit_test(test_android),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_mds),
		cmocka_unit_test(test_trust_pem),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
